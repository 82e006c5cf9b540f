// How a recipe step maps onto TRL's steps. A recipe step samples rollout_batch_size prompts and updates the
// policy on global_batch_size prompts at a time, ppo_epochs times (as EasyR1 and verl count a step); TRL's
// global_step counts optimizer steps. So one recipe step is (rollout_batch_size / global_batch_size) ·
// ppo_epochs TRL steps, and max_steps, save_steps, eval_steps and checkpoint-<N> are scaled by it.
import type { ResolvedStage } from '../../../protocol/recipe';

export function trlStepsPerStep(stage: ResolvedStage): number {
  const a = stage.algorithm;
  return Math.max(1, Math.round(a.rollout_batch_size / a.global_batch_size)) * a.ppo_epochs;
}
