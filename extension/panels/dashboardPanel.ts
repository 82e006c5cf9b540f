// The dashboard's host: which runs the panel overlays, the whole series of each when the page (re)loads, then
// the store's batched deltas as they come (a trainer's stdout point reaches the page within one flush), and
// the run/stage list again when a stage changes state, and the keys in which the runs' recipes differ. One
// dashboard per window; it remembers its runs, and the store keeps their whole series only while it shows them.
import * as vscode from 'vscode';
import type { DashboardLayout, ParamsOf, RunInfo, WebviewMessage } from '../../protocol/messages';
import type { RunsCore } from '../runs/runsServices';
import type { MetricPoint } from '../runs/stageSeries';
import { BasePanel } from './basePanel';
import { toMetricColumns } from './metricColumns';
import { configTable, openConfigDiff } from './runConfigs';

export const DASHBOARD_VIEW = 'see2think.dashboard';

/** The page's acknowledgement of a drawn frame, with when the host got it. */
export type DrawnAck = ParamsOf<WebviewMessage, 'dashboard/drawn'> & { receivedAt: number };
const RUNS_KEY = 'see2think.dashboard.runs';
/** Rows per columns message when a whole series is sent (keeps each message a few MB at most). */
const CHUNK = 50000;

export class DashboardPanel extends BasePanel {
  private runDirs: string[] = [];
  /** A layout asked for (Compare Runs) that the page has not been sent yet. */
  private pendingLayout?: DashboardLayout;
  private lastRunsJson = '';
  private runsTimer?: NodeJS.Timeout;
  private readonly drawnEmitter = new vscode.EventEmitter<DrawnAck>();
  /** The page drew new points (its acknowledgement): the freshness benchmark and tests listen. */
  readonly onDidDraw = this.drawnEmitter.event;

  constructor(panel: vscode.WebviewPanel, private readonly core: RunsCore, private readonly memento: vscode.Memento, state?: unknown) {
    super('dashboard', panel, core.o.extensionUri, core.o.log, state);
    panel.iconPath = vscode.Uri.joinPath(core.o.extensionUri, 'media', 'icons', 'see2think.svg');
    this.disposables.push(
      this.drawnEmitter,
      core.store.onMetrics((d) => {
        if (!this.runDirs.includes(d.run)) return;
        this.sendPoints(d.run, d.points, d.reset);
      }),
      core.store.onDidChangeRun((snap) => {
        if (this.runDirs.includes(snap.dir)) this.sendRunsSoon();
      }),
      core.alerts.onDidChange((c) => {
        if (this.runDirs.includes(c.run)) this.sendAlerts(c.run);
      }),
    );
    this.render();
  }

  static create(core: RunsCore, memento: vscode.Memento): DashboardPanel {
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW, 'See2Think Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: false,
    });
    return new DashboardPanel(panel, core, memento);
  }

  /** Restores a dashboard after a window reload with the runs it showed. */
  static restore(panel: vscode.WebviewPanel, core: RunsCore, memento: vscode.Memento, state: unknown): DashboardPanel {
    const p = new DashboardPanel(panel, core, memento, state);
    p.setRuns(memento.get<string[]>(RUNS_KEY, []));
    return p;
  }

  get runs(): readonly string[] {
    return this.runDirs;
  }

  setRuns(dirs: string[]): void {
    const next = [...new Set(dirs)].filter((d) => this.core.store.get(d) ?? safeAdd(this.core, d));
    for (const d of this.runDirs) if (!next.includes(d)) this.core.store.releasePoints(d, this);
    this.runDirs = next;
    void this.memento.update(RUNS_KEY, next);
    const labels = next.map((d) => this.core.store.get(d)!).map((r) => r.runId);
    this.panel.title = labels.length ? `Dashboard: ${labels.join(' vs ')}` : 'See2Think Dashboard';
    if (this.isReady) this.sendAll();
  }

  /**
   * The RunInfo list the page gets (also for tests). Without each stage's current step: the page does not show
   * it, and leaving it out means a new 'dashboard/runs' (and a redraw of every chart) only when a stage changes
   * state, not with every point.
   */
  runInfos(): RunInfo[] {
    return this.runDirs.map((d) => this.core.store.reader(d)?.info()).filter((r): r is RunInfo => !!r)
      .map((r) => ({ ...r, stages: r.stages.map(({ step: _step, ...s }) => s) }));
  }

  /** Shows a layout in the page (now, or as soon as it is ready); the page keeps it as its own state. */
  showLayout(layout: DashboardLayout): void {
    this.pendingLayout = layout;
    if (this.isReady) this.sendLayout();
  }

  /** The layout the page last reported in its state (what it shows), if it reported any. */
  get pageLayout(): DashboardLayout | undefined {
    const l = (this.state as { layout?: unknown } | undefined)?.layout;
    return l === 'all' || l === 'paper' ? l : undefined;
  }

  protected onReady(): void {
    this.sendAll();
    this.sendLayout();
  }

  private sendLayout(): void {
    if (!this.pendingLayout) return;
    void this.post('dashboard/layout', { layout: this.pendingLayout });
    this.pendingLayout = undefined;
  }

  protected override onMessage(m: WebviewMessage): void {
    if (m.method === 'dashboard/pick-runs') void this.pickRuns();
    if (m.method === 'dashboard/drawn') this.drawnEmitter.fire({ ...m.params, receivedAt: this.stats.drawn?.receivedAt ?? Date.now() });
    // Only runs this panel shows: the page names them, it does not choose folders.
    if (m.method === 'dashboard/config-diff' && this.runDirs.includes(m.params.a) && this.runDirs.includes(m.params.b)) void openConfigDiff(m.params.a, m.params.b);
  }

  private sendAll(): void {
    // Deltas still waiting in the store hold points the snapshot below already has: send them first, or the
    // page would get those points twice (once in the snapshot, once when the store's flush timer fires).
    this.core.store.flush();
    this.lastRunsJson = '';
    this.sendRuns();
    void this.post('dashboard/config', configTable(this.runDirs));
    for (const dir of this.runDirs) this.sendPoints(dir, this.core.store.points(dir, this), true);
    for (const dir of this.runDirs) this.sendAlerts(dir);
  }

  /** A run's alerts, all of them (the page draws a marker for each on the chart of its metric). */
  private sendAlerts(run: string): void {
    if (this.isReady) void this.post('dashboard/alerts', { run, alerts: [...this.core.alerts.alerts(run)] });
  }

  private sendRuns(): void {
    const runs = this.runInfos();
    const json = JSON.stringify(runs);
    if (json === this.lastRunsJson) return;
    this.lastRunsJson = json;
    void this.post('dashboard/runs', { runs });
  }

  private sendRunsSoon(): void {
    if (!this.runsTimer) this.runsTimer = setTimeout(() => { this.runsTimer = undefined; this.sendRuns(); }, 100);
  }

  private sendPoints(run: string, points: MetricPoint[], reset: boolean): void {
    if (!this.isReady) return;
    if (!points.length && !reset) return;
    for (let i = 0; i < Math.max(1, points.length); i += CHUNK) {
      const chunk = points.slice(i, i + CHUNK);
      const first = i === 0 && reset;
      void this.post('dashboard/columns', toMetricColumns(run, chunk, first));
      this.countItems(run, chunk.length, first);
    }
  }

  async pickRuns(): Promise<void> {
    const items = this.core.store.runs()
      .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''))
      .map((r) => ({ label: `${r.recipeName}/${r.runId}`, description: r.stages.map((s) => `${s.id}:${s.status?.state ?? 'pending'}`).join(' '), picked: this.runDirs.includes(r.dir), dir: r.dir }));
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: 'Runs to overlay on the dashboard' });
    if (picked) this.setRuns(picked.map((p) => p.dir));
  }

  override dispose(): void {
    clearTimeout(this.runsTimer);
    for (const d of this.runDirs) this.core.store.releasePoints(d, this);
    super.dispose();
  }
}

function safeAdd(core: RunsCore, dir: string): boolean {
  try {
    core.store.addRun(dir);
    return true;
  } catch {
    return false;
  }
}
