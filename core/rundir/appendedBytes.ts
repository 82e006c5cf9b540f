// The one primitive under every live file reader (JSONL metrics, console logs, EasyR1 generation blocks): read
// the bytes appended since an offset, in bounded chunks, hand them to a consumer that takes only complete units
// (lines, blocks), keep a torn tail in memory for next time (never read twice), and notice when the file shrank
// (a restarted writer). A unit longer than a cap is skipped whole and reported, so one 200 MB line costs neither
// a quadratic rebuild nor a string Node cannot make.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { openError, openNoFollow } from './runDirReader';

const CHUNK = 1 << 20;
/** The longest unit (line, block) a reader takes: longer ones are skipped and reported as bad. */
export const MAX_UNIT_BYTES = 16 << 20;

export interface PullResult {
  /** The new offset: just past the last complete unit consumed. */
  offset: number;
  /** The file was shorter than what had been read: reading restarted at 0. */
  truncated: boolean;
  /** The file does not exist (yet). */
  missing: boolean;
}

export interface PullHooks {
  /** Runs before anything is consumed from a restarted file. */
  onTruncate?: () => void;
  /** A unit of `bytes` bytes (newline included) was longer than the cap and skipped. */
  onOverlong?: (bytes: number) => void;
}

/**
 * Reads one file's appended bytes across calls. `consume(data)` gets the unconsumed bytes so far (a torn unit
 * from before plus new ones) and returns how many it used; it is called only when new bytes hold a newline
 * (every unit ends with one), so a long unit is gathered chunk by chunk and joined once.
 */
export class AppendedBytes {
  private consumed: number;
  private readPos: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an over-long unit: bytes dropped so far (0 = not skipping). */
  private skipping = 0;

  constructor(readonly path: string, offset = 0, private readonly maxUnit = MAX_UNIT_BYTES) {
    this.consumed = offset;
    this.readPos = offset;
  }

  /** Just past the last unit consumed or skipped. */
  get offset(): number {
    return this.consumed;
  }

  /** The torn tail held since the last pull, handed over as consumed (a writer that is gone ends without newline). */
  takePending(): Buffer {
    const b = Buffer.concat(this.pending);
    this.consumed += b.length;
    this.pending = [];
    this.pendingBytes = 0;
    return b;
  }

  pull(consume: (data: Buffer) => number, hooks: PullHooks = {}): PullResult {
    let fd: number;
    try {
      fd = openNoFollow(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { offset: this.consumed, truncated: false, missing: true };
      throw new Error(`${this.path}: ${openError(err)}`);
    }
    let truncated = false;
    try {
      const size = fstatSync(fd).size;
      if (size < this.readPos) {
        truncated = true;
        this.consumed = this.readPos = this.pendingBytes = this.skipping = 0;
        this.pending = [];
        hooks.onTruncate?.();
      }
      while (this.readPos < size) {
        const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - this.readPos));
        const n = readSync(fd, chunk, 0, chunk.length, this.readPos);
        if (n <= 0) break;
        this.readPos += n;
        this.take(chunk.subarray(0, n), consume, hooks);
      }
    } finally {
      closeSync(fd);
    }
    return { offset: this.consumed, truncated, missing: false };
  }

  private take(buf: Buffer, consume: (data: Buffer) => number, hooks: PullHooks): void {
    if (this.skipping) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        this.skipping += buf.length;
        this.consumed += buf.length;
        return;
      }
      this.consumed += nl + 1;
      hooks.onOverlong?.(this.skipping + nl + 1);
      this.skipping = 0;
      buf = buf.subarray(nl + 1);
      if (!buf.length) return;
    }
    if (buf.indexOf(0x0a) < 0) {
      this.pending.push(buf);
      this.pendingBytes += buf.length;
    } else {
      const data = this.pending.length ? Buffer.concat([...this.pending, buf]) : buf;
      const used = consume(data);
      this.consumed += used;
      const rest = data.subarray(used);
      this.pending = rest.length ? [Buffer.from(rest)] : [];
      this.pendingBytes = rest.length;
    }
    if (this.pendingBytes > this.maxUnit) {
      // Too long to be a unit anyone can use: drop it up to its newline.
      this.skipping = this.pendingBytes;
      this.consumed += this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }
}

/**
 * One pull from `offset` without state kept between calls (a torn tail is read again next time): see
 * AppendedBytes for `consume`.
 */
export function pullAppended(
  path: string,
  offset: number,
  consume: (data: Buffer) => number,
  onTruncate?: () => void,
): PullResult {
  return new AppendedBytes(path, offset).pull(consume, { onTruncate });
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
