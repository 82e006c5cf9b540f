// Quick picks for the run commands: a stage of a recipe, runs of the store (newest first), and checkpoints in
// the order a comparison wants them (each run's final checkpoint first; for B, the other run's final first).
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

export const newestFirst = (runs: readonly RunSnapshot[]): RunSnapshot[] => [...runs].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));

/** The runs to set against `first`, newest first: other recipes' runs (staged vs merged), then its own recipe's. */
export function otherRunsFirst(all: RunSnapshot[], first: RunSnapshot): { others: RunSnapshot[]; same: RunSnapshot[] } {
  return {
    others: newestFirst(all.filter((r) => r.recipeName !== first.recipeName)),
    same: newestFirst(all.filter((r) => r.recipeName === first.recipeName && r.dir !== first.dir)),
  };
}

const runLabel = (r: RunSnapshot) => `${r.recipeName}/${r.runId}`;
const runDescription = (r: RunSnapshot) => r.stages.map((s) => `${s.id}: ${s.status?.state ?? 'pending'}`).join(' · ');

export async function pickRun(runs: RunSnapshot[], placeHolder: string): Promise<string | undefined> {
  const sorted = newestFirst(runs);
  if (sorted.length <= 1) return sorted[0]?.dir;
  const pick = await vscode.window.showQuickPick(sorted.map((r) => ({ label: runLabel(r), description: runDescription(r), dir: r.dir })), { placeHolder });
  return pick?.dir;
}

export async function pickRuns(runs: RunSnapshot[], placeHolder: string): Promise<string[] | undefined> {
  const sorted = newestFirst(runs);
  if (sorted.length <= 1) return sorted.map((r) => r.dir);
  const pick = await vscode.window.showQuickPick(
    sorted.map((r, i) => ({ label: runLabel(r), description: runDescription(r), dir: r.dir, picked: i === 0 })),
    { placeHolder, canPickMany: true },
  );
  return pick?.map((p) => p.dir);
}

interface CheckpointItem extends vscode.QuickPickItem {
  dir?: string;
}

/** A run's final checkpoint: its last stage's last one ("final" once that stage succeeded, else "latest"). */
function finalCheckpoint(r: RunSnapshot): { stage: RunSnapshot['stages'][number]; dir: string; step: number; done: boolean } | undefined {
  const last = r.stages[r.stages.length - 1];
  for (const stage of [...r.stages].reverse()) {
    const c = stage.checkpoints[stage.checkpoints.length - 1];
    if (c) return { stage, dir: c.dir, step: c.step, done: stage === last && stage.status?.state === 'succeeded' };
  }
  return undefined;
}

/**
 * The checkpoint items, grouped: each run's final checkpoint, then each stage's last, then every other one.
 * Runs are newest first — or, when `against` (A, for picking B) is given, A's run's other-recipe runs first
 * (staged's last stage vs merged's), then its own recipe's, then A's own run; A itself is left out.
 */
export function checkpointItems(runs: RunSnapshot[], against?: string): CheckpointItem[] {
  const owner = against ? runs.find((r) => r.stages.some((s) => s.checkpoints.some((c) => c.dir === against))) : undefined;
  const ordered = owner ? (({ others, same }) => [...others, ...same, owner])(otherRunsFirst(runs, owner)) : newestFirst(runs);
  const item = (r: RunSnapshot, stage: RunSnapshot['stages'][number], c: { step: number; dir: string }, note: string): CheckpointItem => ({
    label: `${stage.id} · step ${c.step}`, description: `${r.recipeName}/${r.runId} · ${note}`, dir: c.dir,
  });
  const finals: CheckpointItem[] = [];
  const ends: CheckpointItem[] = [];
  const rest: CheckpointItem[] = [];
  for (const r of ordered) {
    const f = finalCheckpoint(r);
    if (f) finals.push(item(r, f.stage, f, `${f.done ? 'final' : 'latest'} (${f.stage.kind})`));
    for (const stage of [...r.stages].reverse()) {
      const cs = [...stage.checkpoints].reverse();
      cs.forEach((c, i) => {
        if (c.dir === f?.dir) return;
        (i === 0 ? ends : rest).push(item(r, stage, c, i === 0 ? `end of ${stage.kind}` : stage.kind));
      });
    }
  }
  const section = (label: string, items: CheckpointItem[]): CheckpointItem[] => {
    const left = items.filter((i) => i.dir !== against);
    return left.length ? [{ label, kind: vscode.QuickPickItemKind.Separator }, ...left] : [];
  };
  return [...section('final checkpoints', finals), ...section("each stage's last", ends), ...section('earlier checkpoints', rest)];
}

/** Asks for a checkpoint (finals first); with `against`, the pick for B: the other run's final comes first. */
export async function pickCheckpoint(runs: RunSnapshot[], placeHolder: string, against?: string): Promise<string | undefined> {
  const items = checkpointItems(runs, against);
  if (!items.length) {
    void vscode.window.showInformationMessage('See2Think: no checkpoints yet. Run a stage first.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.dir;
}
