// Reading a growing text file (a stage's log.txt) by byte offset: new complete lines only, and the last lines of
// the file for error messages ("what the trainer wrote before it died").
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class TextTail {
  private offset = 0;
  private partial = '';

  constructor(readonly path: string, fromEnd = false) {
    if (fromEnd) this.offset = sizeOf(path);
  }

  /** Complete lines appended since the last call (a final unterminated line too when `flush`). */
  read(flush = false): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    let text = '';
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0;
      while (this.offset < size) {
        const buf = Buffer.allocUnsafe(Math.min(1 << 20, size - this.offset));
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        text += buf.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (flush && this.partial) {
      lines.push(this.partial);
      this.partial = '';
    }
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
}

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

function sizeOf(path: string): number {
  try {
    const fd = openSync(path, 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}
