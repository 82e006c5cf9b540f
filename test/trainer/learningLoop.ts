// The learning tests' shared loop, on the trainer's own pieces (sftStep, grpoStep, sample, the task
// generators and the reward): a supervised start, GRPO steps on fresh draws, and held-out rewards per prompt
// measured with a fixed sampling seed (so two checkpoints are compared on the same prompts and draws).
import type { ModelConfig } from '../../trainer/model/config';
import { promptInput } from '../../trainer/model/batch';
import { decode, encode, EOS } from '../../trainer/model/tokenizer';
import { sample, type SamplingOptions } from '../../trainer/model/sampling';
import type { Policy } from '../../trainer/algo/policy';
import { cloneParams } from '../../trainer/algo/policy';
import { sftStep } from '../../trainer/algo/sft';
import { grpoStep } from '../../trainer/algo/grpo';
import { scoreResponse, type TaskExample, type TaskGenerator } from '../../trainer/tasks/index';
import type { ResolvedReward } from '../../protocol/recipe';
import { Rng } from '../../trainer/util/rng';
import { mean } from '../../protocol/stats';

/** `steps` supervised steps of 32 demonstrations from `gen`. */
export function sftFor(policy: Policy, cfg: ModelConfig, gen: TaskGenerator, steps: number, rng: Rng): void {
  for (let i = 0; i < steps; i++) {
    const batch = Array.from({ length: 32 }, () => gen.sample(rng));
    sftStep(policy, batch.map((e) => ({ prompt: promptInput(cfg, e), response: [...encode(e.demonstration), EOS] })),
      { lr: 5e-4, weightDecay: 0.01, maxGradNorm: 1 });
  }
}

/** `steps` GRPO steps of `prompts` fresh draws × 8 responses, against the start as the KL reference. */
export function grpoFor(policy: Policy, cfg: ModelConfig, gen: TaskGenerator, reward: ResolvedReward, o: { steps: number; prompts: number; lr: number; klCoef: number }, rng: Rng): void {
  const ref = cloneParams(policy.params);
  const opts = {
    n: 8, miniBatchPrompts: 4, ppoEpochs: 2, sampling: { temperature: 1, topP: 1, maxTokens: 48 },
    clip: { low: 0.2, high: 0.3, dual: 3 }, klCoef: o.klCoef, klPenalty: 'low_var_kl' as const, adam: { lr: o.lr, weightDecay: 0.01, maxGradNorm: 1 },
  };
  for (let step = 0; step < o.steps; step++) {
    const ex = Array.from({ length: o.prompts }, () => gen.sample(rng));
    grpoStep(policy, ref, ex.map((e) => promptInput(cfg, e)), (i, text) => {
      const s = scoreResponse(text, ex[i].answer, reward);
      return { reward: s.overall, accuracy: s.accuracy, format: s.format, answer: s.answer };
    }, opts, rng);
  }
}

/** Each held-out prompt's responses (`n` of them, sampling seed 99) with their rewards. */
export function heldOut(policy: Policy, cfg: ModelConfig, val: TaskExample[], reward: ResolvedReward, n: number, sampling: Omit<SamplingOptions, 'maxTokens'>): { text: string; reward: number }[][] {
  return sample(policy.params, cfg, val.map((e) => promptInput(cfg, e)), n, { ...sampling, maxTokens: 48 }, new Rng(99))
    .map((g, i) => g.map((r) => { const text = decode(r.tokens); return { text, reward: scoreResponse(text, val[i].answer, reward).overall }; }));
}

/** Per-prompt mean reward of `heldOut`'s responses. */
export const promptRewards = (groups: { reward: number }[][]): number[] => groups.map((g) => mean(g.map((r) => r.reward)));
