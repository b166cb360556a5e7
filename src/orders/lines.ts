import { createReadStream } from 'node:fs';
import { decodeUtf8 } from '../text';

/**
 * One line of a file: its text; only its length when it was longer than the limit (never held whole); or where
 * it stopped being UTF-8 (never decoded with replacement characters, which would store U+FFFD in its place).
 */
export type FileLine =
  | { lineNo: number; text: string }
  | { lineNo: number; tooLongBytes: number }
  | { lineNo: number; notUtf8: string };

/**
 * The lines of a file with bounded memory: a line over `maxBytes` is skipped to its end and reported by its
 * length, never accumulated (readline would build a string of any size, and crash past V8's string limit).
 * Each line is decoded on its own, strictly, so a line that is not UTF-8 is reported and the next still reads.
 */
export async function* readLines(file: string, maxBytes: number): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let lineNo = 0;
  const finish = (): FileLine => {
    lineNo += 1;
    const line: FileLine = skipping
      ? { lineNo, tooLongBytes: size }
      : decodeLine(lineNo, Buffer.concat(parts));
    parts = [];
    size = 0;
    skipping = false;
    return line;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); ; nl = chunk.indexOf(10, start)) {
      const end = nl === -1 ? chunk.length : nl;
      size += end - start;
      if (!skipping && size > maxBytes) {
        skipping = true;
        parts = [];
      }
      if (!skipping) parts.push(chunk.subarray(start, end));
      if (nl === -1) break;
      yield finish();
      start = nl + 1;
    }
  }
  if (size > 0 || parts.length > 0 || skipping) yield finish();
}

function decodeLine(lineNo: number, bytes: Buffer): FileLine {
  const decoded = decodeUtf8(bytes);
  return 'text' in decoded ? { lineNo, text: decoded.text.replace(/\r$/, '') } : { lineNo, ...decoded };
}
