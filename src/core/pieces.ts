/**
 * Text written piece by piece, for reports of any length: V8 holds at most about half a
 * billion characters in one string, and a check can find millions of problems.
 */
export type WritePiece = (piece: string) => void;

/**
 * Pieces gathered into chunks of about `chars` characters for `sink`: a write per chunk
 * rather than per piece, and never more than a chunk held. Call `end()` when done.
 */
export function inChunks(sink: (chunk: string) => void, chars = 1 << 20): { write: WritePiece; end(): void } {
  let pieces: string[] = [];
  let length = 0;
  const flush = () => {
    if (length === 0) return;
    sink(pieces.join(""));
    pieces = [];
    length = 0;
  };
  return {
    write(piece) {
      pieces.push(piece);
      length += piece.length;
      if (length >= chars) flush();
    },
    end: flush,
  };
}
