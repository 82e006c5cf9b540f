// The last lines of a stage's log.txt, for error messages ("what the trainer wrote before it died").
// (Following a growing log line by line is lineTail.ts.)
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `n` non-empty lines of a text file (reads at most its last 64 KiB); [] if it is missing. */
export function lastLines(path: string, n: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 64 << 10);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
    if (len < size) lines.shift();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}
