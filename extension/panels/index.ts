// Opening and restoring the panels: one dashboard per window, one traces panel per run; after a window reload
// VS Code hands the panels back through serializers and they reload their runs.
import * as vscode from 'vscode';
import type { Runs } from '../runs/index';
import { DashboardPanel, DASHBOARD_VIEW } from './dashboardPanel';
import { TracesPanel, TRACES_VIEW, type TracesFocus } from './tracesPanel';

const TRACES_KEY = 'see2think.traces.runs';

export class Panels implements vscode.Disposable {
  dashboard?: DashboardPanel;
  readonly traces = new Map<string, TracesPanel>();

  constructor(private readonly runs: Runs, private readonly memento: vscode.Memento) {}

  async openDashboard(runDirs: string[]): Promise<DashboardPanel> {
    const core = await this.runs.core();
    if (!this.dashboard) this.adoptDashboard(DashboardPanel.create(core, this.memento));
    else this.dashboard.reveal();
    this.dashboard!.setRuns(runDirs);
    return this.dashboard!;
  }

  async openTraces(runDir: string, focus?: TracesFocus): Promise<TracesPanel> {
    let p = this.traces.get(runDir);
    if (p) p.reveal();
    else p = this.adoptTraces(TracesPanel.create(await this.runs.core(), runDir));
    if (focus) void p.focus(focus);
    return p;
  }

  async restoreDashboard(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const core = await this.runs.core();
    this.dashboard?.dispose();
    this.adoptDashboard(DashboardPanel.restore(panel, core, this.memento, state));
  }

  async restoreTraces(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const core = await this.runs.core();
    const open = this.memento.get<string[]>(TRACES_KEY, []);
    const byTitle = open.find((d) => { const s = core.store.get(d) ?? core.store.addRun(d); return panel.title === `Traces: ${s.recipeName}/${s.runId}`; });
    const dir = byTitle ?? open.find((d) => !this.traces.has(d));
    if (!dir) {
      panel.dispose();
      return;
    }
    this.adoptTraces(new TracesPanel(panel, core, dir, state));
  }

  private adoptDashboard(p: DashboardPanel): void {
    this.dashboard = p;
    p.onDidDispose(() => {
      if (this.dashboard === p) this.dashboard = undefined;
    });
  }

  private adoptTraces(p: TracesPanel): TracesPanel {
    this.traces.set(p.runDir, p);
    void this.memento.update(TRACES_KEY, [...this.traces.keys()]);
    p.onDidDispose(() => {
      this.traces.delete(p.runDir);
      void this.memento.update(TRACES_KEY, [...this.traces.keys()]);
    });
    return p;
  }

  dispose(): void {
    this.dashboard?.dispose();
    for (const t of this.traces.values()) t.dispose();
  }
}

export function registerPanels(context: vscode.ExtensionContext, runs: Runs): Panels {
  const panels = new Panels(runs, context.workspaceState);
  context.subscriptions.push(
    panels,
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW, { deserializeWebviewPanel: (p, state) => panels.restoreDashboard(p, state) }),
    vscode.window.registerWebviewPanelSerializer(TRACES_VIEW, { deserializeWebviewPanel: (p, state) => panels.restoreTraces(p, state) }),
  );
  return panels;
}
