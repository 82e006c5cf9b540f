// What `see2think experiment <A> <B>` runs, decided before anything trains: the arms (recipe A, recipe B and the
// controls derived from B), the seeds, the one warm-up stage both recipes must share (trained once per seed, in
// A's run, and copied into the others), and the check that every arm takes the same RL steps and prompts.
// Per seed, each arm's recipe is its file with every stage's algorithm and data seed set to the seed.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ResolvedRecipe, ResolvedStage } from '../../protocol/recipe';
import { loadRecipeFile, validateRecipeText, RecipeError } from '../recipe/loadRecipe';
import { runsRoot } from '../rundir/runDir';

/** How a control arm is derived from recipe B. */
export type Control = 'vision' | 'ref-reset';

export interface ArmPlan {
  /** Short name, unique in the experiment: A's and B's recipe names, then B's controls ("merged-frozen-vision"). */
  name: string;
  role: 'A' | 'B' | 'control';
  /** What the arm is, in one line (for the report). */
  description: string;
  recipeFile: string;
  /** The recipe's name: its runs go under <runs>/<recipeName>/ with B's (controls) or its own. */
  recipeName: string;
  control?: Control;
  /** The RL stages in order: id, kind, steps. */
  rl: { id: string; kind: string; steps: number }[];
}

export interface ExperimentPlan {
  id: string;
  /** <runs>/experiments/<id>: the plan, progress and the report. */
  dir: string;
  /** The runs folder the arms' run directories go under (<runs>/<recipe name>/<run id>). */
  runsDir: string;
  seeds: number[];
  arms: ArmPlan[];
  /** The shared warm-up stage's id and steps. */
  warmup: { id: string; steps: number };
  /** Every arm's RL steps and prompts (rollout_batch_size summed over steps). */
  rlSteps: number;
  rlPrompts: number;
  /** Where A's RL stages end, in RL steps (the figure's stage lines). */
  stageEnds: { id: string; step: number }[];
}

export class ExperimentError extends Error {}

export const EXPERIMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/;

const rlStages = (r: ResolvedRecipe): ResolvedStage[] => r.stages.slice(1);
const stageShape = (s: ResolvedStage) => JSON.stringify({ ...s, description: undefined, index: undefined });

function loadArm(file: string): ResolvedRecipe {
  const { resolved } = loadRecipeFile(file);
  if (resolved.model.trainer !== 'builtin') throw new ExperimentError(`${file}: an experiment runs the built-in trainer; this recipe uses ${resolved.model.trainer}`);
  const first = resolved.stages[0];
  if (!first || first.kind !== 'sft' || first.initFrom !== null || resolved.stages.length < 2) {
    throw new ExperimentError(`${file}: an experiment arm starts with a warm-up (an sft stage with init_from: null) followed by its RL stages`);
  }
  for (const s of rlStages(resolved)) {
    if (s.kind === 'sft') throw new ExperimentError(`${file}: stage ${s.id} is sft; after the shared warm-up every stage must be RL`);
  }
  return resolved;
}

const promptsOf = (r: ResolvedRecipe) => rlStages(r).reduce((n, s) => n + s.steps * s.algorithm.rollout_batch_size, 0);
const stepsOf = (r: ResolvedRecipe) => rlStages(r).reduce((n, s) => n + s.steps, 0);
const rlOf = (r: ResolvedRecipe) => rlStages(r).map((s) => ({ id: s.id, kind: s.kind, steps: s.steps }));

export interface PlanOptions {
  seeds: number;
  /** Default: "<A>-vs-<B>". */
  id?: string;
  /** Default: A's runs folder. */
  runsDir?: string;
  controls: boolean;
}

export function planExperiment(fileA: string, fileB: string, o: PlanOptions): ExperimentPlan {
  if (!Number.isInteger(o.seeds) || o.seeds < 1 || o.seeds > 100) throw new ExperimentError(`--seeds must be a whole number from 1 to 100, got ${o.seeds}`);
  const a = loadArm(fileA);
  const b = loadArm(fileB);
  if (a.name === b.name) throw new ExperimentError(`both recipes are named '${a.name}': the arms need different names`);
  if (stageShape(a.stages[0]) !== stageShape(b.stages[0]) || JSON.stringify(a.model) !== JSON.stringify(b.model)) {
    throw new ExperimentError(`the two recipes must share the warm-up: their model and first stage (${a.stages[0].id}, ${b.stages[0].id}) differ`);
  }
  if (stepsOf(a) !== stepsOf(b) || promptsOf(a) !== promptsOf(b)) {
    throw new ExperimentError(`the arms must take the same RL steps and prompts: ${a.name} ${stepsOf(a)} steps / ${promptsOf(a)} prompts, ` +
      `${b.name} ${stepsOf(b)} steps / ${promptsOf(b)} prompts`);
  }
  const id = o.id ?? `${a.name}-vs-${b.name}`;
  if (!EXPERIMENT_ID.test(id)) throw new ExperimentError(`experiment id '${id}' is not allowed: letters, digits, '.', '_' and '-' (at most 41; it names folders)`);
  const runsDir = resolve(o.runsDir ?? runsRoot(fileA, a));
  const arms: ArmPlan[] = [
    { name: a.name, role: 'A', description: a.description ?? fileA, recipeFile: resolve(fileA), recipeName: a.name, rl: rlOf(a) },
    { name: b.name, role: 'B', description: b.description ?? fileB, recipeFile: resolve(fileB), recipeName: b.name, rl: rlOf(b) },
  ];
  if (o.controls) arms.push(...controlsOf(b, resolve(fileB), a.name, rlOf(a)));
  let end = 0;
  return {
    id, dir: join(runsDir, 'experiments', id), runsDir, seeds: Array.from({ length: o.seeds }, (_, i) => i + 1), arms,
    warmup: { id: a.stages[0].id, steps: a.stages[0].steps }, rlSteps: stepsOf(a), rlPrompts: promptsOf(a),
    stageEnds: rlOf(a).map((s) => ({ id: s.id, step: (end += s.steps) })),
  };
}

/**
 * B's controls: its vision tower the other way (frozen if B trains it), and — when B has one RL stage — B split
 * into stages as long as A's, each from the last (so its KL reference, like A's, resets at every stage start;
 * its optimizer state resets there too, as A's does).
 */
function controlsOf(b: ResolvedRecipe, file: string, aName: string, aStages: { steps: number }[]): ArmPlan[] {
  const rl = rlStages(b);
  const frozen = rl.every((s) => s.algorithm.freeze_vision_tower);
  const out: ArmPlan[] = [{
    name: `${b.name}-${frozen ? 'trainable' : 'frozen'}-vision`, role: 'control', control: 'vision', recipeFile: file, recipeName: b.name,
    description: `${b.name} with the vision tower ${frozen ? 'trained' : 'frozen'} in every RL stage`, rl: rlOf(b),
  }];
  if (rl.length === 1 && aStages.length > 1) {
    const s = rl[0];
    out.push({
      name: `${b.name}-ref-reset`, role: 'control', control: 'ref-reset', recipeFile: file, recipeName: b.name,
      description: `${b.name} as ${aStages.length} stages of ${aStages.map((x) => x.steps).join(' + ')} steps: its KL reference (and optimizer) reset where ${aName}'s stages start`,
      rl: aStages.map((x, i) => ({ id: `${s.id}-${i + 1}`, kind: s.kind, steps: x.steps })),
    });
  }
  return out;
}

/** The run id of an arm's seed: "<experiment>-<arm>-s<seed>". */
export const runIdOf = (plan: ExperimentPlan, arm: ArmPlan, seed: number): string => `${plan.id}-${arm.name}-s${seed}`.slice(0, 64);

/**
 * The recipe text an arm runs for a seed: its file with every stage's algorithm.seed and data.seed set to the
 * seed, a control's change applied, the name kept (so the run sits with its recipe's runs). Comments are kept.
 */
export function armRecipeText(arm: ArmPlan, seed: number): string {
  const text = readFileSync(arm.recipeFile, 'utf8');
  const doc = parseDocument(text);
  const stages = doc.getIn(['stages']) as { items: unknown[] } | undefined;
  const n = stages?.items.length ?? 0;
  if (arm.control === 'ref-reset') {
    const rl = doc.getIn(['stages', 1]) as { toJSON(): Record<string, unknown> };
    const base = rl.toJSON();
    doc.deleteIn(['stages', 1]);
    arm.rl.forEach((piece, i) => {
      const { description: _d, ...rest } = base;
      doc.addIn(['stages'], doc.createNode({ ...rest, id: piece.id, steps: piece.steps, init_from: i === 0 ? doc.getIn(['stages', 0, 'id']) : arm.rl[i - 1].id }));
    });
  }
  const count = arm.control === 'ref-reset' ? 1 + arm.rl.length : n;
  for (let i = 0; i < count; i++) {
    doc.setIn(['stages', i, 'algorithm', 'seed'], seed);
    doc.setIn(['stages', i, 'data', 'seed'], seed);
    if (arm.control === 'vision' && i > 0) doc.setIn(['stages', i, 'algorithm', 'freeze_vision_tower'], arm.name.endsWith('-frozen-vision'));
  }
  const out = String(doc);
  // The derived recipe must itself be valid (a broken control is an error here, not a failed run later).
  const check = validateRecipeText(out, `${arm.name} seed ${seed}`);
  if (!check.resolved) throw new RecipeError(`${arm.name} seed ${seed}`, check.problems);
  return out;
}
