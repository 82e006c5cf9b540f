// The alert rules (docs/ARCHITECTURE.md, "Alerts"): each watches one stage's metric records and says when it
// trips, with the numbers that tripped it. Windows count the records that logged the metric as a finite
// number; a NaN or ±Infinity is the non_finite rule's business and the windowed rules skip it.
import type { AlertRuleId, AlertSeverity, ResolvedAlertRule } from '../../protocol/alerts';
import { RecentValues } from './recentValues';

/** One metric record's values: a number (finite or not), null (a non-finite value as panels carry it), or absent. */
export type MetricValues = Readonly<Record<string, unknown>>;

export interface Trip {
  metric: string;
  /** null: not a finite number. */
  value: number | null;
  message: string;
}

/** A rule's state for one stage. */
export interface StageRule {
  readonly id: AlertRuleId;
  readonly severity: AlertSeverity;
  /** Looks at the next record; a trip when the rule fires at it. */
  observe(values: MetricValues): Trip | undefined;
}

/** Numbers as people read them in an alert: 3 significant digits, no exponent for ordinary sizes. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** What a record holds for a metric: the number, 'non-finite', or undefined when it did not log it. */
function read(values: MetricValues, metric: string): number | 'non-finite' | undefined {
  const v = values[metric];
  if (v === null) return 'non-finite';
  if (typeof v !== 'number') return undefined;
  return Number.isFinite(v) ? v : 'non-finite';
}

/** A rule over the recent finite values of one metric: `check` runs after each one is added. */
function windowed(id: AlertRuleId, metric: string, keep: number, check: (w: RecentValues) => Omit<Trip, 'metric'> | undefined): StageRule {
  const w = new RecentValues(keep);
  return {
    id, severity: 'warning',
    observe(values) {
      const v = read(values, metric);
      if (typeof v !== 'number') return undefined;
      w.push(v);
      const trip = check(w);
      return trip && { metric, ...trip };
    },
  };
}

/**
 * A rule comparing the last `window` values with the stage's first `window` (fixed once they are in), once the
 * two do not overlap: `trips(cur, base)` gives the message's ending when the change is too much.
 */
function againstStart(id: AlertRuleId, metric: string, window: number, what: string, trips: (cur: number, base: number) => string | undefined): StageRule {
  let base = NaN;
  return windowed(id, metric, window, (w) => {
    if (Number.isNaN(base) && w.count === window) base = w.mean(window);
    if (!(base > 0) || w.count < 2 * window) return undefined;
    const cur = w.mean(window);
    const how = trips(cur, base);
    return how === undefined ? undefined : { value: w.at(0), message: `${what}: ${metric} averaged ${num(cur)} over the last ${window} records, ${how} (${num(base)})` };
  });
}

type Factories = { [K in AlertRuleId]: (s: ResolvedAlertRule<K>) => StageRule };

export const RULES: Factories = {
  non_finite: (s) => ({
    id: 'non_finite', severity: 'error',
    observe(values) {
      for (const metric of s.metrics) {
        if (read(values, metric) !== 'non-finite') continue;
        const v = values[metric];
        const shown = typeof v === 'number' ? String(v) : 'NaN or ±Infinity';
        return { metric, value: null, message: `${metric} is ${shown}: the update diverged` };
      }
      return undefined;
    },
  }),

  kl_rising: (s) => windowed('kl_rising', s.metric, 2 * s.window, (w) => {
    if (w.count < s.window) return undefined;
    const cur = w.mean(s.window);
    const before = Math.min(s.window, w.count - s.window);
    // Before the stage's first full window the KL started at 0 (the reference is the stage's start model).
    const prev = before > 0 ? w.mean(before, s.window) : 0;
    if (cur < s.min || cur < s.factor * prev) return undefined;
    const growth = prev > 0 ? `${num(cur / prev)}× the ${before} before (${num(prev)})` : 'from 0 at the stage start';
    return { value: w.at(0), message: `KL rising fast: ${s.metric} averaged ${num(cur)} over the last ${s.window} records, ${growth}` };
  }),

  entropy_collapse: (s) => againstStart('entropy_collapse', s.metric, s.window, 'entropy collapsing',
    (cur, base) => (cur <= s.ratio * base ? `${pct(cur / base)} of the stage's start` : undefined)),

  length_growth: (s) => againstStart('length_growth', s.metric, s.window, 'response length blowing up',
    (cur, base) => (cur >= s.factor * base ? `${num(cur / base)}× the stage's start` : undefined)),

  truncation: (s) => windowed('truncation', s.metric, s.window, (w) => {
    if (w.count < s.window) return undefined;
    const cur = w.mean(s.window);
    if (cur < s.max_share) return undefined;
    return { value: w.at(0), message: `responses hit max_response_length: ${pct(cur)} truncated over the last ${s.window} records (${s.metric}); their answers are cut off` };
  }),

  reward_flat: (s) => windowed('reward_flat', s.metric, s.window, (w) => {
    const at = w.all(s.window, (v) => v <= s.margin) ? 0 : w.all(s.window, (v) => v >= 1 - s.margin) ? 1 : undefined;
    if (at === undefined) return undefined;
    return {
      value: w.at(0),
      message: `reward flat at ${at}: ${s.metric} ${at === 0 ? `≤ ${num(s.margin)}` : `≥ ${num(1 - s.margin)}`} for ${s.window} records — every group scores alike, so GRPO has no learning signal`,
    };
  }),

  format_falling: (s) => {
    let best = -Infinity;
    return windowed('format_falling', s.metric, s.window, (w) => {
      if (w.count < s.window) return undefined;
      const cur = w.mean(s.window);
      best = Math.max(best, cur);
      if (cur > best - s.drop) return undefined;
      return { value: w.at(0), message: `format reward falling: ${s.metric} averaged ${num(cur)} over the last ${s.window} records, down from ${num(best)} earlier in the stage` };
    });
  },
};
