// Writes the run directory (docs/ARCHITECTURE.md#the-run-directory): JSONL appends that are line-atomic (one write() of a whole
// line, O_APPEND), and status/run files replaced atomically (write a temp file, then rename over).
import { appendFileSync, mkdirSync, renameSync, writeFileSync, openSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeJsonLine } from '../../protocol/jsonLines';
import { RUN_FILES, type StageStatus, type RunMeta, type MetricRecord, type TraceRecord } from '../../protocol/runRecords';

/** Appends one record as one line with a single write, so concurrent readers never see half a record. */
export function appendJsonl(path: string, record: unknown): void {
  const line = encodeJsonLine(record) + '\n';
  appendFileSync(path, line, { encoding: 'utf8', flag: 'a' });
}

/** Replaces a file's content atomically: readers see the old or the new file, never a mix. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    if (typeof content === 'string') writeSync(fd, content);
    else writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
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
