// Alert rules that would never fire, found before a run starts: a metric the trainer does not log (a typo, or a
// name the built-in trainer never writes), a window longer than every RL stage, rules set under
// `alerts.enabled: false`. The schema already rejects malformed values (types, ranges, unknown keys).
import { ALERT_RULES, type AlertRuleId } from '../../../protocol/alerts';
import { METRICS } from '../../../protocol/metrics';
import type { SemanticCheck } from './context';
import { closest, type Problem } from '../problems';

const KNOWN: readonly string[] = Object.values(METRICS);

/** Records a rule needs before it can fire (its windows: the stage-start ones compare against a later one). */
const RECORDS_NEEDED: Record<Exclude<AlertRuleId, 'non_finite'>, (window: number) => number> = {
  kl_rising: (w) => w,
  entropy_collapse: (w) => 2 * w,
  length_growth: (w) => 2 * w,
  truncation: (w) => w,
  reward_flat: (w) => w,
  format_falling: (w) => w,
};

export const checkAlerts: SemanticCheck = ({ src, recipe, resolved }) => {
  const raw = recipe.alerts;
  if (!raw) return [];
  const out: Problem[] = [];
  const builtin = resolved.model.trainer === 'builtin';
  const metric = (name: string, path: (string | number)[], rule: string) => {
    if (KNOWN.includes(name)) return;
    const near = closest(name, KNOWN);
    // External trainers' own metric names are kept as they log them: only a near miss of ours is suspicious.
    if (!builtin && !near) return;
    out.push({
      severity: 'warning', code: 'alerts/unknown-metric', path, range: src.rangeOf(path),
      message: `${builtin ? `the built-in trainer does not log '${name}'` : `'${name}' is not a metric See2Think maps`}, ` +
        `so alerts.${rule} would never fire on it${near ? ` (did you mean '${near}'?)` : ''}`,
      ...(near ? { fix: { replacement: near } } : {}),
    });
  };
  for (const id of ALERT_RULES) {
    const own = raw[id] as Record<string, unknown> | undefined;
    if (!own) continue;
    if (id === 'non_finite') {
      (raw.non_finite?.metrics ?? []).forEach((m, i) => metric(m, ['alerts', id, 'metrics', i], id));
      continue;
    }
    if (typeof own.metric === 'string') metric(own.metric, ['alerts', id, 'metric'], id);
    if (typeof own.window === 'number') {
      const rl = resolved.stages.filter((s) => s.kind !== 'sft');
      const longest = Math.max(0, ...rl.map((s) => s.steps));
      const needed = RECORDS_NEEDED[id](own.window);
      if (rl.length && needed > longest) {
        const path = ['alerts', id, 'window'];
        out.push({
          severity: 'warning', code: 'alerts/window-too-long', path, range: src.rangeOf(path),
          message: `alerts.${id} needs ${needed} records (window ${own.window}) but the longest RL stage has ${longest} steps: it can never fire`,
        });
      }
    }
  }
  if (raw.enabled === false && ALERT_RULES.some((id) => raw[id])) {
    const path = ['alerts', 'enabled'];
    out.push({ severity: 'info', code: 'alerts/disabled', path, range: src.rangeOf(path), message: 'alerts.enabled is false: none of the rules set here fires' });
  }
  return out;
};
