// Incremental, tolerant reader of a growing JSON-lines file. It remembers a byte offset, returns only
// complete new lines (a torn last line waits for its newline), accepts NaN/Infinity, and counts and
// reports corrupt lines instead of failing. If the file shrinks (a trainer restarted and truncated it),
// it starts over from the beginning and says so; records already returned are the caller's to keep.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { parseJsonLoose } from '../../protocol/jsonLines';

export interface BadLine {
  /** 1-based line number in the file (as of the read that found it). */
  line: number;
  /** The first characters of the line. */
  excerpt: string;
  reason: string;
}

export interface TailChunk<T> {
  records: T[];
  bad: BadLine[];
  /** True when the file was found shorter than what had been read: reading restarted at 0. */
  truncated: boolean;
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

export class JsonlTail<T = unknown> {
  private offset = 0;
  private lineNo = 0;
  private badCount = 0;

  constructor(
    readonly path: string,
    private readonly accept: (value: unknown) => value is T = (v): v is T => typeof v === 'object' && v !== null && !Array.isArray(v),
  ) {}

  /** Bytes consumed so far (always at a line boundary). */
  get position(): number {
    return this.offset;
  }

  get badLines(): number {
    return this.badCount;
  }

  /** Reads whatever complete lines were appended since the last call. A missing file reads as empty. */
  read(): TailChunk<T> {
    const out: TailChunk<T> = { records: [], bad: [], truncated: false };
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
        this.lineNo = 0;
      }
      let pending: Buffer = Buffer.alloc(0);
      let pos = this.offset;
      while (pos < size) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        const data = pending.length ? Buffer.concat([pending, buf.subarray(0, n)]) : buf.subarray(0, n);
        let start = 0;
        for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
          this.consumeLine(data.toString('utf8', start, nl), out);
          this.offset += nl + 1 - start;
          start = nl + 1;
        }
        pending = Buffer.from(data.subarray(start));
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private consumeLine(raw: string, out: TailChunk<T>): void {
    this.lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = parseJsonLoose(line);
    } catch (err) {
      this.report(out, line, (err as Error).message);
      return;
    }
    if (this.accept(value)) out.records.push(value);
    else this.report(out, line, 'not a record of the expected shape');
  }

  private report(out: TailChunk<T>, line: string, reason: string): void {
    this.badCount++;
    out.bad.push({ line: this.lineNo, excerpt: line.slice(0, 80), reason });
  }
}

/** Reads a whole JSONL file once (tolerantly). */
export function readJsonl<T = unknown>(path: string, accept?: (v: unknown) => v is T): TailChunk<T> {
  return new JsonlTail<T>(path, accept).read();
}
