// Incremental reader of a growing text file (a console log, a job's output, a stage's log.txt): complete new
// lines only; a torn last line waits (or is returned with `flush` once the writer is gone); a shorter file is
// read again from its start.
import { statSync } from 'node:fs';
import { AppendedBytes, completeLines, MAX_UNIT_BYTES } from './appendedBytes';

export class LineTail {
  private source: AppendedBytes;

  /** `fromEnd`: skip what the file holds now (only lines written from here on). */
  constructor(readonly path: string, fromEnd = false) {
    let offset = 0;
    if (fromEnd) {
      try {
        offset = statSync(path).size;
      } catch {
        offset = 0;
      }
    }
    this.source = new AppendedBytes(path, offset);
  }

  read(flush = false): { lines: string[]; truncated: boolean } {
    const lines: string[] = [];
    const r = this.source.pull((data) => {
      const c = completeLines(data);
      lines.push(...c.lines);
      return c.used;
    }, { onOverlong: (bytes) => lines.push(`[see2think: a line of ${bytes} bytes, over the ${MAX_UNIT_BYTES >> 20} MiB limit, was skipped]`) });
    if (flush) {
      const tail = this.source.takePending().toString('utf8');
      if (tail) lines.push(tail.endsWith('\r') ? tail.slice(0, -1) : tail);
    }
    return { lines, truncated: r.truncated };
  }
}
