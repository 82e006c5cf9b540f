// Incremental reader of a growing text file (a console log, a job's output, a stage's log.txt): complete new
// lines only; a torn last line waits (or is returned with `flush` once the writer is gone); a shorter file is
// read again from its start.
import { statSync } from 'node:fs';
import { completeLines, pullAppended } from './appendedBytes';

export class LineTail {
  private offset = 0;

  /** `fromEnd`: skip what the file holds now (only lines written from here on). */
  constructor(readonly path: string, fromEnd = false) {
    if (fromEnd) {
      try {
        this.offset = statSync(path).size;
      } catch {
        this.offset = 0;
      }
    }
  }

  read(flush = false): { lines: string[]; truncated: boolean } {
    const lines: string[] = [];
    let tail = '';
    const r = pullAppended(this.path, this.offset, (data) => {
      const c = completeLines(data);
      lines.push(...c.lines);
      tail = data.toString('utf8', c.used);
      return c.used;
    });
    this.offset = r.offset;
    if (flush && tail) {
      lines.push(tail.endsWith('\r') ? tail.slice(0, -1) : tail);
      this.offset += Buffer.byteLength(tail);
    }
    return { lines, truncated: r.truncated };
  }
}
