// The one primitive under every live file reader (JSONL metrics, console logs, EasyR1 generation blocks): read
// the bytes appended since an offset, in bounded chunks, hand them to a consumer that takes only complete units
// (lines, blocks) and leaves a torn tail for next time, and notice when the file shrank (a restarted writer).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;

export interface PullResult {
  /** The new offset: just past the last complete unit consumed. */
  offset: number;
  /** The file was shorter than `offset`: reading restarted at 0. */
  truncated: boolean;
  /** The file does not exist (yet). */
  missing: boolean;
}

/**
 * Feeds `consume` the bytes of `path` from `offset` to its current end. `consume(data)` gets the unconsumed
 * bytes so far (a torn unit from the previous chunk plus the new chunk) and returns how many it used; the rest
 * is offered again with the next chunk. `onTruncate` runs before anything is consumed from a restarted file.
 */
export function pullAppended(
  path: string,
  offset: number,
  consume: (data: Buffer) => number,
  onTruncate?: () => void,
): PullResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { offset, truncated: false, missing: true };
    throw err;
  }
  let truncated = false;
  try {
    const size = fstatSync(fd).size;
    if (size < offset) {
      truncated = true;
      offset = 0;
      onTruncate?.();
    }
    let pending: Buffer = Buffer.alloc(0);
    let pos = offset;
    while (pos < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      const data = pending.length ? Buffer.concat([pending, buf.subarray(0, n)]) : buf.subarray(0, n);
      const used = consume(data);
      offset += used;
      pending = Buffer.from(data.subarray(used));
    }
  } finally {
    closeSync(fd);
  }
  return { offset, truncated, missing: false };
}

/** Splits complete lines off `data` (without their "\n" or "\r\n"); returns them and the bytes they used. */
export function completeLines(data: Buffer): { lines: string[]; used: number } {
  const lines: string[] = [];
  let start = 0;
  for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
    const end = nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl;
    lines.push(data.toString('utf8', start, end));
    start = nl + 1;
  }
  return { lines, used: start };
}

/** Offset just past the first newline in the last `bytes` bytes of `path` (0 when it is no longer, or missing). */
export function lineStartNearEnd(path: string, bytes: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= bytes) return 0;
    const buf = Buffer.allocUnsafe(bytes);
    const n = readSync(fd, buf, 0, bytes, size - bytes);
    const nl = buf.subarray(0, n).indexOf(0x0a);
    // One line longer than `bytes`: start past it (the next line written is read).
    return nl < 0 ? size : size - bytes + nl + 1;
  } finally {
    closeSync(fd);
  }
}
