// Which traces the list shows: by run, stage, step range (the stage's own step), and mean group reward range.
// DOM-free (unit-tested); the list applies it to new items as they stream in, not only on a filter change.
import type { TraceItem } from '../../protocol/messages';

export interface TraceFilter {
  run?: string;
  stage?: string;
  stepMin?: number;
  stepMax?: number;
  rewardMin?: number;
  rewardMax?: number;
}

/** Mean reward over the group of responses (NaN for an empty group). */
export function meanReward(item: Pick<TraceItem, 'responses'>): number {
  const rs = Array.isArray(item.responses) ? item.responses : [];
  if (!rs.length) return NaN;
  let sum = 0;
  for (const r of rs) sum += typeof r?.reward === 'number' ? r.reward : NaN;
  return sum / rs.length;
}

const set = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function matchesFilter(item: TraceItem, f: TraceFilter): boolean {
  if (f.run && item.run !== f.run) return false;
  if (f.stage && item.stage !== f.stage) return false;
  if (set(f.stepMin) && !(item.step >= f.stepMin)) return false;
  if (set(f.stepMax) && !(item.step <= f.stepMax)) return false;
  if (set(f.rewardMin) || set(f.rewardMax)) {
    const r = meanReward(item);
    if (set(f.rewardMin) && !(r >= f.rewardMin - 1e-12)) return false;
    if (set(f.rewardMax) && !(r <= f.rewardMax + 1e-12)) return false;
  }
  return true;
}

/** Parses a number field: '' → undefined (no bound), junk → undefined too (the field shows it as invalid). */
export function parseBound(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}
