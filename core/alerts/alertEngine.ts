// Incremental alert evaluation: fed one metric record at a time (the CLI from the trainer's stream, the
// extension where the run store accepts a point, the summary from metrics.jsonl), it keeps each stage's rule
// state and returns the alerts that fire at that record. Each rule fires at most once per stage. Pure.
import { ALERT_RULES, type AlertEvent, type AlertRuleId, type ResolvedAlerts } from '../../protocol/alerts';
import { RULES, type MetricValues, type StageRule } from './rules';

interface StageState {
  rules: StageRule[];
  lastStep: number;
  fired: Set<AlertRuleId>;
}

export class AlertEngine {
  private readonly stages = new Map<string, StageState>();
  private readonly fired: AlertEvent[] = [];

  constructor(readonly settings: ResolvedAlerts) {}

  /** Every alert fired so far, in firing order. */
  get events(): readonly AlertEvent[] {
    return this.fired;
  }

  /**
   * One metric record of a stage. A step at or before the stage's last one is a record seen already (the
   * same point from stdout and the file): it is ignored — after a rewind, `resetStage` and replay.
   * `x` is the record's global step, when known.
   */
  push(stage: string, step: number, values: MetricValues, x?: number): AlertEvent[] {
    if (!this.settings.enabled || !Number.isFinite(step)) return [];
    const st = this.stageState(stage);
    if (step <= st.lastStep) return [];
    st.lastStep = step;
    let out: AlertEvent[] | undefined;
    for (const rule of st.rules) {
      if (st.fired.has(rule.id)) continue;
      const trip = rule.observe(values);
      if (!trip) continue;
      st.fired.add(rule.id);
      const event: AlertEvent = { rule: rule.id, severity: rule.severity, stage, step, ...(x === undefined ? {} : { x }), ...trip };
      (out ??= []).push(event);
      this.fired.push(event);
    }
    return out ?? [];
  }

  /** Forgets a stage (its records were rewritten): its alerts go, and it is evaluated afresh from the next push. */
  resetStage(stage: string): void {
    this.stages.delete(stage);
    for (let i = this.fired.length - 1; i >= 0; i--) if (this.fired[i].stage === stage) this.fired.splice(i, 1);
  }

  reset(): void {
    this.stages.clear();
    this.fired.length = 0;
  }

  private stageState(stage: string): StageState {
    let st = this.stages.get(stage);
    if (!st) {
      const rules = ALERT_RULES.filter((id) => this.settings[id].enabled).map((id) => (RULES[id] as (s: unknown) => StageRule)(this.settings[id]));
      st = { rules, lastStep: -Infinity, fired: new Set() };
      this.stages.set(stage, st);
    }
    return st;
  }
}
