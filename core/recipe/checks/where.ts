// Helpers for checks on resolved settings: find the key that set an effective value (the stage's own, or
// `defaults:`), and report one problem per place rather than one per stage that inherits it.
import type { Recipe } from '../../../protocol/recipe';
import type { JsonPath } from '../sourceMap';
import type { Problem } from '../problems';

type Block = 'algorithm' | 'reward' | 'launch';

/** Where stage i's effective `block.key` was written: the stage, then `defaults:`; undefined = schema default. */
export function settingPath(recipe: Recipe, i: number, block: Block, key: string): JsonPath | undefined {
  const own = recipe.stages[i]?.[block] as Record<string, unknown> | undefined;
  if (own && own[key] !== undefined) return ['stages', i, block, key];
  const d = recipe.defaults?.[block] as Record<string, unknown> | undefined;
  if (d && d[key] !== undefined) return ['defaults', block, key];
  return undefined;
}

/** Merges problems reported at the same place with the same code, naming every stage involved. */
export function mergeByPlace(items: { problem: Problem; stage: string }[]): Problem[] {
  const byPlace = new Map<string, { problem: Problem; stages: string[] }>();
  for (const { problem, stage } of items) {
    const k = `${problem.code}@${problem.range.start.offset}`;
    const seen = byPlace.get(k);
    if (seen) seen.stages.push(stage);
    else byPlace.set(k, { problem, stages: [stage] });
  }
  return [...byPlace.values()].map(({ problem, stages }) =>
    stages.length === 1 ? problem : { ...problem, message: problem.message.replace(/ in stage '[^']*'/, ` in stages ${stages.map((s) => `'${s}'`).join(', ')}`) },
  );
}
