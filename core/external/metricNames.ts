// Foreign metric names → ours (protocol/metrics.ts). Every numeric value the trainer logged is kept under
// its own flat name too, so nothing is lost; the mapping only adds the names our dashboard charts.
// Sources: EasyR1 verl/trainer/metrics.py, ray_trainer.py (`reward/{key}`, `val/{key}_reward`) and
// workers/actor/dp_actor.py (`actor/entropy_loss`, `actor/pg_clipfrac_higher|lower`); verl
// trainer/ppo/metric_utils.py (`critic/score/mean`, `val-core/<source>/<var>/mean@N`); TRL GRPOTrainer
// logged metrics (`reward`, `rewards/<fn>/mean`, `completions/mean_length`, `kl`, `entropy`, `clip_ratio/*`).
import { METRICS, type MetricName } from '../../protocol/metrics';
import { mean } from '../../protocol/stats';
import { isObj } from '../../protocol/guards';

export type FlatMetrics = Record<string, number>;

/** {"a": {"b": 1}} → {"a/b": 1}: the inverse of EasyR1's unflatten_dict. Non-numbers are left out. */
export function flattenMetrics(value: unknown, prefix = '', out: FlatMetrics = {}): FlatMetrics {
  if (typeof value === 'number') {
    if (prefix) out[prefix] = value;
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) flattenMetrics(v, prefix ? `${prefix}/${k}` : k, out);
  }
  return out;
}

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
  set(out, METRICS.valResponseLength, first(m, 'val/response_length/mean', 'val/response_length'));
  set(out, METRICS.stepTime, m['timing_s/step']);
  return out;
}

/** verl: validation metrics are per data source; several sources are averaged. */
export function mapVerl(m: FlatMetrics): FlatMetrics {
  const out: FlatMetrics = { ...m };
  set(out, METRICS.rewardOverall, first(m, 'critic/score/mean', 'critic/rewards/mean'));
  set(out, METRICS.stepTime, m['timing_s/step']);
  const val = (re: RegExp) => {
    const xs = Object.entries(m).filter(([k]) => re.test(k)).map(([, v]) => v);
    return xs.length ? mean(xs) : undefined;
  };
  set(out, METRICS.valReward, val(/^val-core\/[^@]+\/reward\/mean@\d+$/) ?? val(/^val\/test_score\//));
  set(out, METRICS.valAccuracy, val(/^val-core\/[^@]+\/acc\/mean@\d+$/));
  set(out, METRICS.valFormat, val(/^val-aux\/[^@]+\/format\/mean@\d+$/));
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
