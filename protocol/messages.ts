// The extension <-> webview contract. Every message is a typed {method, params} object declared once here
// (GitLens-style), so a misspelt method or a wrong payload is a type error on both sides. Messages from a
// webview are untrusted: the host checks them with `parseWebviewMessage` before acting on them.
import type { RunGroup, StageState, TraceRecord } from './runRecords';
import type { CompareSummary, DiffRow, DiffRowDetail } from './diff';
import type { AlertEvent } from './alerts';
import { isObj } from './guards';
import { MAX_PAGE_ROWS, MAX_SEARCH_CHARS, TRACE_SORT_KEYS, type TraceQuery, type TracesResult, type TraceTimeline } from './traces';

export type PanelKind = 'dashboard' | 'traces' | 'diff';

/** A run as panels show it (one line in a legend, one set of stage boundaries). */
export interface RunInfo {
  /** Stable key: the run directory's absolute path. */
  key: string;
  label: string;
  recipe: string;
  runId: string;
  stages: StageInfo[];
  /** The run is one arm × seed of an experiment: the dashboard draws its arm as a mean line with a band. */
  group?: RunGroup;
}

export interface StageInfo {
  id: string;
  kind: string;
  state: StageState;
  step?: number;
  totalSteps: number;
  /** Global step at which this stage starts (its init stage's global end), for stage boundary lines. */
  globalOffset: number;
}

/**
 * A run's metric rows as the dashboard receives them: columns, one entry per row (step), so the page copies
 * numbers into typed arrays without building an object per point (1 M point objects cost the page ~200 ms
 * of allocation and GC). The host decides de-duplication and rewinds: a message either continues the rows the
 * page holds (x never below the last x it holds) or, with `reset`, replaces them. docs/ARCHITECTURE.md#a-metrics-path
 */
export interface MetricColumns {
  run: string;
  /** The run's rows were replaced: these rows are all of them (the first chunk of a whole series). */
  reset?: boolean;
  /** Stage of each row, run-length encoded: `stages[k]` names the next `stageRows[k]` rows. */
  stages: string[];
  stageRows: number[];
  step: number[];
  /** The global step (stage chain), so staged and merged runs share one axis; ascending (ties allowed). */
  x: number[];
  time: number[];
  metrics: Record<string, MetricColumn>;
}

/**
 * One metric's values in a columns message: `v[k]` belongs to row `rows[k]`, or to row k when `rows` is
 * absent (every row logged it). Values are wire numbers (see `toWire`).
 */
export interface MetricColumn {
  rows?: number[];
  v: WireNumber[];
}

/**
 * A number in a message. postMessage serialises JSON, which has no NaN or ±Infinity: a value that is not a
 * finite number travels as null and arrives as NaN (a gap in a chart). Files spell it differently (bare NaN,
 * protocol/jsonLines.ts); in memory, on both sides, it is NaN.
 */
export type WireNumber = number | null;

export function toWire(v: number): WireNumber {
  return Number.isFinite(v) ? v : null;
}

/** The number a wire entry stands for (null → NaN), or undefined when it is not a number at all (malformed). */
export function fromWire(v: unknown): number | undefined {
  return typeof v === 'number' ? v : v === null ? NaN : undefined;
}

/**
 * One key whose value differs across runs: `values[i]` is run i's value as text (strings as they are, other
 * values as JSON), null where that run has no such key.
 */
export interface ConfigRow {
  key: string;
  values: (string | null)[];
}

/** The dashboard's layouts: every metric family, or the paper's response-length figure (staged vs merged). */
export type DashboardLayout = 'all' | 'paper';

/** A trace as the traces panel shows it: the record plus a webview-safe URI for its image. */
export interface TraceItem extends TraceRecord {
  run: string;
  /** 1-based line in its stage's traces.jsonl. */
  line?: number;
  imageUri?: string;
}

// ---------------------------------------------------------------- declarations

export interface Message<M extends string, P> {
  method: M;
  params: P;
}

/** Host → webview. */
export type HostMessage =
  | Message<'init', { panel: PanelKind; state?: unknown }>
  | Message<'dashboard/runs', { runs: RunInfo[] }>
  | Message<'dashboard/columns', MetricColumns>
  /** Show this layout now (e.g. Compare Runs opens the paper's response-length figure); the page saves it as its state. */
  | Message<'dashboard/layout', { layout: DashboardLayout }>
  /**
   * The keys of the runs' resolved recipes that differ (the config table). `runs` are run keys, in the order of
   * each row's values; `problems` name runs whose frozen recipe could not be read.
   */
  | Message<'dashboard/config', { runs: string[]; rows: ConfigRow[]; problems: { run: string; message: string }[] }>
  /** Every alert of a run so far (replaces what the page had for it): markers on the charts of their metrics. */
  | Message<'dashboard/alerts', { run: string; alerts: AlertEvent[] }>
  | Message<'traces/runs', { runs: RunInfo[] }>
  | TracesHostMessage
  | Message<'error', { message: string }>
  | DiffHostMessage;

/** Webview → host. */
export type WebviewMessage =
  | Message<'ready', { panel: PanelKind }>
  | Message<'state', { state: unknown }>
  | Message<'dashboard/pick-runs', Record<string, never>>
  /** Open VS Code's diff editor on two shown runs' resolved recipes (run keys). */
  | Message<'dashboard/config-diff', { a: string; b: string }>
  | Message<'export/csv', { fileName: string; csv: string }>
  | Message<'export/png', { fileName: string; dataUrl: string }>
  | Message<'log', { level: 'info' | 'warn' | 'error'; message: string }>
  /**
   * Posted by the dashboard after a frame that drew new points: `at` is the epoch time of the draw in ms
   * (performance.timeOrigin + performance.now()), `counts[run]` how many points of each run the charts now hold.
   * The host uses it to measure freshness (append → drawn) and tests use it as the webview's acknowledgement.
   * `arrived`: epoch ms when the first of the points it drew reached the page; `work`: ms the page spent
   * drawing that frame (the freshness benchmark splits its latency with them).
   */
  | Message<'dashboard/drawn', { at: number; counts: Record<string, number>; arrived?: number; work?: number }>
  | TracesWebviewMessage
  | DiffWebviewMessage;

// ---------------------------------------------------------------- traces panel (paged from the host)

/** Host → traces panel. */
export type TracesHostMessage =
  /** The state of the page's current query (after it is sent, as it is searched, as traces stream in). */
  | Message<'traces/result', TracesResult>
  /** Rows [from, from + items.length) of query `seq` at `version` (null: a trace that could no longer be read). */
  | Message<'traces/rows', { seq: number; version: number; from: number; items: (TraceItem | null)[] }>
  /** Answer to 'traces/timeline'. */
  | Message<'traces/timeline', TraceTimeline>
  /** Show this search, or this prompt's timeline (Open Sample Traces with a focus); the page sends the query. */
  | Message<'traces/focus', { search?: string; promptId?: string }>;

/** Traces panel → host. */
export type TracesWebviewMessage =
  /** The query the page shows now (`seq` increases with each; rows and results name it). */
  | Message<'traces/query', { seq: number; query: TraceQuery }>
  /** Rows [from, to) of query `seq`, as positioned in result version `version`. */
  | Message<'traces/rows', { seq: number; version: number; from: number; to: number }>
  /** One prompt's responses across the run's steps and evaluations. */
  | Message<'traces/timeline', { promptId: string }>
  /** Posted after the page drew rows or a timeline it received (tests and diagnostics read it). */
  | Message<'traces/drawn', { seq: number; version: number; rows: number; total: number; timeline?: number }>;

// ---------------------------------------------------------------- trace diff panel (issue 6)

/** Host → diff panel. The panel holds every compact row (to filter and sort locally) and asks for details. */
export type DiffHostMessage =
  /** A comparison to show: its summary and all paired prompts, compact, in A's file order. */
  | Message<'diff/data', { summary: CompareSummary; rows: DiffRow[] }>
  /** Answers to 'diff/details': both traces and their word diff, per row id. */
  | Message<'diff/details', { details: DiffRowDetail[] }>;

/** Diff panel → host. */
export type DiffWebviewMessage =
  /** The rows now (or soon) on screen whose details the panel lacks. */
  | Message<'diff/details', { ids: string[] }>
  /** Open VS Code's diff editor on A's and B's trace of one row. */
  | Message<'diff/open-editor', { id: string }>;

/** Most ids one 'diff/details' request may carry. */
export const MAX_DETAIL_IDS = 64;

export type ParamsOf<U extends Message<string, unknown>, M extends U['method']> = Extract<U, { method: M }>['params'];

export function hostMessage<M extends HostMessage['method']>(method: M, params: ParamsOf<HostMessage, M>): HostMessage {
  return { method, params } as HostMessage;
}

export function webviewMessage<M extends WebviewMessage['method']>(method: M, params: ParamsOf<WebviewMessage, M>): WebviewMessage {
  return { method, params } as WebviewMessage;
}

// ---------------------------------------------------------------- validation of untrusted input

const isStr = (v: unknown, max = 1 << 16): v is string => typeof v === 'string' && v.length <= max;
const PANELS: readonly string[] = ['dashboard', 'traces', 'diff'];
const SAFE_FILE = /^[\w .()-]{1,128}$/;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBound = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const FILTER_KEYS = ['run', 'stage', 'stepMin', 'stepMax', 'rewardMin', 'rewardMax'];

/** A traces query from the page: known keys only, bounded strings, finite numbers. */
function isQuery(q: unknown): q is TraceQuery {
  if (!isObj(q) || !isObj(q.filter) || typeof q.descending !== 'boolean') return false;
  if (!isStr(q.sort) || !TRACE_SORT_KEYS.includes(q.sort as TraceQuery['sort'])) return false;
  if (q.search !== undefined && !isStr(q.search, MAX_SEARCH_CHARS)) return false;
  const f = q.filter;
  if (!Object.keys(f).every((k) => FILTER_KEYS.includes(k))) return false;
  return (f.run === undefined || isStr(f.run, 4096)) && (f.stage === undefined || isStr(f.stage, 4096))
    && isBound(f.stepMin) && isBound(f.stepMax) && isBound(f.rewardMin) && isBound(f.rewardMax);
}

/** Checks of each webview→host message's params. A message that fails is dropped (and logged). */
const CHECKS: { [M in WebviewMessage['method']]: (p: Record<string, unknown>) => boolean } = {
  ready: (p) => isStr(p.panel) && PANELS.includes(p.panel),
  state: (p) => JSON.stringify(p.state ?? null).length < 1 << 20,
  'dashboard/pick-runs': () => true,
  'dashboard/config-diff': (p) => isStr(p.a, 4096) && isStr(p.b, 4096) && p.a !== p.b,
  'export/csv': (p) => isStr(p.fileName, 128) && SAFE_FILE.test(p.fileName) && isStr(p.csv, 256 << 20),
  'export/png': (p) => isStr(p.fileName, 128) && SAFE_FILE.test(p.fileName) && isStr(p.dataUrl, 64 << 20) && p.dataUrl.startsWith('data:image/png;base64,'),
  log: (p) => isStr(p.level) && ['info', 'warn', 'error'].includes(p.level) && isStr(p.message, 4096),
  'dashboard/drawn': (p) => typeof p.at === 'number' && Number.isFinite(p.at) && isObj(p.counts)
    && (p.arrived === undefined || (typeof p.arrived === 'number' && Number.isFinite(p.arrived)))
    && (p.work === undefined || (typeof p.work === 'number' && Number.isFinite(p.work) && p.work >= 0))
    && Object.keys(p.counts).length <= 256
    && Object.entries(p.counts).every(([k, v]) => k.length <= 4096 && typeof v === 'number' && Number.isInteger(v) && v >= 0),
  'traces/query': (p) => isCount(p.seq) && isQuery(p.query),
  'traces/rows': (p) => isCount(p.seq) && isCount(p.version) && isCount(p.from) && isCount(p.to) && p.to > p.from && p.to - p.from <= MAX_PAGE_ROWS,
  'traces/timeline': (p) => isStr(p.promptId, 1024),
  'traces/drawn': (p) => isCount(p.seq) && isCount(p.version) && isCount(p.rows) && isCount(p.total) && (p.timeline === undefined || isCount(p.timeline)),
  'diff/details': (p) => Array.isArray(p.ids) && p.ids.length <= MAX_DETAIL_IDS && p.ids.every((id) => isStr(id, 1024)),
  'diff/open-editor': (p) => isStr(p.id, 1024),
};

/** The message if it is one the host understands with well-formed params; otherwise undefined. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isObj(raw) || !isStr(raw.method, 64) || !isObj(raw.params)) return undefined;
  // Own keys only: "constructor", "toString" or "__proto__" are not methods the host understands.
  if (!Object.hasOwn(CHECKS, raw.method)) return undefined;
  const check = (CHECKS as Record<string, (p: Record<string, unknown>) => boolean>)[raw.method];
  try {
    return check(raw.params) ? (raw as unknown as WebviewMessage) : undefined;
  } catch {
    return undefined; // params shaped to make a check throw (getters, proxies): dropped like any bad message
  }
}
