// The status bar entry while a stage runs: stage, step/total, last reward and ETA; a click opens the dashboard.
import * as vscode from 'vscode';
import { METRICS } from '../../protocol/metrics';
import { metricValue } from '../../protocol/runRecords';
import type { Runs } from '../runs/index';
import type { RunsCore } from '../runs/runsServices';
import type { MetricPoint } from '../runs/stageSeries';
import { queuedText } from './queued';

/** Seconds left for a stage from the pace of its last points (undefined until two points exist). */
export function etaSeconds(points: readonly MetricPoint[], total: number): number | undefined {
  const recent = points.slice(-20);
  if (recent.length < 2) return undefined;
  const a = recent[0];
  const b = recent[recent.length - 1];
  const perStep = (b.time - a.time) / Math.max(1, b.step - a.step);
  if (!(perStep > 0)) return undefined;
  return Math.max(0, (total - b.step) * perStep);
}

export function formatEta(s: number | undefined): string {
  if (s === undefined) return '…';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class RunStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('see2think.run', vscode.StatusBarAlignment.Left, 40);
  private timer?: NodeJS.Timeout;
  private readonly subs: vscode.Disposable[] = [];
  /** The run the item shows (for tests), or undefined when hidden. */
  showing?: string;

  constructor(private readonly runs: Runs) {
    this.item.name = 'See2Think run';
    const hook = (core: RunsCore) => {
      const later = () => this.updateSoon();
      this.subs.push(core.store.onDidChangeRun(later), core.store.onDidChangeRuns(later), core.supervisor.onDidChangeJobs(later));
      this.update();
    };
    const have = runs.loaded();
    if (have) hook(have);
    else this.subs.push(runs.onDidLoad(hook));
  }

  private updateSoon(): void {
    if (!this.timer) this.timer = setTimeout(() => { this.timer = undefined; this.update(); }, 200);
  }

  update(): void {
    const core = this.runs.loaded();
    if (!core) return;
    // This window's jobs first (newest last), then any other run with a running stage.
    const dirs = [...core.supervisor.jobs.map((j) => j.runDir).reverse(), ...core.store.runs().map((r) => r.dir)];
    for (const dir of dirs) {
      const run = core.store.get(dir);
      const stage = run?.stages.find((s) => s.status?.state === 'running');
      const queued = run?.stages.find((s) => queuedText(s.status));
      if (run && !stage && queued) {
        // A batch job waiting in the queue: say why (SLURM's pending reason), so nobody waits for a job that never starts.
        this.item.text = `$(clock) ${queued.id} ${queuedText(queued.status)}`;
        this.item.tooltip = `See2Think: ${run.recipeName}/${run.runId}, stage '${queued.id}' ${queuedText(queued.status)} — click for the dashboard`;
        this.item.command = { command: 'see2think.openDashboard', title: 'Open Dashboard', arguments: [dir] };
        this.item.show();
        this.showing = dir;
        return;
      }
      if (!run || !stage) continue;
      const total = stage.totalSteps || stage.status?.total_steps || 0;
      const step = stage.lastPoint?.step ?? stage.status?.step ?? 0;
      const reward = metricValue(stage.lastPoint, METRICS.rewardOverall);
      const points = core.store.reader(dir)?.stagePoints(stage.id) ?? [];
      const parts = [`$(sync~spin) ${stage.id} ${step}/${total}`];
      if (typeof reward === 'number') parts.push(`r ${reward.toFixed(2)}`);
      parts.push(`ETA ${formatEta(etaSeconds(points, total))}`);
      this.item.text = parts.join(' · ');
      this.item.tooltip = `See2Think: ${run.recipeName}/${run.runId}, stage '${stage.id}' (${stage.kind}) — click for the dashboard`;
      this.item.command = { command: 'see2think.openDashboard', title: 'Open Dashboard', arguments: [dir] };
      this.item.show();
      this.showing = dir;
      return;
    }
    this.item.hide();
    this.showing = undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.subs) d.dispose();
    this.item.dispose();
  }
}

export function registerStatusBar(context: vscode.ExtensionContext, runs: Runs): RunStatusBar {
  const bar = new RunStatusBar(runs);
  context.subscriptions.push(bar);
  return bar;
}
