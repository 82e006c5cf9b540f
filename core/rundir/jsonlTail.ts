// Incremental, tolerant reader of a growing JSON-lines file. It remembers a byte offset, returns only
// complete new lines (a torn last line waits for its newline), accepts NaN/Infinity, and counts and
// reports corrupt lines instead of failing. If the file shrinks (a trainer restarted and truncated it),
// it starts over from the beginning and says so; records already returned are the caller's to keep.
import { parseJsonLoose } from '../../protocol/jsonLines';
import { isObj } from '../../protocol/guards';
import { AppendedBytes, completeLines, lineStartNearEnd, MAX_UNIT_BYTES } from './appendedBytes';

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

export class JsonlTail<T = unknown> {
  private source: AppendedBytes;
  private lineNo = 0;
  private badCount = 0;

  constructor(
    readonly path: string,
    private readonly accept: (value: unknown) => value is T = isObj as (value: unknown) => value is T,
  ) {
    this.source = new AppendedBytes(path);
  }

  /**
   * A tail that starts at the first line boundary in the last `bytes` bytes of the file (at 0 when the file is
   * smaller or missing): the latest records of a file too long to read whole. Line numbers count from there.
   */
  static nearEnd<T>(path: string, accept: (value: unknown) => value is T, bytes: number): JsonlTail<T> {
    const t = new JsonlTail<T>(path, accept);
    t.source = new AppendedBytes(path, lineStartNearEnd(path, bytes));
    return t;
  }

  /** Bytes consumed so far (always at a line boundary). */
  get position(): number {
    return this.source.offset;
  }

  get badLines(): number {
    return this.badCount;
  }

  /** Reads whatever complete lines were appended since the last call. A missing file reads as empty. */
  read(): TailChunk<T> {
    const out: TailChunk<T> = { records: [], bad: [], truncated: false };
    const r = this.source.pull(
      (data) => {
        const { lines, used } = completeLines(data);
        for (const line of lines) this.consumeLine(line, out);
        return used;
      },
      {
        onTruncate: () => (this.lineNo = 0),
        onOverlong: (bytes) => {
          this.lineNo++;
          this.report(out, '', `a line of ${bytes} bytes, over the ${MAX_UNIT_BYTES >> 20} MiB limit: skipped`);
        },
      },
    );
    out.truncated = r.truncated;
    return out;
  }

  private consumeLine(line: string, out: TailChunk<T>): void {
    this.lineNo++;
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
