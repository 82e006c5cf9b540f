// The contract of `see2think experiment`: report.json (per arm mean ± 95 % interval over seeds on each held-out
// set, paired differences between arms, arm A's path through its stages) and the JSON lines `--stream` prints
// (how the extension's palette command follows it). Types only.

/** The held-out sets every final checkpoint is evaluated on. */
export const EXPERIMENT_SETS = ['perception', 'textual-reasoning', 'visual-reasoning'] as const;
export type ExperimentSet = (typeof EXPERIMENT_SETS)[number];

/** What is measured per checkpoint and set (means over the set's prompts). */
export const EXPERIMENT_MEASURES = ['accuracy', 'correct_length', 'perception_error_share', 'mean_length'] as const;
export type ExperimentMeasure = (typeof EXPERIMENT_MEASURES)[number];

/** A measure over seeds: mean, 95 % t-interval half-width, and the per-seed values (null: not measured). */
export interface SeedStat {
  n: number;
  mean: number | null;
  half: number | null;
  values: (number | null)[];
}

export type MeasureStats = Partial<Record<ExperimentMeasure, SeedStat>>;

export interface ExperimentArmReport {
  name: string;
  role: 'A' | 'B' | 'control';
  description: string;
  recipe: string;
  /** Run directories by seed (null: not created yet). */
  runs: (string | null)[];
  /** The final checkpoint's scores per set. */
  final: Partial<Record<ExperimentSet, MeasureStats>>;
}

export interface PairedComparison {
  /** first − second, seed by seed. */
  first: string;
  second: string;
  set: ExperimentSet;
  measure: ExperimentMeasure;
  stat: SeedStat;
  /** For lengths: (first − second) / second, seed by seed (the paper's "20.8 % shorter"). */
  relative?: SeedStat;
}

export interface ExperimentReport {
  experiment: string;
  updated: string;
  /** Every run trained and every evaluation done. */
  complete: boolean;
  seeds: number[];
  /** Seeds whose every arm is trained and evaluated (the statistics use these). */
  seedsDone: number[];
  setup: {
    warmup: { id: string; steps: number };
    rlSteps: number;
    rlPrompts: number;
    evalSize: number;
    evalSeed: number;
    sampling: string;
    backend: string | null;
  };
  /** Seconds the experiment command spent, over every invocation (a resumed experiment adds up). */
  wallSeconds: number;
  arms: ExperimentArmReport[];
  paired: PairedComparison[];
  /** Arm A's checkpoints in order — the shared warm-up, then each stage's end — on every set. */
  path: { checkpoint: string; scores: Partial<Record<ExperimentSet, MeasureStats>> }[];
  /** Each of A's stage ends minus the shared warm-up, seed by seed ("shorter correct responses after perception"). */
  pathPaired: PairedComparison[];
  /** Files next to report.json. */
  figure: string;
}

/** One line `see2think experiment --stream` prints on stdout. */
export type ExperimentStreamRecord =
  | { type: 'progress'; done: number; total: number; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'experiment-done'; report: string; markdown: string; complete: boolean };
