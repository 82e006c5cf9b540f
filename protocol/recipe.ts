// The recipe contract: types derived from recipe.schema.json, and the pure "resolve defaults" step that
// turns a parsed recipe into the fully specified stages every trainer, launcher and panel works from.
import schema from './recipe.schema.json';
import type {
  See2ThinkRecipe, Stage, StageKind, Algorithm, Reward, Launch, Data, Model, ModelSize,
} from './recipe.generated';
import { resolveAlerts, type ResolvedAlerts } from './alerts';

export type { See2ThinkRecipe as Recipe, Stage, StageKind, Algorithm, Reward, Launch, Data, Model, ModelSize };
export { schema as recipeSchema };

export const STAGE_KINDS: readonly StageKind[] = schema.definitions.stageKind.enum as StageKind[];
export type TrainerKind = NonNullable<Model['trainer']>;
export type Generator = NonNullable<Data['generator']>;
/** The paper's stage order (perception → textual reasoning → visual reasoning). */
export const PAPER_ORDER: readonly StageKind[] = ['perception', 'textual-reasoning', 'visual-reasoning'];

export type ResolvedAlgorithm = Required<Algorithm>;
export type ResolvedReward = Required<Reward>;
export type ResolvedLaunch = Launch & { target: NonNullable<Launch['target']> };
export type ResolvedData = Data & { generator?: Generator; seed: number; val_size: number };

export interface ResolvedStage {
  index: number;
  id: string;
  kind: StageKind;
  description?: string;
  steps: number;
  /** Stage id whose final checkpoint this stage starts from; null = the base model. */
  initFrom: string | null;
  data: ResolvedData;
  algorithm: ResolvedAlgorithm;
  reward: ResolvedReward;
  launch: ResolvedLaunch;
  overrides: Record<string, string | number | boolean>;
}

export interface ResolvedRecipe {
  name: string;
  description?: string;
  runsDir: string;
  model: Model & { trainer: TrainerKind };
  stages: ResolvedStage[];
  /** The alert rules, defaults applied (protocol/alerts.ts). */
  alerts: ResolvedAlerts;
}

type Props = Record<string, { default?: unknown }>;
/** The schema's `default` of every property of a definition: the paper's EasyR1 values. */
export function schemaDefaults<T>(definition: 'algorithm' | 'reward' | 'launch' | 'data'): Partial<T> {
  const props = schema.definitions[definition].properties as Props;
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) if (p.default !== undefined) out[k] = p.default;
  return out as Partial<T>;
}

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Applies schema defaults, then `defaults:`, then the stage's own settings. Assumes the recipe passed
 * schema validation; semantic problems (bad init_from …) are reported by the validator, not here.
 */
export function resolveRecipe(recipe: See2ThinkRecipe): ResolvedRecipe {
  const d = recipe.defaults ?? {};
  const stages = recipe.stages.map((s, index): ResolvedStage => {
    const algorithm = {
      ...schemaDefaults<Algorithm>('algorithm'), ...defined(d.algorithm), ...defined(s.algorithm),
    } as ResolvedAlgorithm;
    // The paper trains the vision tower in stages 1 and 3 and freezes it in the textual stage.
    if (s.algorithm?.freeze_vision_tower === undefined && d.algorithm?.freeze_vision_tower === undefined) {
      algorithm.freeze_vision_tower = s.kind === 'textual-reasoning';
    }
    const data = { ...schemaDefaults<Data>('data'), ...defined(s.data) } as ResolvedData;
    if (!data.file && !data.generator) data.generator = s.kind === 'sft' ? 'merged' : (s.kind as Generator);
    return {
      index,
      id: s.id,
      kind: s.kind,
      description: s.description,
      steps: s.steps,
      initFrom: s.init_from === undefined ? (index > 0 ? recipe.stages[index - 1].id : null) : s.init_from,
      data,
      algorithm,
      reward: { ...schemaDefaults<Reward>('reward'), ...defined(d.reward), ...defined(s.reward) } as ResolvedReward,
      launch: { ...schemaDefaults<Launch>('launch'), ...defined(d.launch), ...defined(s.launch) } as ResolvedLaunch,
      overrides: { ...(recipe.model?.overrides ?? {}), ...(s.overrides ?? {}) },
    };
  });
  return {
    name: recipe.name,
    description: recipe.description,
    runsDir: recipe.runs_dir ?? 'runs',
    model: { ...recipe.model, trainer: recipe.model?.trainer ?? 'builtin' },
    stages,
    alerts: resolveAlerts(recipe.alerts),
  };
}

/** The chain of stages a stage depends on, oldest first (excluding itself). */
export function ancestry(recipe: ResolvedRecipe, stageId: string): ResolvedStage[] {
  const byId = new Map(recipe.stages.map((s) => [s.id, s]));
  const chain: ResolvedStage[] = [];
  let cur = byId.get(stageId)?.initFrom ?? null;
  while (cur && !chain.some((s) => s.id === cur)) {
    const s = byId.get(cur);
    if (!s) break;
    chain.unshift(s);
    cur = s.initFrom;
  }
  return chain;
}
