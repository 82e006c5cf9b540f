// Our reward as a Python module for the external trainers (core/external/python/see2think_reward.py, shipped
// as dist/python/ in the package): where the file is, and the two files a stage folder gets so the trainer
// computes the recipe's reward exactly — the module and see2think_reward.json (name, weights, format pattern,
// answer column) next to it, which the module reads. Copied per stage, so a run keeps the reward it used.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StageContext } from './stageContext';
import type { StageFile } from './compiled';

export const REWARD_MODULE = 'see2think_reward.py';
export const REWARD_CONFIG = 'see2think_reward.json';
/** The module's entry points, by trainer (see the module's comments). */
export const REWARD_ENTRY = { easyr1: 'easyr1_compute_score', verl: 'verl_compute_score', trl: ['accuracy_reward', 'format_reward'] } as const;

/** The shipped module: next to this file's folder in the sources, in dist/python/ in the bundle. */
export function rewardModuleSource(): string {
  const candidates = [join(__dirname, 'python', REWARD_MODULE), join(__dirname, '..', 'python', REWARD_MODULE)];
  const found = candidates.find(existsSync);
  if (!found) throw new Error(`the reward module ${REWARD_MODULE} is missing (looked in ${candidates.join(', ')}): reinstall See2Think`);
  return found;
}

/** The recipe's reward as the module reads it. */
export function rewardSettings(c: StageContext): Record<string, unknown> {
  const r = c.stage.reward;
  return {
    name: r.name, accuracy_weight: r.accuracy_weight, format_weight: r.format_weight, format_pattern: r.format_pattern,
    answer_key: c.stage.data.answer_key ?? 'answer',
  };
}

/** The module and its settings in the stage folder; `path` is the module there. */
export function rewardFiles(c: StageContext): { path: string; files: StageFile[] } {
  const path = join(c.stageDir, REWARD_MODULE);
  return {
    path,
    files: [
      { path, what: "See2Think's reward (the recipe's reward, computed as the built-in trainer does)", copyFrom: rewardModuleSource() },
      { path: join(c.stageDir, REWARD_CONFIG), what: 'the recipe\'s reward settings, read by the module', content: JSON.stringify(rewardSettings(c), null, 2) + '\n' },
    ],
  };
}
