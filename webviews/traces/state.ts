// What the traces panel remembers across hide/show and reloads: filters, search, sort, follow, expanded rows,
// where the view was, and an open timeline. Saved state is data from an earlier page: checked field by field,
// defaults for anything odd (a version-1 state's newest-first order is kept).
import { MAX_SEARCH_CHARS, TRACE_SORT_KEYS, type TraceFilter, type TraceSortKey } from '../../protocol/traces';

export interface TracesState {
  v: 2;
  filter: TraceFilter;
  search: string;
  sort: TraceSortKey;
  descending: boolean;
  follow: boolean;
  expanded: string[];
  /** The position at the top of the view (when not following). */
  top?: number;
  /** The prompt whose timeline is open. */
  timeline?: string;
}

export const defaultTracesState = (): TracesState => ({ v: 2, filter: {}, search: '', sort: 'time', descending: true, follow: true, expanded: [] });

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown, max = 4096) => (typeof v === 'string' && v.length <= max ? v : undefined);

export function parseTracesState(raw: unknown): TracesState {
  const s = defaultTracesState();
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.descending === 'boolean') s.descending = r.descending;
  else if (typeof r.newestFirst === 'boolean') s.descending = r.newestFirst;
  if (typeof r.follow === 'boolean') s.follow = r.follow;
  if (TRACE_SORT_KEYS.includes(r.sort as TraceSortKey)) s.sort = r.sort as TraceSortKey;
  s.search = str(r.search, MAX_SEARCH_CHARS) ?? '';
  if (Array.isArray(r.expanded)) s.expanded = r.expanded.filter((k): k is string => typeof k === 'string' && k.length < 4096).slice(0, 100);
  const top = num(r.top);
  if (top !== undefined && top >= 0) s.top = Math.floor(top);
  s.timeline = str(r.timeline, 1024);
  if (s.timeline === undefined) delete s.timeline;
  const f = r.filter && typeof r.filter === 'object' ? (r.filter as Record<string, unknown>) : {};
  s.filter = { run: str(f.run), stage: str(f.stage), stepMin: num(f.stepMin), stepMax: num(f.stepMax), rewardMin: num(f.rewardMin), rewardMax: num(f.rewardMax) };
  for (const k of Object.keys(s.filter) as (keyof TraceFilter)[]) if (s.filter[k] === undefined) delete s.filter[k];
  return s;
}
