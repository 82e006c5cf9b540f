// What a comparison of two checkpoints' eval files is, as every side sees it: the CLI prints the summary,
// the extension host builds it, the diff panel shows it and filters/sorts its rows. Types + pure functions.

/** How one prompt's correctness changed from checkpoint A to checkpoint B. */
export type FlipClass = 'wrong-to-right' | 'right-to-wrong' | 'both-right' | 'both-wrong';
export const FLIP_CLASSES: readonly FlipClass[] = ['wrong-to-right', 'right-to-wrong', 'both-right', 'both-wrong'];
export const FLIP_LABELS: Record<FlipClass, string> = {
  'wrong-to-right': 'wrong → right',
  'right-to-wrong': 'right → wrong',
  'both-right': 'both right',
  'both-wrong': 'both wrong',
};

export function flipClass(correctA: boolean, correctB: boolean): FlipClass {
  if (correctA) return correctB ? 'both-right' : 'right-to-wrong';
  return correctB ? 'wrong-to-right' : 'both-wrong';
}

/** One side of a comparison: which eval file, of which checkpoint, on which set, sampled how. */
export interface EvalSide {
  /** Short human label, e.g. "staged/run-1 · visual/step-40". */
  label: string;
  file: string;
  checkpoint: string;
  set: string;
  /** e.g. "t=0.6 top-p=0.95 n=1" or "greedy". */
  sampling: string;
  seed: number | null;
  prompts: number;
}

export interface TaskBreakdown {
  task: string;
  paired: number;
  accuracyA: number;
  accuracyB: number;
  meanLengthA: number;
  meanLengthB: number;
  flips: Record<FlipClass, number>;
  /** Of the wrong visual-reasoning answers, the share whose stated perception was wrong (NaN: none, or not recorded). */
  perceptionErrorShareA: number;
  perceptionErrorShareB: number;
}

export interface CompareSummary {
  a: EvalSide;
  b: EvalSide;
  /** Prompts answered by both (the only ones compared). */
  paired: number;
  onlyA: number;
  onlyB: number;
  accuracyA: number;
  accuracyB: number;
  /** B − A, in accuracy units (0..1), with a paired 95 % normal interval from the discordant pairs. */
  accuracyDelta: number;
  accuracyDeltaCi95: [number, number];
  meanRewardA: number;
  meanRewardB: number;
  flips: Record<FlipClass, number>;
  /** Mean response length in tokens. */
  meanLengthA: number;
  meanLengthB: number;
  /** meanLengthB / meanLengthA − 1: the paper's "shorter traces" as one number (−0.208 = 20.8 % shorter). */
  lengthRelativeChange: number;
  /** Per-prompt length change B − A: median and the share of prompts whose trace got shorter. */
  medianLengthDelta: number;
  shorterShare: number;
  /** Mean length of the correct answers only (the paper compares trace lengths of solved problems). */
  meanCorrectLengthA: number;
  meanCorrectLengthB: number;
  /**
   * The paper's error analysis: of the wrong visual-reasoning answers, the share whose perception (stated in
   * <think>) was wrong, and the share with right perception and wrong reasoning; the rest stated none readable.
   * NaN when a side has no wrong visual answer or its file does not record perception (external trainers).
   */
  perceptionErrorShareA: number;
  perceptionErrorShareB: number;
  reasoningErrorShareA: number;
  reasoningErrorShareB: number;
  /** Wrong visual-reasoning answers whose perception was judged, per side (the shares' denominators). */
  visualWrongA: number;
  visualWrongB: number;
  byTask: TaskBreakdown[];
  /** Things the reader must know (different sets, different sampling, skipped lines …). */
  warnings: string[];
}

/** One paired prompt, compact: the panel holds all of them to filter and sort without asking the host. */
export interface DiffRow {
  id: string;
  /** Position in A's eval file (the natural order). */
  index: number;
  task?: string;
  flip: FlipClass;
  lengthA: number;
  lengthB: number;
  /** lengthB − lengthA (tokens). */
  lengthDelta: number;
  answerA: string | null;
  answerB: string | null;
  groundTruth: string;
  /** The prompt, cut to a preview length. */
  prompt: string;
}

/** A run of text in a word-level diff: 0 = in both, -1 = only in A (removed), 1 = only in B (added). */
export type DiffOp = 0 | -1 | 1;
export type DiffSegment = [op: DiffOp, text: string];

/** Everything to draw one expanded row: both traces and their word-level diff. Sent on request. */
export interface DiffRowDetail {
  id: string;
  prompt: string;
  /** data: URI or webview URI of the prompt's image, if it has one. */
  imageUri?: string;
  responseA: string;
  responseB: string;
  rewardA: number;
  rewardB: number;
  /** Concatenating ops 0 and −1 gives responseA exactly; ops 0 and 1 give responseB. */
  segments: DiffSegment[];
  /** True when the traces were too different to diff word by word (shown as whole removed/added). */
  coarse?: boolean;
}

// ---------------------------------------------------------------- filtering and sorting (panel + CLI)

export type DiffSortKey = 'index' | 'length-delta' | 'relative-length-delta';

export interface DiffView {
  /** Flip classes shown; empty = all. */
  flips: FlipClass[];
  task?: string;
  /** Case-insensitive substring of the prompt, id or answers. */
  text?: string;
  sort: DiffSortKey;
  descending: boolean;
}

export const DEFAULT_DIFF_VIEW: DiffView = { flips: [], sort: 'index', descending: false };

const relativeDelta = (r: DiffRow) => r.lengthDelta / Math.max(1, r.lengthA);

/** The rows a view shows, in its order. Ties keep file order, so the result is stable. */
export function applyDiffView(rows: readonly DiffRow[], view: DiffView): DiffRow[] {
  const flips = new Set(view.flips);
  const text = view.text?.trim().toLowerCase();
  const shown = rows.filter((r) =>
    (!flips.size || flips.has(r.flip)) &&
    (!view.task || r.task === view.task) &&
    (!text || [r.id, r.prompt, r.answerA ?? '', r.answerB ?? '', r.groundTruth].some((s) => s.toLowerCase().includes(text))));
  const key = view.sort === 'length-delta' ? (r: DiffRow) => r.lengthDelta
    : view.sort === 'relative-length-delta' ? relativeDelta : (r: DiffRow) => r.index;
  const sign = view.descending ? -1 : 1;
  return shown.sort((x, y) => sign * (key(x) - key(y)) || x.index - y.index);
}

/** "−20.8 %" style, for a relative change given as a fraction. */
export function formatPercentChange(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const v = (fraction * 100).toFixed(1);
  return `${fraction > 0 ? '+' : fraction < 0 ? '−' : '±'}${v.replace('-', '')} %`;
}

// ---------------------------------------------------------------- `see2think eval --stream` output

/** Where an evaluation ended up (also what the CLI prints as its last line with --stream). */
export interface EvalOutcome {
  file: string;
  key: string;
  /** True when a finished eval of the same checkpoint, set, sampling and seed was found and reused. */
  reused: boolean;
  checkpoint: string;
  set: string;
  prompts: number;
  accuracy: number;
  meanLength: number;
  /** Mean length of the correct answers (absent when none is correct). */
  meanCorrectLength?: number;
  /** Of the wrong visual-reasoning answers, the share whose stated perception was wrong (absent when not measured). */
  perceptionErrorShare?: number;
  seconds: number;
}

/** One line `see2think eval --stream` prints on stdout (the extension runs the eval as a child process). */
export type EvalStreamRecord =
  | { type: 'progress'; phase: 'eval'; done: number; total: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | ({ type: 'eval-done' } & EvalOutcome);
