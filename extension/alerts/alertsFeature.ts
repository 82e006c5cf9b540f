// Alerts in VS Code: a notification once per alert of a running run (remembered per workspace, so a window
// reload does not repeat it), a badge on the run in the Runs view (a file decoration on the run's tree item)
// and on the view itself, and a line in the See2Think log. The tracker (alertTracker.ts) decides what fired.
import * as vscode from 'vscode';
import { formatAlert, type AlertEvent } from '../../protocol/alerts';
import type { Runs } from '../runs/index';
import type { RunsCore } from '../runs/runsServices';

/** The URI a run's tree item carries so its alert badge can be drawn as a file decoration. */
export const ALERT_SCHEME = 'see2think-run';
export const runAlertUri = (runDir: string): vscode.Uri => vscode.Uri.from({ scheme: ALERT_SCHEME, path: runDir });

const NOTIFIED_KEY = 'see2think.alerts.notified';
/** Most notified alerts remembered (oldest forgotten first). */
const REMEMBER = 2000;

const alertKey = (run: string, a: AlertEvent) => `${run}\u0000${a.stage}\u0000${a.rule}`;

export interface Notified {
  run: string;
  alert: AlertEvent;
  text: string;
}

export class AlertsFeature implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly decorationsChanged = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;
  /** Every notification shown in this window, in order (tests and diagnostics). */
  readonly notified: Notified[] = [];
  private readonly subs: vscode.Disposable[] = [this.decorationsChanged];
  private core?: RunsCore;
  /** The Runs view, for its badge (total alerts of the runs it shows). */
  view?: vscode.TreeView<unknown>;

  constructor(private readonly runs: Runs, private readonly memento: vscode.Memento) {
    const hook = (core: RunsCore) => {
      this.core = core;
      this.subs.push(core.alerts.onDidChange((c) => this.changed(c.run, c.added)));
      for (const r of core.store.runs()) if (core.alerts.alerts(r.dir).length) this.changed(r.dir, core.alerts.alerts(r.dir));
    };
    const have = runs.loaded();
    if (have) hook(have);
    else this.subs.push(runs.onDidLoad(hook));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== ALERT_SCHEME || !this.core) return undefined;
    const alerts = this.core.alerts.alerts(uri.path);
    if (!alerts.length) return undefined;
    const error = alerts.some((a) => a.severity === 'error');
    return {
      badge: alerts.length > 9 ? '9+' : String(alerts.length),
      tooltip: `${alerts.length} alert${alerts.length > 1 ? 's' : ''}: ${alerts.map(formatAlert).join('; ')}`,
      color: new vscode.ThemeColor(error ? 'list.errorForeground' : 'list.warningForeground'),
      propagate: false,
    };
  }

  /** The decoration a run's tree item gets (tests read the badge through it). */
  decorationOf(runDir: string): vscode.FileDecoration | undefined {
    return this.provideFileDecoration(runAlertUri(runDir));
  }

  private changed(run: string, added: readonly AlertEvent[]): void {
    this.decorationsChanged.fire([runAlertUri(run)]);
    this.showViewBadge();
    const core = this.core;
    if (!core || !added.length) return;
    const snap = core.store.get(run);
    const name = snap ? `${snap.recipeName}/${snap.runId}` : run;
    for (const a of added) core.o.log.warn(`alert: ${name} ${formatAlert(a)}`);
    // Only a run that is running notifies: a finished run's alerts are found, badged and summarised, not announced.
    if (!core.store.reader(run)?.active()) return;
    const done = new Set(this.memento.get<string[]>(NOTIFIED_KEY, []));
    const fresh = added.filter((a) => !done.has(alertKey(run, a)));
    if (!fresh.length) return;
    for (const a of fresh) done.add(alertKey(run, a));
    void this.memento.update(NOTIFIED_KEY, [...done].slice(-REMEMBER));
    for (const a of fresh) this.notify(run, name, a);
  }

  private notify(run: string, name: string, a: AlertEvent): void {
    const text = `See2Think: ${name} — ${formatAlert(a)}`;
    this.notified.push({ run, alert: a, text });
    const shown = a.severity === 'error' ? vscode.window.showErrorMessage(text, 'Open Dashboard') : vscode.window.showWarningMessage(text, 'Open Dashboard');
    void shown.then((choice) => {
      if (choice) void vscode.commands.executeCommand('see2think.openDashboard', run);
    });
  }

  private showViewBadge(): void {
    if (!this.view || !this.core) return;
    const runs = this.core.store.runs().filter((r) => this.core!.alerts.alerts(r.dir).length);
    const total = runs.reduce((n, r) => n + this.core!.alerts.alerts(r.dir).length, 0);
    this.view.badge = total ? { value: total, tooltip: `${total} alert${total > 1 ? 's' : ''} in ${runs.length} run${runs.length > 1 ? 's' : ''}` } : undefined;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

export function registerAlerts(context: vscode.ExtensionContext, runs: Runs, view?: vscode.TreeView<unknown>): AlertsFeature {
  const feature = new AlertsFeature(runs, context.workspaceState);
  feature.view = view;
  context.subscriptions.push(feature, vscode.window.registerFileDecorationProvider(feature));
  return feature;
}
