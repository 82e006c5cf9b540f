// CodeLenses on a recipe: "▶ Run all" and "Compare with…" above the file; "▶ Run stage", "▶ Run from here"
// and, once the stage has runs, "Dashboard" above each stage. The commands belong to the runs feature.
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { parseRecipeSource } from '../../core/recipe/sourceMap';
import { recipeFileName, RECIPE_SELECTOR } from './documents';
import { recipeRunsFolder, runsByStage } from './stageRuns';

/** Command ids and arguments (kept in step with extension/commands). */
export const LENS_COMMANDS = {
  runAll: 'see2think.runAll',
  compare: 'see2think.compareRuns',
  /** The trace diff's own command (no arguments: it asks for the two checkpoints). */
  diffCheckpoints: 'see2think.diffCheckpoints',
  runStage: 'see2think.runStage',
  runFrom: 'see2think.runFrom',
  dashboard: 'see2think.openDashboard',
} as const;

interface RecipeShape {
  name?: unknown;
  runs_dir?: unknown;
  stages?: { id?: unknown }[];
}

export function recipeLenses(doc: vscode.TextDocument, trusted: boolean, compare: vscode.Command | undefined): vscode.CodeLens[] {
  const src = parseRecipeSource(doc.getText(), recipeFileName(doc));
  const value = src.value as RecipeShape | undefined;
  if (!value || typeof value !== 'object' || !Array.isArray(value.stages)) return [];
  const lenses: vscode.CodeLens[] = [];
  const line = (r: { start: { line: number } }) => new vscode.Range(r.start.line - 1, 0, r.start.line - 1, 0);
  const top = line(src.rangeOf(['name'], 'key'));
  if (trusted) lenses.push(new vscode.CodeLens(top, { title: '▶ Run all', command: LENS_COMMANDS.runAll, arguments: [doc.uri] }));
  if (compare) lenses.push(new vscode.CodeLens(top, compare));
  const runs = doc.uri.scheme === 'file' && typeof value.name === 'string'
    ? runsByStage(recipeRunsFolder(dirname(doc.uri.fsPath), typeof value.runs_dir === 'string' ? value.runs_dir : undefined, value.name))
    : new Map<string, string[]>();
  value.stages.forEach((stage, i) => {
    if (!stage || typeof stage.id !== 'string') return;
    const at = line(src.rangeOf(['stages', i]));
    if (trusted) {
      lenses.push(new vscode.CodeLens(at, { title: '▶ Run stage', command: LENS_COMMANDS.runStage, arguments: [doc.uri, stage.id] }));
      lenses.push(new vscode.CodeLens(at, { title: '▶ Run from here', command: LENS_COMMANDS.runFrom, arguments: [doc.uri, stage.id] }));
    }
    const dirs = runs.get(stage.id);
    if (dirs?.length) {
      lenses.push(new vscode.CodeLens(at, {
        title: `Dashboard (${dirs.length} run${dirs.length > 1 ? 's' : ''})`, command: LENS_COMMANDS.dashboard, arguments: [dirs],
        tooltip: `Open the dashboard on the runs of stage '${stage.id}'`,
      }));
    }
  });
  return lenses;
}

/** "Compare with…" belongs to the trace-diff feature: offered once one of its commands exists. */
function compareCommand(doc: vscode.TextDocument, registered: string[]): vscode.Command | undefined {
  const title = 'Compare with…';
  if (registered.includes(LENS_COMMANDS.compare)) return { title, command: LENS_COMMANDS.compare, arguments: [doc.uri] };
  if (registered.includes(LENS_COMMANDS.diffCheckpoints)) return { title, command: LENS_COMMANDS.diffCheckpoints, arguments: [] };
  return undefined;
}

export function registerRecipeCodeLens(context: vscode.ExtensionContext): void {
  const changed = new vscode.EventEmitter<void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => changed.fire(), 300);
  };
  // A stage starting (its status.json leaving pending) adds its Dashboard lens.
  const watcher = vscode.workspace.createFileSystemWatcher('**/stages/*/status.json');
  context.subscriptions.push(
    changed, watcher,
    watcher.onDidCreate(refresh), watcher.onDidChange(refresh), watcher.onDidDelete(refresh),
    vscode.workspace.onDidGrantWorkspaceTrust(refresh),
    { dispose: () => clearTimeout(timer) },
    vscode.languages.registerCodeLensProvider(RECIPE_SELECTOR, {
      onDidChangeCodeLenses: changed.event,
      provideCodeLenses: async (doc) => recipeLenses(doc, vscode.workspace.isTrusted, compareCommand(doc, await vscode.commands.getCommands(true))),
    }),
  );
}
