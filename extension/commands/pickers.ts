// Quick picks for the run commands: a stage of a recipe, and runs of the store (newest first).
import * as vscode from 'vscode';
import type { ResolvedRecipe } from '../../protocol/recipe';
import type { RunSnapshot } from '../runs/runReader';

export async function pickStage(recipe: ResolvedRecipe, placeHolder: string): Promise<string | undefined> {
  if (recipe.stages.length === 1) return recipe.stages[0].id;
  const pick = await vscode.window.showQuickPick(
    recipe.stages.map((s, i) => ({
      label: s.id,
      description: `${i + 1}. ${s.kind} · ${s.steps} steps${s.initFrom ? ` · from ${s.initFrom}` : ''}`,
      detail: s.description,
      id: s.id,
    })),
    { placeHolder },
  );
  return pick?.id;
}

const runLabel = (r: RunSnapshot) => `${r.recipeName}/${r.runId}`;
const runDescription = (r: RunSnapshot) => r.stages.map((s) => `${s.id}: ${s.status?.state ?? 'pending'}`).join(' · ');

export async function pickRun(runs: RunSnapshot[], placeHolder: string): Promise<string | undefined> {
  const sorted = [...runs].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  if (sorted.length <= 1) return sorted[0]?.dir;
  const pick = await vscode.window.showQuickPick(sorted.map((r) => ({ label: runLabel(r), description: runDescription(r), dir: r.dir })), { placeHolder });
  return pick?.dir;
}

export async function pickRuns(runs: RunSnapshot[], placeHolder: string): Promise<string[] | undefined> {
  const sorted = [...runs].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  if (sorted.length <= 1) return sorted.map((r) => r.dir);
  const pick = await vscode.window.showQuickPick(
    sorted.map((r, i) => ({ label: runLabel(r), description: runDescription(r), dir: r.dir, picked: i === 0 })),
    { placeHolder, canPickMany: true },
  );
  return pick?.map((p) => p.dir);
}
