// Foreign metric names → ours (protocol/metrics.ts). Every numeric value the trainer logged is kept under
// its own flat name too, so nothing is lost; the mapping only adds the names our dashboard charts.
// Sources (the shapes are facts in core/external/<trainer>/upstream/*.json): EasyR1 verl/trainer/metrics.py,
// ray_trainer.py (`reward/{key}`, `val/{key}_reward`, `val_{key}` for lengths) and core_algos.py
// (`entropy_loss`, `pg_clipfrac_higher|lower`); verl ray_trainer.py (`critic/score/mean`,
// `val-core|val-aux/<source>/<var>/<metric>@N`: the core variable is `acc` when the reward returns it, else
// `reward`; older verl: `val/test_score/<source>`, `actor/entropy_loss`); TRL GRPOTrainer (`reward`,
// `rewards/<fn>/mean`, `completions/mean_length`, `kl`, `entropy`, `clip_ratio/*`).
import { METRICS, type MetricName } from '../../protocol/metrics';
import { mean } from '../../protocol/stats';
import { isObj } from '../../protocol/guards';

export type FlatMetrics = Record<string, number>;

/**
 * {"a": {"b": 1}} → {"a/b": 1}: the inverse of EasyR1's unflatten_dict. Non-numbers are left out, except
 * `null` where the writer turns non-finite numbers into it (verl's orjson file logger): that is NaN.
 */
export function flattenMetrics(value: unknown, prefix = '', out: FlatMetrics = {}, nullIsNaN = false): FlatMetrics {
  if (typeof value === 'number') {
    if (prefix) out[prefix] = value;
  } else if (value === null) {
    if (prefix && nullIsNaN) out[prefix] = NaN;
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) flattenMetrics(v, prefix ? `${prefix}/${k}` : k, out, nullIsNaN);
  }
  return out;
}

/** The mean, or undefined when there is nothing to average (the metric was not logged). */
const meanOf = (xs: number[]): number | undefined => (xs.length ? mean(xs) : undefined);

const first = (m: FlatMetrics, ...keys: string[]): number | undefined => {
  for (const k of keys) if (k in m) return m[k];
  return undefined;
};

const set = (out: FlatMetrics, name: MetricName, v: number | undefined) => {
  if (v !== undefined && !(name in out)) out[name] = v;
};

/** EasyR1 (the paper's trainer): its names are mostly ours already. */
export function mapEasyR1(m: FlatMetrics): FlatMetrics {
  const out: FlatMetrics = { ...m };
  set(out, METRICS.rewardOverall, m['critic/score/mean']);
  set(out, METRICS.entropy, m['actor/entropy_loss']);
  const hi = m['actor/pg_clipfrac_higher'];
  const lo = m['actor/pg_clipfrac_lower'];
  if (hi !== undefined || lo !== undefined) set(out, METRICS.clipFrac, (hi ?? 0) + (lo ?? 0));
  set(out, METRICS.valAccuracy, m['val/accuracy_reward']);
  set(out, METRICS.valReward, first(m, 'val/overall_reward', 'val/reward_score'));
  set(out, METRICS.valFormat, m['val/format_reward']);
  set(out, METRICS.valResponseLength, first(m, 'val_response_length/mean', 'val/response_length/mean', 'val/response_length'));
  set(out, METRICS.stepTime, m['timing_s/step']);
  return out;
}

/**
 * One validation variable (`reward`, `acc`, `format` …) of verl, averaged over data sources: per source the
 * mean over all samples (`mean@N` with the largest N, in val-core or val-aux), as verl itself picks its core.
 */
function verlValidation(m: FlatMetrics, variable: string): number | undefined {
  const bySource = new Map<string, { n: number; v: number }>();
  for (const [k, v] of Object.entries(m)) {
    const hit = /^val-(?:core|aux)\/(.+)\/([^/]+)\/mean@(\d+)$/.exec(k);
    if (!hit || hit[2] !== variable) continue;
    const n = Number(hit[3]);
    const cur = bySource.get(hit[1]);
    if (!cur || n > cur.n) bySource.set(hit[1], { n, v });
  }
  return meanOf([...bySource.values()].map((x) => x.v));
}

/** verl: validation metrics are per data source; several sources are averaged. */
export function mapVerl(m: FlatMetrics): FlatMetrics {
  const out: FlatMetrics = { ...m };
  set(out, METRICS.rewardOverall, first(m, 'critic/score/mean', 'critic/rewards/mean'));
  set(out, METRICS.stepTime, m['timing_s/step']);
  set(out, METRICS.entropy, m['actor/entropy_loss']);
  const prefixed = (re: RegExp) => meanOf(Object.entries(m).filter(([k]) => re.test(k)).map(([, v]) => v));
  // Older verl logged one score per data source as val/test_score/<source>.
  const testScore = prefixed(/^val\/test_score\//);
  const reward = verlValidation(m, 'reward') ?? testScore;
  // verl's core validation metric is `acc` when the reward returns it, else the reward itself.
  set(out, METRICS.valAccuracy, verlValidation(m, 'acc') ?? reward);
  set(out, METRICS.valReward, reward);
  set(out, METRICS.valFormat, verlValidation(m, 'format'));
  set(out, METRICS.valResponseLength, m['val/response_length/mean']);
  return out;
}

/** TRL GRPOTrainer log_history entries (one Trainer.log() call each); `eval_` prefixes validation. */
export function mapTrl(m: FlatMetrics): FlatMetrics {
  const out: FlatMetrics = { ...m };
  for (const [prefix, reward, acc, fmt, len] of [
    ['', METRICS.rewardOverall, METRICS.rewardAccuracy, METRICS.rewardFormat, METRICS.responseLength],
    ['eval_', METRICS.valReward, METRICS.valAccuracy, METRICS.valFormat, METRICS.valResponseLength],
  ] as const) {
    set(out, reward, m[`${prefix}reward`]);
    set(out, len, first(m, `${prefix}completions/mean_length`, `${prefix}completion_length`));
    const fnMean = (re: RegExp) => {
      const hit = Object.keys(m).find((k) => k.startsWith(`${prefix}rewards/`) && re.test(k.slice(prefix.length + 8)));
      return hit === undefined ? undefined : m[hit];
    };
    // `rewards/<fn>/mean` (TRL ≥ 0.16) or `rewards/<fn>` (older).
    set(out, acc, fnMean(/^[^/]*acc[^/]*(\/mean)?$/i));
    set(out, fmt, fnMean(/^[^/]*format[^/]*(\/mean)?$/i));
  }
  set(out, METRICS.klLoss, m.kl);
  set(out, METRICS.entropy, m.entropy);
  set(out, METRICS.pgLoss, m.loss);
  set(out, METRICS.gradNorm, m.grad_norm);
  set(out, METRICS.lr, m.learning_rate);
  set(out, METRICS.clipFrac, first(m, 'clip_ratio/region_mean', 'clip_ratio'));
  return out;
}
