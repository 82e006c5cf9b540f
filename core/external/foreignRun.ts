// What every adapter of a foreign trainer's files (EasyR1, verl, TRL) hands back: our own records (metrics,
// traces, validation rounds for eval files, checkpoints) plus notes about what it could not read.
import type { EvalRecord, MetricRecord, TraceRecord } from '../../protocol/runRecords';

export interface AdapterNote {
  level: 'info' | 'warn';
  /** The foreign file the note is about. */
  file: string;
  /** 1-based line, when the note is about one line. */
  line?: number;
  message: string;
}

/** One validation round of a foreign trainer: becomes evals/<key>.jsonl for the trace diff. */
export interface EvalBatch {
  /** The trainer's step at which the validation ran (0 = before training). */
  step: number;
  /** Name of the validation set, as far as the trainer tells it. */
  set: string;
  sampling: { temperature: number; top_p: number; n: number };
  source: string;
  records: EvalRecord[];
}

/** A checkpoint folder the foreign trainer finished writing. */
export interface ForeignCheckpoint {
  step: number;
  /** Absolute path of the checkpoint folder (e.g. …/global_step_90). */
  path: string;
  /** The Hugging Face model folder a next stage starts from, when the trainer writes one. */
  hfPath?: string;
}

export interface AdapterChunk {
  metrics: MetricRecord[];
  traces: TraceRecord[];
  evals: EvalBatch[];
  checkpoints: ForeignCheckpoint[];
  notes: AdapterNote[];
}

export const emptyChunk = (): AdapterChunk => ({ metrics: [], traces: [], evals: [], checkpoints: [], notes: [] });

export function mergeChunks(...chunks: AdapterChunk[]): AdapterChunk {
  const out = emptyChunk();
  for (const c of chunks) {
    out.metrics.push(...c.metrics);
    out.traces.push(...c.traces);
    out.evals.push(...c.evals);
    out.checkpoints.push(...c.checkpoints);
    out.notes.push(...c.notes);
  }
  return out;
}

/** A live reader of one foreign run folder: each read() returns only what is new since the last one. */
export interface ForeignRunReader {
  readonly kind: ForeignKind;
  read(): Promise<AdapterChunk>;
  /** The trainer has ended: hand over what was held back waiting for more (e.g. unassigned generations). */
  finish(): Promise<AdapterChunk>;
  /** The step count the run is configured for, when its files or output say it (after a read). */
  plannedSteps(): number | undefined;
}

export type ForeignKind = 'easyr1' | 'verl' | 'trl';

/** What every reader needs to stamp our records. */
export interface ReaderContext {
  /** Our stage id, written into every record. */
  stage: string;
  /** Seconds since the epoch, for records the trainer did not timestamp (default: now). */
  now?: () => number;
  /** Weight of accuracy in the overall reward: a validation answer counts correct when its score reaches it. */
  accuracyWeight?: number;
}

export const nowSeconds = () => Date.now() / 1000;
