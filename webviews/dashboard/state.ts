// What the dashboard remembers when its panel is hidden and comes back (vscode.setState) or after a window
// reload (the host's copy): layout, smoothing, how seed groups are drawn, the shared x zoom, log scales and
// hidden series. Saved state
// is data from an earlier page, so it is checked field by field and anything odd falls back to defaults.
import type { DashboardLayout } from '../../protocol/messages';
import { clampWeight } from './smoothing';
import { SEED_MODES, type SeedMode } from './seedGroups';

export type Layout = DashboardLayout;

export interface DashboardState {
  v: 1;
  layout: Layout;
  smoothing: number;
  /** Experiment arms: mean with a ± std or min–max band, or every run by itself. */
  seeds: SeedMode;
  /** Shared x range of all charts when zoomed or panned; null = fit the data (follows new points). */
  xRange: [number, number] | null;
  /** Log scale per chart id, where the user changed it from the family's default. */
  log: Record<string, boolean>;
  /** Hidden series keys ("<run key>\n<metric>"). */
  hidden: string[];
}

export const defaultState = (): DashboardState => ({ v: 1, layout: 'all', smoothing: 0.6, seeds: 'std', xRange: null, log: {}, hidden: [] });

export function parseDashboardState(raw: unknown): DashboardState {
  const s = defaultState();
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (r.layout === 'all' || r.layout === 'paper') s.layout = r.layout;
  if (typeof r.smoothing === 'number') s.smoothing = clampWeight(r.smoothing);
  if (SEED_MODES.includes(r.seeds as SeedMode)) s.seeds = r.seeds as SeedMode;
  if (Array.isArray(r.xRange) && r.xRange.length === 2 && r.xRange.every(Number.isFinite) && r.xRange[0] < r.xRange[1]) {
    s.xRange = [r.xRange[0], r.xRange[1]];
  }
  if (r.log && typeof r.log === 'object') {
    for (const [k, v] of Object.entries(r.log as Record<string, unknown>).slice(0, 200)) if (typeof v === 'boolean') s.log[k] = v;
  }
  if (Array.isArray(r.hidden)) s.hidden = r.hidden.filter((k): k is string => typeof k === 'string' && k.length < 4096).slice(0, 1000);
  return s;
}

export const seriesKey = (run: string, metric: string): string => `${run}\n${metric}`;
