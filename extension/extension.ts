// Activation: wires the extension's features together and nothing else. Each feature registers itself
// through one call here; heavy modules load on first use so activation stays fast.
import * as vscode from 'vscode';
import { registerValidateCommand } from './commands/validateRecipe';
import { createRuns, type Runs } from './runs/index';
import { registerRunsView, type RunsTreeProvider } from './views/runsTree';
import { registerStatusBar, type RunStatusBar } from './views/statusBar';
import { registerRunCommands } from './commands/runCommands';
import { registerPanels, type Panels } from './panels/index';
import { registerPanelCommands } from './commands/panelCommands';
import { registerRecipeAuthoring } from './recipes/index';
import { registerTraceDiff } from './panels/diffFeature';
import { registerShowCommand } from './commands/showCommand';
import { registerAttachRunFolder } from './commands/attachRunFolder';
import { registerCompareRuns } from './commands/compareRuns';
import { registerRunExperiment } from './commands/runExperiment';
import { registerAlerts, type AlertsFeature } from './alerts/alertsFeature';
import { registerExamples } from './walkthrough/examples';

export interface See2ThinkApi {
  /** For tests and other extensions: the extension's output log. */
  log: vscode.LogOutputChannel;
  /** Runs: store, supervisor and recipe roots (loaded lazily: `await api.runs.core()`). */
  runs?: Runs;
  /** Open panels (dashboard, traces) and their message statistics. */
  panels?: Panels;
  statusBar?: RunStatusBar;
  runsTree?: RunsTreeProvider;
  /** Alerts: notifications shown and the Runs view's badges. */
  alerts?: AlertsFeature;
  /** Milliseconds activate() took (measured inside, for bench/activation). */
  activationMs?: number;
}

export function activate(context: vscode.ExtensionContext): See2ThinkApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('See2Think', { log: true });
  context.subscriptions.push(log);
  const api: See2ThinkApi = { log };

  // Features (one line each).
  registerValidateCommand(context, log);
  const runs = (api.runs = createRuns(context, log));
  api.runsTree = registerRunsView(context, runs);
  api.statusBar = registerStatusBar(context, runs);
  registerRunCommands(context, runs);
  api.panels = registerPanels(context, runs);
  registerPanelCommands(context, runs, api.panels);
  registerRecipeAuthoring(context, log);
  registerTraceDiff(context, runs);
  registerShowCommand(context, log);
  registerAttachRunFolder(context, runs);
  registerCompareRuns(context, runs, api.panels);
  registerRunExperiment(context, runs);
  api.alerts = registerAlerts(context, runs, api.runsTree.view as vscode.TreeView<unknown> | undefined);
  registerExamples(context);

  api.activationMs = performance.now() - t0;
  return api;
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
