// Incremental reader of a growing text file, line by line (a console log captured to a file): returns only
// complete new lines; a torn last line waits; a shorter file is read again from its start.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class LineTail {
  private offset = 0;

  constructor(readonly path: string) {}

  read(): { lines: string[]; truncated: boolean } {
    const out = { lines: [] as string[], truncated: false };
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) {
        out.truncated = true;
        this.offset = 0;
      }
      const buf = Buffer.alloc(size - this.offset);
      const n = buf.length ? readSync(fd, buf, 0, buf.length, this.offset) : 0;
      const end = buf.subarray(0, n).lastIndexOf(0x0a);
      if (end === -1) return out;
      this.offset += end + 1;
      out.lines = buf.toString('utf8', 0, end).split('\n');
    } finally {
      closeSync(fd);
    }
    return out;
  }
}
