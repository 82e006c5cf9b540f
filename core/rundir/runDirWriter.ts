// Writes the run directory (docs/ARCHITECTURE.md#the-run-directory): JSONL appends that are line-atomic (one write() of a whole
// line, O_APPEND), and status/run files replaced atomically (write a temp file, then rename over).
import { fstatSync, ftruncateSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, openSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { processAlive } from '../launch/local';
import { dirname, join } from 'node:path';
import { encodeJsonLine } from '../../protocol/jsonLines';
import { RUN_FILES, type StageStatus, type RunMeta, type MetricRecord, type TraceRecord } from '../../protocol/runRecords';

/**
 * Appends one record as one line with a single write, so concurrent readers never see half a record. An append
 * that fails part-way (a full disk) is cut back off, so the file keeps only whole lines; the error names the file.
 */
export function appendJsonl(path: string, record: unknown): void {
  const line = Buffer.from(encodeJsonLine(record) + '\n', 'utf8');
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (err) {
    throw withPath(err, path);
  }
  let size = -1;
  try {
    size = fstatSync(fd).size;
    for (let w = 0; w < line.length; ) w += writeSync(fd, line, w, line.length - w);
  } catch (err) {
    if (size >= 0) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // the torn line stays; readers skip it and a resume drops it
      }
    }
    throw withPath(err, path);
  } finally {
    closeSync(fd);
  }
}

/** The same error (code kept) with the file it concerns in its message. */
export function withPath(err: unknown, path: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.message === 'string' && !e.message.includes(path)) e.message = `${e.message} (${path})`;
  return e;
}

/**
 * Replaces a file's content atomically: readers see the old or the new file, never a mix. A write that fails
 * (a full disk) removes its temp file and leaves the old file as it was.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let w = 0; w < bytes.length; ) w += writeSync(fd, bytes, w, bytes.length - w);
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw withPath(err, path);
  }
  renameSync(tmp, path);
}

/** `<file>.<pid>[.<time>].tmp`: a temp file of writeFileAtomic (or a checkpoint's data file) by process <pid>. */
const TEMP = /\.(\d+)(?:\.\d+)?\.tmp$/;

/**
 * Removes temp files that a killed writer left in a stage folder and its checkpoints (their writer is no
 * longer running). Called when a stage (re)starts.
 */
export function removeStaleTemps(stageDir: string): string[] {
  const removed: string[] = [];
  const sweep = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = TEMP.exec(name);
      if (!m || processAlive(Number(m[1]))) continue;
      rmSync(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  };
  sweep(stageDir);
  const ck = join(stageDir, RUN_FILES.checkpoints);
  sweep(ck);
  try {
    for (const d of readdirSync(ck)) if (/^step-\d+$/.test(d)) sweep(join(ck, d));
  } catch {
    // no checkpoints yet
  }
  return removed;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** The files of one stage of one run. */
export class StageWriter {
  readonly dir: string;

  constructor(readonly runDir: string, readonly stageId: string) {
    this.dir = join(runDir, RUN_FILES.stagesDir, stageId);
    mkdirSync(join(this.dir, RUN_FILES.samples), { recursive: true });
    mkdirSync(join(this.dir, RUN_FILES.checkpoints), { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  metric(record: MetricRecord): void {
    appendJsonl(this.path(RUN_FILES.metrics), record);
  }

  trace(record: TraceRecord): void {
    appendJsonl(this.path(RUN_FILES.traces), record);
  }

  status(status: StageStatus): void {
    writeJsonAtomic(this.path(RUN_FILES.status), status);
  }

  /** Writes a sample image and returns its path relative to the stage directory. */
  sample(name: string, png: Uint8Array): string {
    const rel = `${RUN_FILES.samples}/${name}`;
    writeFileSync(this.path(rel), png);
    return rel;
  }
}

export function writeRunMeta(runDir: string, meta: RunMeta): void {
  writeJsonAtomic(join(runDir, RUN_FILES.run), meta);
}
