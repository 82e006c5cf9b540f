// The run directory's records (docs/ARCHITECTURE.md#the-run-directory): what trainers write and every reader (CLI, extension,
// panels) understands. Also the layout's relative paths, so no side spells a file name twice.

export const RUN_FILES = {
  recipe: 'recipe.yaml',
  run: 'run.json',
  stagesDir: 'stages',
  status: 'status.json',
  metrics: 'metrics.jsonl',
  traces: 'traces.jsonl',
  samples: 'samples',
  checkpoints: 'checkpoints',
  log: 'log.txt',
  evals: 'evals',
} as const;

/** `unknown`: an attached run that stopped writing without saying how many steps it planned (it may have finished or died). */
export type StageState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'unknown';
export const TERMINAL_STATES: readonly StageState[] = ['succeeded', 'failed', 'cancelled'];
export type LaunchTarget = 'local' | 'slurm';

/** stages/<id>/status.json — written whole by write-temp-then-rename. */
export interface StageStatus {
  stage: string;
  state: StageState;
  target: LaunchTarget;
  /** Local: the trainer's pid (also its process-group id). */
  pid?: number;
  /** SLURM: the job id. */
  job_id?: string;
  host?: string;
  exit_code?: number | null;
  signal?: string | null;
  /** ISO-8601 times. */
  started?: string;
  ended?: string;
  updated: string;
  /** Human-readable failure or pending reason. */
  error?: string;
  pending_reason?: string;
  step?: number;
  total_steps: number;
  /** Relative path (from the stage dir) of the last checkpoint written. */
  last_checkpoint?: string;
}

/** run.json */
export interface RunMeta {
  id: string;
  recipe_name: string;
  /** sha256 of the frozen recipe.yaml. */
  recipe_hash: string;
  /** The recipe file this run was launched from (absolute). */
  recipe_path?: string;
  created: string;
  trainer: string;
  /** Built-in trainer: the TensorFlow.js backend in use (tensorflow-gpu, tensorflow, wasm, cpu). */
  backend?: string;
  target: LaunchTarget;
  stages: string[];
  see2think_version?: string;
  /** Set when the run is one arm × seed of an experiment (`see2think experiment`): the dashboard groups by it. */
  group?: RunGroup;
}

/** Where a run sits in a multi-seed experiment: runs of one arm differ only in their seed. */
export interface RunGroup {
  /** The experiment's id (its folder under runs/experiments/). */
  experiment: string;
  /** The arm's name (e.g. "staged", "merged"). */
  arm: string;
  seed: number;
}

/** run.json's `group` when it is well formed (data from disk: anything else reads as "not in an experiment"). */
export function runGroupOf(v: unknown): RunGroup | undefined {
  const g = v as Partial<RunGroup> | null | undefined;
  if (!g || typeof g !== 'object') return undefined;
  const name = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && s.length <= 256;
  if (!name(g.experiment) || !name(g.arm) || typeof g.seed !== 'number' || !Number.isFinite(g.seed)) return undefined;
  return { experiment: g.experiment, arm: g.arm, seed: g.seed };
}

/** One line of metrics.jsonl. Metric names follow verl/EasyR1 (see METRICS); a value may be NaN or ±Infinity. */
export interface MetricRecord {
  step: number;
  /** Step counted across the stage chain (stage k starts where its init stage ended). */
  global_step?: number;
  /** Seconds since the epoch. */
  time: number;
  stage: string;
  [metric: string]: number | string | undefined;
}

/** The keys of a metric record that are not metrics. */
export const RECORD_FIELDS: ReadonlySet<string> = new Set(['step', 'global_step', 'time', 'stage']);

/** A metric's value in a record, if the record logged it as a number (NaN included). */
export function metricValue(record: MetricRecord | undefined, metric: string): number | undefined {
  const v = record?.[metric];
  return typeof v === 'number' && !RECORD_FIELDS.has(metric) ? v : undefined;
}

export interface TraceResponse {
  text: string;
  reward: number;
  accuracy: number;
  format: number;
  advantage?: number;
  /** Response length in tokens. */
  length: number;
  /** The extracted \boxed{} answer, if any. */
  answer?: string | null;
}

/** One line of traces.jsonl: one prompt with its whole group of sampled responses. */
export interface TraceRecord {
  step: number;
  global_step?: number;
  time: number;
  stage: string;
  /** Task kind that produced the prompt (perception, textual-reasoning, …). */
  task: string;
  prompt_id: string;
  prompt: string;
  /** Relative path (from the stage dir) of the PNG the prompt shows, if any. */
  image?: string;
  ground_truth: string;
  responses: TraceResponse[];
}

/** checkpoints/step-N/meta.json */
export interface CheckpointMeta {
  step: number;
  global_step?: number;
  stage: string;
  time: string;
  /** Parent checkpoint as "<stage>/step-<N>" (the checkpoint this stage started from), or null. */
  parent: string | null;
  trainer: string;
  /** Free-form: model config, optimizer state file names, rng state. */
  [key: string]: unknown;
}

/** First line of evals/<checkpoint-key>.jsonl. */
export interface EvalHeader {
  type: 'header';
  /** Human id of the checkpoint, e.g. "staged/20260101-120000-ab12/visual/step-40". */
  checkpoint: string;
  /** The eval set, e.g. "visual-reasoning:200" (a generator's validation set) or "file:<path>". */
  set: string;
  sampling: { temperature: number; top_p: number; n: number; greedy?: boolean };
  seed: number;
  created: string;
  /** Who wrote the file: "see2think eval", or an adapter ("easyr1 generations.log", …). */
  source?: string;
  // Written by `see2think eval` (optional for other writers):
  /** The file's key (its name without .jsonl): same key = same checkpoint + set + sampling + seed. */
  key?: string;
  /** Absolute checkpoint directory, and its meta.json `time`: a re-created checkpoint is never mistaken for the old one. */
  checkpoint_dir?: string;
  checkpoint_time?: string;
  /** Prompts in the set (= answer lines in a finished file). */
  prompts?: number;
  max_tokens?: number;
  backend?: string;
}

/** Every later line of an eval file: one prompt answered by one checkpoint. */
export interface EvalRecord {
  type?: 'answer';
  prompt_id: string;
  task?: string;
  prompt: string;
  /** The prompt's image: a data: URI (PNG), or a path relative to the eval file's folder. */
  image?: string;
  ground_truth: string;
  response: string;
  answer: string | null;
  correct: boolean;
  reward: number;
  length: number;
  /**
   * Scene questions with a known reading: whether the perception the response states in <think> is right (null:
   * not stated or unreadable) — the error analysis's input (protocol/answerStats.ts). Absent otherwise.
   */
  perception_ok?: boolean | null;
}

/** What a trainer streams on stdout, one JSON object per line (the same records the files hold). */
export type StreamRecord =
  | { type: 'metric'; record: MetricRecord }
  | { type: 'trace'; record: TraceRecord }
  | { type: 'status'; record: StageStatus }
  | { type: 'checkpoint'; path: string; meta: CheckpointMeta }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'progress'; stage: string; phase: string; done: number; total: number };
