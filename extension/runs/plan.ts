// Which run directory and which stages a launch command uses. A stage starts from its init stage's final
// checkpoint *in the same run*, so "Run Stage" on a later stage reuses the newest run of the same recipe text
// where the stages it needs have succeeded and it has not run yet; otherwise a new run runs those first.
// Nothing here ever re-runs a stage that has data in place (that is what Resume is for).
import { ancestry, type ResolvedRecipe } from '../../protocol/recipe';
import type { RunSnapshot } from './runReader';

export interface LaunchPlan {
  /** Existing run to continue in; undefined = create a new run. */
  runDir?: string;
  stages: string[];
  /** The first stage continues from its own latest checkpoint. */
  resumeFirst?: boolean;
  /** Why the plan is not just what was asked (shown to the user). */
  note?: string;
}

export type LaunchMode = 'all' | 'stage' | 'from';

/** The stages a command asks for, in recipe order. */
export function targetStages(recipe: ResolvedRecipe, mode: LaunchMode, stageId?: string): string[] {
  const ids = recipe.stages.map((s) => s.id);
  if (mode === 'all') return ids;
  const i = ids.indexOf(stageId ?? '');
  if (i < 0) throw new Error(`recipe '${recipe.name}' has no stage '${stageId}' (stages: ${ids.join(', ')})`);
  return mode === 'stage' ? [ids[i]] : ids.slice(i);
}

export function planLaunch(o: {
  recipe: ResolvedRecipe;
  recipeHash: string;
  mode: LaunchMode;
  stageId?: string;
  runs: RunSnapshot[];
  busy: (runDir: string) => boolean;
}): LaunchPlan {
  const targets = targetStages(o.recipe, o.mode, o.stageId);
  const order = o.recipe.stages.map((s) => s.id);
  const required = new Set<string>();
  for (const t of targets) for (const a of ancestry(o.recipe, t)) if (!targets.includes(a.id)) required.add(a.id);
  if (!required.size) return { stages: targets };
  const candidates = o.runs
    .filter((r) => r.meta?.recipe_hash === o.recipeHash && r.recipeName === o.recipe.name && !o.busy(r.dir))
    .filter((r) => [...required].every((id) => stateOf(r, id) === 'succeeded'))
    .filter((r) => targets.every((id) => (stateOf(r, id) ?? 'pending') === 'pending'))
    .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  if (candidates.length) return { runDir: candidates[0].dir, stages: targets };
  const first = order.filter((id) => required.has(id));
  return {
    stages: [...first, ...targets],
    note: `no run of '${o.recipe.name}' (with this recipe text) has ${first.map((s) => `'${s}'`).join(', ')} finished and '${targets[0]}' not yet run: a new run runs ${first.length === 1 ? 'it' : 'them'} first`,
  };
}

/** Resume: the first stage that did not succeed (continued from its checkpoint if it had started), then every later stage not yet done. */
export function planResume(run: RunSnapshot): LaunchPlan {
  const i = run.stages.findIndex((s) => s.status?.state !== 'succeeded');
  if (i < 0) throw new Error(`${run.recipeName}/${run.runId}: every stage has succeeded; nothing to resume`);
  const first = run.stages[i];
  const started = first.status && first.status.state !== 'pending';
  const rest = run.stages.slice(i + 1).filter((s) => s.status?.state !== 'succeeded').map((s) => s.id);
  return { runDir: run.dir, stages: [first.id, ...rest], resumeFirst: !!started };
}

function stateOf(run: RunSnapshot, stageId: string) {
  const s = run.stages.find((x) => x.id === stageId);
  return s ? (s.status?.state ?? 'pending') : undefined;
}
