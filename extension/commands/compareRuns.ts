// Compare Runs: two runs overlaid on the dashboard with the paper's response-length figure shown (staged vs
// merged, stage lines marked), offering their config differences. From a recipe's CodeLens (a run of this
// recipe, then one of another), the Runs view (two selected runs, or an experiment: at once; one: pick the
// other) or the palette (pick both). Show Config Differences opens the two runs' resolved recipes in VS
// Code's diff editor, chosen the same way.
import * as vscode from 'vscode';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import type { Runs } from '../runs/index';
import type { RunsCore } from '../runs/runsServices';
import type { RunSnapshot } from '../runs/runReader';
import type { Panels } from '../panels/index';
import type { DashboardPanel } from '../panels/dashboardPanel';
import { runState } from '../views/runsTree';
import { recipeUriOf, runDirsOf } from './args';
import { newestFirst, otherRunsFirst } from './pickers';
import { configTable, openConfigDiff, registerConfigDocuments } from '../panels/runConfigs';

const isRunDir = (dir: string) => existsSync(join(dir, RUN_FILES.run));
const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

interface RunItem extends vscode.QuickPickItem {
  dir?: string;
}

/** One quick-pick line per run: recipe/run id, then when it was created and how it stands. */
function runItem(r: RunSnapshot): RunItem {
  const created = r.created ? new Date(r.created) : undefined;
  const date = created && !Number.isNaN(created.getTime()) ? created.toLocaleString() : 'unknown date';
  return {
    label: `${r.recipeName}/${r.runId}`,
    description: `${date} · ${runState(r)}`,
    detail: r.stages.map((s) => `${s.id}: ${s.status?.state ?? 'pending'}`).join(' · '),
    dir: r.dir,
  };
}

/** The runs launched from a recipe file (or kept in its runs folder). */
function runsOfRecipe(core: RunsCore, recipe: vscode.Uri): RunSnapshot[] {
  return core.store.runs().filter((r) => r.recipePath === recipe.fsPath || core.roots.recipeOf(r.dir, r.recipePath)?.recipe.fsPath === recipe.fsPath);
}

async function pickFirst(runs: RunSnapshot[], placeHolder: string): Promise<string | undefined> {
  if (runs.length === 1) return runs[0].dir;
  const pick = await vscode.window.showQuickPick(newestFirst(runs).map(runItem), { placeHolder, matchOnDescription: true });
  return pick?.dir;
}

/** The second run: other recipes' runs first (staged vs merged), then the same recipe's other runs. */
async function pickSecond(all: RunSnapshot[], first: RunSnapshot): Promise<string | undefined> {
  const { others, same } = otherRunsFirst(all, first);
  const items: RunItem[] = [
    ...(others.length ? [{ label: 'other recipes', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...others.map(runItem),
    ...(same.length ? [{ label: `${first.recipeName} (same recipe)`, kind: vscode.QuickPickItemKind.Separator }] : []),
    ...same.map(runItem),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    placeHolder: `Run to compare with ${first.recipeName}/${first.runId} (e.g. the merged baseline)`, matchOnDescription: true,
  });
  return pick?.dir;
}

/**
 * The run folders to compare (two or more), from the arguments (a selection, an experiment's runs) or asked
 * for; undefined when the user gave up or there are too few runs.
 */
async function chooseRuns(core: RunsCore, arg: unknown, selection: unknown): Promise<string[] | undefined> {
  const given = runDirsOf(arg, selection).filter((d) => !isFile(d) && (core.store.get(d) || isRunDir(d)));
  for (const d of given) if (!core.store.get(d)) core.store.addRun(d);
  if (given.length >= 2) return given;
  const all = core.store.runs();
  if (all.length < 2) {
    void vscode.window.showInformationMessage('See2Think: comparing needs two runs. Run a second recipe (e.g. examples/merged.recipe.yaml) first.');
    return undefined;
  }
  let first = given[0];
  if (!first) {
    const recipe = recipeUriOf(arg);
    const mine = recipe && isFile(recipe.fsPath) ? runsOfRecipe(core, recipe) : [];
    if (recipe && isFile(recipe.fsPath) && !mine.length) {
      void vscode.window.showInformationMessage(`See2Think: ${vscode.workspace.asRelativePath(recipe)} has no runs yet: run it first.`);
      return undefined;
    }
    first = (await pickFirst(mine.length ? mine : all, mine.length ? 'Run of this recipe to compare' : 'First run to compare')) ?? '';
  }
  const a = first ? core.store.get(first) : undefined;
  if (!a) return undefined;
  const second = await pickSecond(all, a);
  return second ? [a.dir, second] : undefined;
}

/** After a comparison: how many resolved config keys differ, with the diff editor one click away. */
function offerConfigDiff(a: string, b: string): void {
  const t = configTable([a, b]);
  if (t.runs.length < 2) return;
  const n = t.rows.length;
  const text = n ? `${n} config key${n === 1 ? '' : 's'} differ between the two runs (resolved recipes).` : 'The two runs have the same resolved recipe.';
  void vscode.window.showInformationMessage(`See2Think: ${text}`, 'Show Config Differences').then((x) => x && openConfigDiff(a, b));
}

export function registerCompareRuns(context: vscode.ExtensionContext, runs: Runs, panels: Panels): void {
  registerConfigDocuments(context);
  context.subscriptions.push(vscode.commands.registerCommand('see2think.compareRuns', async (arg?: unknown, selection?: unknown): Promise<DashboardPanel | undefined> => {
    const core = await runs.core();
    // Several selected runs or an experiment: all of them (an experiment's arms drawn as mean and band).
    const chosen = await chooseRuns(core, arg, selection);
    if (!chosen) return undefined;
    const dashboard = await panels.openDashboard(chosen);
    dashboard.showLayout('paper');
    if (chosen.length === 2) offerConfigDiff(chosen[0], chosen[1]);
    return dashboard;
  }));
  context.subscriptions.push(vscode.commands.registerCommand('see2think.showConfigDiff', async (arg?: unknown, selection?: unknown): Promise<[vscode.Uri, vscode.Uri] | undefined> => {
    const core = await runs.core();
    const pair = await chooseRuns(core, arg, selection);
    return pair ? openConfigDiff(pair[0], pair[1]) : undefined;
  }));
}
