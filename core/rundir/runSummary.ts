// Per-stage summary of a run directory (what `see2think summary` prints and what the main job ends with).
import { RUN_FILES, type MetricRecord } from '../../protocol/runRecords';
import { METRICS } from '../../protocol/metrics';
import { mean } from '../../protocol/stats';
import { isMetricRecord } from '../../protocol/guards';
import { readJsonl } from './jsonlTail';
import { readRunMeta, readStageStatus, stageIdsOf, stagePath } from './runDirReader';
import { formatAlert, type AlertEvent } from '../../protocol/alerts';
import { AlertEngine } from '../alerts/alertEngine';
import { alertRulesOf } from '../alerts/runAlertRules';
import { systemLine } from '../system/systemSummary';

export interface StageSummary {
  stage: string;
  status: string;
  /** Last step written, and the stage's total. */
  step?: number;
  totalSteps?: number;
  firstReward?: number;
  lastReward?: number;
  valAccuracy?: number;
  meanResponseLength?: number;
  badLines: number;
  error?: string;
  /** What the stage's GPUs and processes did (core/system/systemSummary.ts), when it recorded system metrics. */
  system?: string;
}

export interface RunSummary {
  runDir: string;
  runId?: string;
  recipe?: string;
  backend?: string;
  stages: StageSummary[];
  /** The alert rules that fired, stage by stage (protocol/alerts.ts). */
  alerts: AlertEvent[];
  notes: string[];
}


const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function summarizeRun(runDir: string): RunSummary {
  const notes: string[] = [];
  const meta = readRunMeta(runDir);
  if (meta.error) notes.push(`run.json: ${meta.error}`);
  const rules = alertRulesOf(runDir);
  if (rules.note && !meta.error) notes.push(rules.note);
  const alerts = new AlertEngine(rules.rules);
  const stages = stageIdsOf(runDir, meta.value).map((id): StageSummary => {
    const status = readStageStatus(runDir, id);
    if (status.error && status.error !== 'missing') notes.push(`stages/${id}/status.json: ${status.error}`);
    const metrics = readJsonl(stagePath(runDir, id, RUN_FILES.metrics), isMetricRecord);
    const traces = readJsonl(stagePath(runDir, id, RUN_FILES.traces));
    for (const b of [...metrics.bad.map((b) => ({ f: RUN_FILES.metrics, b })), ...traces.bad.map((b) => ({ f: RUN_FILES.traces, b }))]) {
      notes.push(`stages/${id}/${b.f}:${b.b.line}: skipped (${b.b.reason})`);
    }
    const rows = metrics.records;
    for (const r of rows) alerts.push(id, r.step, r);
    const rewards = rows.map((r) => num(r[METRICS.rewardOverall])).filter((v): v is number => v !== undefined);
    const vals = rows.map((r) => num(r[METRICS.valAccuracy])).filter((v): v is number => v !== undefined);
    const lengths = rows.map((r) => num(r[METRICS.responseLength])).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return {
      stage: id,
      status: status.value?.state ?? (rows.length ? 'unknown' : 'pending'),
      step: rows.length ? Math.max(...rows.map((r) => r.step)) : status.value?.step,
      totalSteps: status.value?.total_steps,
      firstReward: rewards[0],
      lastReward: rewards[rewards.length - 1],
      valAccuracy: vals[vals.length - 1],
      meanResponseLength: lengths.length ? mean(lengths) : undefined,
      badLines: metrics.bad.length + traces.bad.length,
      system: systemLine(rows),
      error: status.value?.error,
    };
  });
  if (!stages.length) notes.push('no stages found (is this a run directory?)');
  return { runDir, runId: meta.value?.id, recipe: meta.value?.recipe_name, backend: meta.value?.backend, stages, alerts: [...alerts.events], notes };
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined ? '—' : Number.isNaN(v) ? 'NaN' : v.toFixed(digits));

/** A plain-text table, one row per stage, then notes (skipped lines, errors). */
export function formatRunSummary(s: RunSummary): string {
  const header = ['stage', 'status', 'steps', 'reward first→last', 'val acc', 'resp len', 'bad lines'];
  const rows = s.stages.map((st) => [
    st.stage,
    st.status,
    st.step === undefined ? '—' : `${st.step}${st.totalSteps ? `/${st.totalSteps}` : ''}`,
    `${fmt(st.firstReward)} → ${fmt(st.lastReward)}`,
    fmt(st.valAccuracy),
    fmt(st.meanResponseLength, 1),
    String(st.badLines),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [
    `run ${s.runId ?? '?'}${s.recipe ? ` (recipe ${s.recipe})` : ''}${s.backend ? `, backend ${s.backend}` : ''}: ${s.runDir}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  for (const st of s.stages) if (st.error) out.push(`${st.stage}: ${st.error}`);
  for (const st of s.stages) if (st.system) out.push(`${st.stage} system: ${st.system}`);
  for (const a of s.alerts) out.push(`alert: ${formatAlert(a)}`);
  out.push(...s.notes);
  return out.join('\n');
}
