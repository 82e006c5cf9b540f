// Writes what the adapters read from a foreign trainer's files into our run directory, so an EasyR1/verl/TRL
// stage looks like any other to every reader: metrics.jsonl and traces.jsonl (global steps continued from
// the stage it started from), evals/<stage>-step-<N>.jsonl per validation round (for the trace diff), and
// checkpoints/step-N/meta.json pointing at the trainer's own checkpoint folder (`external_path`) and the
// Hugging Face model a next stage starts from (`model_path`). The stage bridge and Attach to Run Folder
// both use it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeJsonLine } from '../../protocol/jsonLines';
import { RUN_FILES, type CheckpointMeta, type EvalHeader, type MetricRecord, type TraceRecord } from '../../protocol/runRecords';
import { writeFileAtomic, writeJsonAtomic } from '../rundir/runDirWriter';
import { CHECKPOINT_META, checkpointDir } from '../rundir/checkpointPaths';
import type { AdapterChunk, AdapterNote, EvalBatch, ForeignCheckpoint } from './foreignRun';

/** Where mirrored records go: the stage's files (and, for a running stage, its stdout stream). */
export interface MirrorSink {
  metric(r: MetricRecord): void;
  trace(r: TraceRecord): void;
  checkpoint(path: string, meta: CheckpointMeta): void;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
}

export interface MirrorOptions {
  runDir: string;
  stageId: string;
  stageDir: string;
  trainer: string;
  /** Global step of the checkpoint this stage started from (0 for the base model). */
  globalOffset: number;
  /** "<stage>/step-<N>" of that checkpoint, or null. */
  parent: string | null;
  /** Records at or below this step were mirrored before (a resumed stage): skipped. */
  floorStep?: number;
  seed?: number;
}

export const evalFileName = (stageId: string, step: number) => `${stageId}-step-${step}.jsonl`;

export class StageMirror {
  /** Highest step mirrored so far. */
  lastStep = 0;
  lastCheckpoint?: { step: number; rel: string; modelPath?: string };
  readonly counts = { metrics: 0, traces: 0, evals: 0, checkpoints: 0, notes: 0 };

  constructor(private readonly o: MirrorOptions, private readonly sink: MirrorSink) {
    this.lastStep = o.floorStep ?? 0;
  }

  private fresh = (step: number) => step > (this.o.floorStep ?? -1);

  apply(chunk: AdapterChunk): void {
    for (const n of chunk.notes) this.note(n);
    for (const m of chunk.metrics) {
      if (!this.fresh(m.step)) continue;
      this.sink.metric({ ...m, global_step: this.o.globalOffset + m.step, stage: this.o.stageId });
      this.lastStep = Math.max(this.lastStep, m.step);
      this.counts.metrics++;
    }
    for (const t of chunk.traces) {
      if (!this.fresh(t.step)) continue;
      this.sink.trace({ ...t, global_step: this.o.globalOffset + t.step, stage: this.o.stageId });
      this.counts.traces++;
    }
    for (const e of chunk.evals) this.writeEval(e); // one file per round: rewriting it is harmless
    for (const c of chunk.checkpoints) if (this.fresh(c.step)) this.recordCheckpoint(c);
  }

  private note(n: AdapterNote): void {
    this.counts.notes++;
    this.sink.log(`${n.file}${n.line ? `:${n.line}` : ''}: ${n.message}`, n.level === 'warn' ? 'warn' : 'info');
  }

  private writeEval(e: EvalBatch): void {
    const header: EvalHeader = {
      type: 'header', checkpoint: `${this.o.stageId}/step-${e.step}`, set: e.set, sampling: e.sampling,
      seed: this.o.seed ?? 0, created: new Date().toISOString(), source: e.source,
    };
    const file = join(this.o.runDir, RUN_FILES.evals, evalFileName(this.o.stageId, e.step));
    mkdirSync(join(this.o.runDir, RUN_FILES.evals), { recursive: true });
    writeFileAtomic(file, [header, ...e.records].map((r) => encodeJsonLine(r) + '\n').join(''));
    this.counts.evals++;
    this.sink.log(`validation at step ${e.step}: ${e.records.length} answers → ${RUN_FILES.evals}/${evalFileName(this.o.stageId, e.step)}`);
  }

  /** A pointer checkpoint in our layout (meta.json last, so it counts only once complete). */
  recordCheckpoint(c: ForeignCheckpoint, modelPath = c.hfPath): void {
    const dir = checkpointDir(this.o.stageDir, c.step);
    mkdirSync(dir, { recursive: true });
    const meta: CheckpointMeta = {
      step: c.step, global_step: this.o.globalOffset + c.step, stage: this.o.stageId, time: new Date().toISOString(),
      parent: this.o.parent, trainer: this.o.trainer, external_path: c.path, ...(modelPath ? { model_path: modelPath } : {}),
    };
    writeJsonAtomic(join(dir, CHECKPOINT_META), meta);
    const rel = `${RUN_FILES.checkpoints}/step-${c.step}`;
    if (!this.lastCheckpoint || c.step >= this.lastCheckpoint.step) this.lastCheckpoint = { step: c.step, rel, modelPath };
    this.counts.checkpoints++;
    this.sink.checkpoint(rel, meta);
  }
}
