// Open Dashboard, Open Sample Traces and Reveal Run Folder: from the palette (pick runs), the Runs view (its
// nodes, multi-select overlays runs), the status bar and CodeLens (run folders as strings).
import * as vscode from 'vscode';
import { relative, isAbsolute } from 'node:path';
import type { Runs } from '../runs/index';
import type { Panels } from '../panels/index';
import type { DashboardPanel } from '../panels/dashboardPanel';
import type { TracesPanel, TracesFocus } from '../panels/tracesPanel';
import { MAX_SEARCH_CHARS } from '../../protocol/traces';
import { runDirOf, runDirsOf } from './args';
import { pickRun, pickRuns } from './pickers';

/** An optional second argument of Open Sample Traces: a search to run or a prompt whose timeline to open. */
function tracesFocusOf(v: unknown): TracesFocus | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (x: unknown, max: number) => (typeof x === 'string' && x.length <= max ? x : undefined);
  const f: TracesFocus = { search: str(o.search, MAX_SEARCH_CHARS), promptId: str(o.promptId, 1024) };
  return f.search !== undefined || f.promptId !== undefined ? f : undefined;
}

export function registerPanelCommands(context: vscode.ExtensionContext, runs: Runs, panels: Panels): void {
  const reg = (id: string, f: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));

  reg('see2think.openDashboard', async (arg?: unknown, selection?: unknown): Promise<DashboardPanel | undefined> => {
    const core = await runs.core();
    let dirs = runDirsOf(arg, selection);
    if (!dirs.length) {
      const running = core.supervisor.jobs.map((j) => j.runDir);
      dirs = running.length ? running : (await pickRuns(core.store.runs(), 'Runs to show (several overlay on one axis)')) ?? [];
    }
    if (!dirs.length) {
      void vscode.window.showInformationMessage('See2Think: no runs yet. Run a recipe first ("See2Think: Run All Stages").');
      return undefined;
    }
    return panels.openDashboard(dirs);
  });

  reg('see2think.openTraces', async (arg?: unknown, focus?: unknown): Promise<TracesPanel | undefined> => {
    const core = await runs.core();
    const dir = runDirOf(arg) ?? await pickRun(core.store.runs(), 'Run whose sample traces to show');
    return dir ? panels.openTraces(dir, tracesFocusOf(focus)) : undefined;
  });

  reg('see2think.revealRunFolder', async (arg?: unknown): Promise<string | undefined> => {
    const core = await runs.core();
    const dir = runDirOf(arg) ?? await pickRun(core.store.runs(), 'Run folder to reveal');
    if (!dir) return undefined;
    const uri = vscode.Uri.file(dir);
    const inside = vscode.workspace.workspaceFolders?.some((f) => {
      const rel = relative(f.uri.fsPath, dir);
      return !rel.startsWith('..') && !isAbsolute(rel);
    });
    await vscode.commands.executeCommand(inside ? 'revealInExplorer' : 'revealFileInOS', uri);
    return dir;
  });
}
