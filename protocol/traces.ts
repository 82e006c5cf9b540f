// What the traces panel asks the extension host for and gets back: a query (filters, full-text search, sort),
// pages of its result by position, and one prompt's timeline. The host holds the traces (indexed on disk);
// the page only ever holds the rows it shows. Types and pure functions only (docs/ARCHITECTURE.md, "Traces").
import type { TraceResponse } from './runRecords';
import type { DiffSegment } from './diff';

/** Which traces a query keeps: by run, stage, step range (the stage's own step) and mean group reward. */
export interface TraceFilter {
  run?: string;
  stage?: string;
  stepMin?: number;
  stepMax?: number;
  rewardMin?: number;
  rewardMax?: number;
}

/**
 * Orders of a result. time: the order the trainer wrote them (stages in recipe order); length: the group's
 * longest response (tokens); reward: the group's mean reward; advantage: the group's largest advantage.
 */
export type TraceSortKey = 'time' | 'length' | 'reward' | 'advantage';
export const TRACE_SORT_KEYS: readonly TraceSortKey[] = ['time', 'length', 'reward', 'advantage'];

export interface TraceQuery {
  filter: TraceFilter;
  /** Case-insensitive text that a prompt or one of its responses contains ('' or absent: no search). */
  search?: string;
  sort: TraceSortKey;
  /** time: newest first; the others: largest first. */
  descending: boolean;
}

/** Longest search text accepted (characters). */
export const MAX_SEARCH_CHARS = 256;
/** Most rows one page request may ask for. */
export const MAX_PAGE_ROWS = 200;

/**
 * The state of the page's current query (the host sends one whenever it changes). Positions count from the
 * top of the list as shown. `version` increases with every change; `shift` says how many rows entered at
 * the top since the previous version (live traces, newest first), `reorder` that positions changed wholesale
 * (a sorted result took in new traces, or a file was rewritten): rows held for older versions are stale.
 */
export interface TracesResult {
  /** The page's query number this answers. */
  seq: number;
  version: number;
  /** Matching traces found so far. */
  total: number;
  /** Traces of the run indexed so far (lines read, bad lines excluded). */
  indexed: number;
  /** The whole run has been searched: `total` is final (until new traces arrive). */
  done: boolean;
  shift?: number;
  reorder?: boolean;
  /** Things the user should know: lines skipped (corrupt, over the line cap), traces beyond the index cap. */
  notices?: string[];
}

/** One point of a prompt's timeline: a training step that sampled it, or a checkpoint's evaluation. */
export interface TimelineEntry {
  kind: 'train' | 'eval';
  stage: string;
  step: number;
  /** Step on the run's global axis (stage chain), for ordering. */
  globalStep: number;
  /** e.g. "textual step 40" or "eval textual/step-40 (merged:24, t=0.6)". */
  label: string;
  /** The responses there (a training group, or the one evaluated answer). */
  responses: TraceResponse[];
  /** Index into `responses` of the one shown and diffed: the highest reward, the first of ties. */
  shown: number;
  /** Word diff from the previous entry's shown response to this one's (absent on the first entry). */
  diff?: DiffSegment[];
  /** The diff was too different to do word by word (shown whole). */
  coarse?: boolean;
}

export interface TraceTimeline {
  promptId: string;
  prompt: string;
  groundTruth: string;
  entries: TimelineEntry[];
  /** Entries left out (the oldest) beyond the most a timeline shows. */
  omitted: number;
  /** Lines that could not be read on the way, positioned. */
  problems: string[];
}

/** Most entries a timeline carries (the newest). */
export const MAX_TIMELINE_ENTRIES = 400;

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** Mean reward over a group of responses (NaN for an empty group or a non-numeric reward). */
export function meanReward(responses: unknown): number {
  if (!Array.isArray(responses) || !responses.length) return NaN;
  let sum = 0;
  for (const r of responses) sum += num((r as TraceResponse | null)?.reward);
  return sum / responses.length;
}

/** The largest value of one numeric field over a group (NaN when none is a number). */
export function groupMax(responses: unknown, field: 'length' | 'advantage' | 'reward'): number {
  if (!Array.isArray(responses)) return NaN;
  let best = NaN;
  for (const r of responses) {
    const v = num((r as TraceResponse | null)?.[field]);
    if (Number.isFinite(v) && !(v <= best)) best = v;
  }
  return best;
}

/** The index of the response to show for a group: highest reward, first of ties; 0 for an empty or odd group. */
export function shownResponse(responses: readonly TraceResponse[]): number {
  let best = 0;
  for (let i = 1; i < responses.length; i++) if (num(responses[i]?.reward) > num(responses[best]?.reward)) best = i;
  return best;
}

/** Parses a number field: '' → undefined (no bound), junk → undefined too (the field shows it as invalid). */
export function parseBound(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}
