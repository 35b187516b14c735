#!/usr/bin/env bash
# Tags a release and moves its major tag:  scripts/release.sh X.Y.Z [--push]
#
#   vX.Y.Z  an annotated tag on HEAD (refused if it exists)
#   vX      force-moved to the same commit, so `uses: mallku/apprentice-tools@vX` gets it
#
# Without --push it only tags locally and prints the push commands. The release workflow
# (.github/workflows/release.yml) runs this with --push.
set -euo pipefail

usage() { echo "usage: scripts/release.sh X.Y.Z [--push]" >&2; exit 2; }

version="${1:-}"
push="${2:-}"
[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] || usage
[[ -z "$push" || "$push" == "--push" ]] || usage
major="v${BASH_REMATCH[1]}"
tag="v$version"

if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
  echo "error: the working tree has uncommitted changes; commit or stash them first." >&2
  exit 1
fi
if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
  echo "error: $tag already exists. Pick the next version." >&2
  exit 1
fi
if [[ ! -f dist/index.js ]]; then
  echo "error: dist/index.js is missing. Run \`npm run bundle\` and commit dist/." >&2
  exit 1
fi

git tag -a "$tag" -m "apprentice-tools $tag"
git tag -f -a "$major" -m "apprentice-tools $tag" "$tag^{commit}"
echo "Tagged $tag and moved $major to $(git rev-parse --short "$tag^{commit}")."

if [[ "$push" == "--push" ]]; then
  git push origin "refs/tags/$tag"
  git push --force origin "refs/tags/$major"
else
  echo "Push with:"
  echo "  git push origin refs/tags/$tag && git push --force origin refs/tags/$major"
fi
