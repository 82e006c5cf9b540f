// Batch sizes and step counts that do not fit together. The rules are EasyR1's (the paper's trainer), which
// the built-in trainer follows too:
// - hiyouga/EasyR1 verl/trainer/ray_trainer.py, RayPPOTrainer.__init__: `data.rollout_batch_size %
//   worker.actor.global_batch_size != 0` raises "Rollout batch size must be divisible by actor global batch
//   size", and GRPO/RLOO with `worker.rollout.n == 1` raises "GRPO and RLOO algorithm need rollout.n > 1".
// - verl/workers/fsdp_workers.py multiplies the actor's global_batch_size by rollout.n (one update sees
//   global_batch_size prompts × n responses out of the step's rollout_batch_size × n), then splits it over
//   the GPUs with integer division (global_batch_size_per_device = global_batch_size // world_size).
// - RayPPOTrainer.fit() always validates after the last step and always saves the final checkpoint, so a
//   save_freq/val_freq that does not divide the steps is harmless; one larger than the steps never fires.
import type { SemanticCheck } from './context';
import type { Problem } from '../problems';
import { mergeByPlace, settingPath } from './where';

export const checkBatches: SemanticCheck = ({ src, recipe, resolved }) => {
  const found: { problem: Problem; stage: string }[] = [];
  const at = (i: number, key: string, fallback: (string | number)[]) => {
    const path = settingPath(recipe, i, 'algorithm', key) ?? fallback;
    return { path, range: src.rangeOf(path, settingPath(recipe, i, 'algorithm', key) ? 'value' : 'key') };
  };
  for (const s of resolved.stages) {
    const a = s.algorithm;
    const i = s.index;
    const stageKey = ['stages', i, 'kind'];
    if (s.kind !== 'sft') {
      if (a.rollout_batch_size % a.global_batch_size !== 0) {
        const where = at(i, 'global_batch_size', stageKey);
        const why = a.global_batch_size > a.rollout_batch_size
          ? `is larger than rollout_batch_size (${a.rollout_batch_size})`
          : `must divide rollout_batch_size (${a.rollout_batch_size})`;
        found.push({
          stage: s.id,
          problem: {
            severity: 'error', code: 'batch/divide', ...where,
            message: `global_batch_size (${a.global_batch_size}) ${why} in stage '${s.id}': each step's ` +
              `rollout_batch_size prompts × rollout_n responses are split into updates of global_batch_size prompts ` +
              `(EasyR1: "Rollout batch size must be divisible by actor global batch size")`,
          },
        });
      }
      if (a.adv_estimator === 'grpo' && a.rollout_n < 2) {
        found.push({
          stage: s.id,
          problem: {
            severity: 'error', code: 'batch/group-of-one', ...at(i, 'rollout_n', stageKey),
            message: `rollout_n is ${a.rollout_n} in stage '${s.id}': GRPO normalises each reward within its prompt's ` +
              `group of rollout_n responses, so a group of one has zero advantage and learns nothing ` +
              `(EasyR1: "GRPO and RLOO algorithm need rollout.n > 1")`,
          },
        });
      }
      const gpus = (s.launch.gpus ?? 0) * (s.launch.nodes ?? 1);
      if (resolved.model.trainer !== 'builtin' && gpus > 1 && (a.global_batch_size * a.rollout_n) % gpus !== 0) {
        const where = settingPath(recipe, i, 'launch', 'gpus');
        found.push({
          stage: s.id,
          problem: {
            severity: 'warning', code: 'batch/gpus', ...at(i, 'global_batch_size', where ?? stageKey),
            message: `global_batch_size × rollout_n (${a.global_batch_size} × ${a.rollout_n} = ${a.global_batch_size * a.rollout_n} ` +
              `responses per update) does not split evenly over ${gpus} GPUs in stage '${s.id}': EasyR1 gives each GPU ` +
              `${Math.floor((a.global_batch_size * a.rollout_n) / gpus)} and the rest of every update is left out`,
          },
        });
      }
    }
    for (const [key, what] of [['save_freq', 'no checkpoint is saved before the final step, so a crash loses the whole stage'],
      ['val_freq', 'it is validated only before and after training']] as const) {
      const path = settingPath(recipe, i, 'algorithm', key);
      // Only a value someone wrote: the schema defaults fit the paper's stage lengths, not tiny test stages.
      if (!path || a[key] <= s.steps) continue;
      found.push({
        stage: s.id,
        problem: {
          severity: 'warning', code: `steps/${key.replace('_', '-')}`, path, range: src.rangeOf(path),
          message: `${key} (${a[key]}) is more than the ${s.steps} steps in stage '${s.id}': ${what}`,
        },
      });
    }
  }
  return mergeByPlace(found);
};
