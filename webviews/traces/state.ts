// What the traces panel remembers across hide/show and reloads: filters, order, follow, expanded rows.
// Saved state is data from an earlier page: checked field by field, defaults for anything odd.
import type { TraceFilter } from './filter';

export interface TracesState {
  v: 1;
  filter: TraceFilter;
  newestFirst: boolean;
  follow: boolean;
  expanded: string[];
  /** The trace at the top of the view (when not following). */
  top?: string;
}

export const defaultTracesState = (): TracesState => ({ v: 1, filter: {}, newestFirst: true, follow: true, expanded: [] });

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' && v.length < 4096 ? v : undefined);

export function parseTracesState(raw: unknown): TracesState {
  const s = defaultTracesState();
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.newestFirst === 'boolean') s.newestFirst = r.newestFirst;
  if (typeof r.follow === 'boolean') s.follow = r.follow;
  if (Array.isArray(r.expanded)) s.expanded = r.expanded.filter((k): k is string => typeof k === 'string' && k.length < 4096).slice(0, 100);
  if (typeof r.top === 'string' && r.top.length < 4096) s.top = r.top;
  const f = r.filter && typeof r.filter === 'object' ? (r.filter as Record<string, unknown>) : {};
  s.filter = { run: str(f.run), stage: str(f.stage), stepMin: num(f.stepMin), stepMax: num(f.stepMax), rewardMin: num(f.rewardMin), rewardMax: num(f.rewardMax) };
  for (const k of Object.keys(s.filter) as (keyof TraceFilter)[]) if (s.filter[k] === undefined) delete s.filter[k];
  return s;
}
