// Resume support: a stage killed after its last checkpoint may have written metrics and traces for steps
// the resumed run will redo. Dropping every line with step > the checkpoint's step (atomic rewrite) keeps
// the files contiguous with no duplicated steps. Unparseable lines are kept as they are, except a torn
// last line (no newline), which a crash leaves behind and nothing can read. The file is streamed in chunks
// and kept lines are copied byte for byte (any size, any encoding); nothing is rewritten when nothing drops.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { MAX_UNIT_BYTES } from './appendedBytes';

const CHUNK = 1 << 20;

/** Byte ranges [start, end) of the file's lines to drop. */
function rangesToDrop(fd: number, size: number, maxStep: number): [number, number][] {
  const drop: [number, number][] = [];
  let lineStart = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  const endLine = (end: number) => {
    // Over the readers' cap: never read by anyone, so it cannot be parsed here either; it stays.
    if (partBytes <= MAX_UNIT_BYTES) {
      let step: unknown;
      try {
        step = (parseJsonLoose(Buffer.concat(parts).toString('utf8')) as { step?: unknown } | null)?.step;
      } catch {
        step = undefined;
      }
      if (typeof step === 'number' && step > maxStep) drop.push([lineStart, end]);
    }
    lineStart = end;
    parts = [];
    partBytes = 0;
  };
  for (let pos = 0; pos < size; ) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    let from = 0;
    for (let nl = buf.indexOf(0x0a, 0); nl !== -1 && nl < n; nl = buf.indexOf(0x0a, from)) {
      if (partBytes <= MAX_UNIT_BYTES) parts.push(buf.subarray(from, nl));
      partBytes += nl - from;
      endLine(pos + nl + 1);
      from = nl + 1;
    }
    if (from < n) {
      if (partBytes <= MAX_UNIT_BYTES) parts.push(buf.subarray(from, n));
      partBytes += n - from;
    }
    pos += n;
  }
  if (lineStart < size) drop.push([lineStart, size]); // the torn last line
  return drop;
}

/** Rewrites a JSONL file without records whose `step` exceeds maxStep; returns how many lines were dropped. */
export function truncateJsonlAfterStep(path: string, maxStep: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  let out: number | undefined;
  try {
    const size = fstatSync(fd).size;
    const drop = rangesToDrop(fd, size, maxStep);
    if (!drop.length) return 0;
    out = openSync(tmp, 'w');
    const copy = (from: number, to: number) => {
      for (let pos = from; pos < to; ) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, to - pos));
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) throw new Error(`${path}: changed while being rewritten`);
        for (let w = 0; w < n; ) w += writeSync(out!, buf, w, n - w);
        pos += n;
      }
    };
    let at = 0;
    for (const [start, end] of drop) {
      copy(at, start);
      at = end;
    }
    copy(at, size);
    fsyncSync(out);
    closeSync(out);
    out = undefined;
    renameSync(tmp, path);
    return drop.length;
  } catch (err) {
    if (out !== undefined) closeSync(out);
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    closeSync(fd);
  }
}
