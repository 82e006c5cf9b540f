// One GRPO step as EasyR1 runs it: sample n responses for each prompt, score them with the verifiable
// reward, normalise rewards within each group into advantages, score the samples under the frozen reference,
// then ppo_epochs passes over mini-batches of global_batch_size prompts, each one AdamW update of the clipped
// surrogate + kl_coef · KL loss.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng';
import { type PromptInput, type TrainBatch, trainBatch } from '../model/batch';
import { type Params, responseLogProbs } from '../model/vlm';
import { type Rollout, type SamplingOptions, sample } from '../model/sampling';
import { decode } from '../model/tokenizer';
import type { AdamOptions } from './adamw';
import { type KlPenalty, clippedPolicyLoss, groupAdvantages, klPenalty, maskedMean } from './losses';
import { type Policy, applyGrads, lossAndGrads } from './policy';

export interface GrpoOptions {
  /** Responses per prompt (rollout_n). */
  n: number;
  /** Prompts per policy update (global_batch_size). */
  miniBatchPrompts: number;
  ppoEpochs: number;
  sampling: SamplingOptions;
  clipLow: number;
  clipHigh: number;
  klCoef: number;
  klPenalty: KlPenalty;
  adam: AdamOptions;
}

export interface ScoredResponse {
  reward: number;
  accuracy: number;
  format: number;
  answer: string | null;
}

export interface GrpoGroup {
  prompt: number;
  rollouts: Rollout[];
  texts: string[];
  scores: ScoredResponse[];
  advantages: number[];
}

export interface GrpoStepResult {
  groups: GrpoGroup[];
  /** verl/EasyR1-named metrics of this step. */
  metrics: Record<string, number>;
  /** Prompt + response tokens processed by sampling. */
  tokens: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Per-row [B, responseLen] array of values given per response token (padded with 0). */
function perToken(batch: TrainBatch, rows: number[][]): Float32Array {
  const out = new Float32Array(batch.size * batch.responseLen);
  rows.forEach((r, i) => out.set(r.slice(0, batch.responseLen), i * batch.responseLen));
  return out;
}

/** log π_ref of every sampled response, computed without gradients in chunks of `rows`. */
function referenceLogProbs(ref: Params, policy: Policy, prompts: PromptInput[], responses: number[][], chunk: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < responses.length; s += chunk) {
    const p = prompts.slice(s, s + chunk);
    const r = responses.slice(s, s + chunk);
    const batch = trainBatch(policy.cfg, p, r);
    const data = tf.tidy(() => responseLogProbs(ref, policy.cfg, batch).logp.dataSync() as Float32Array);
    r.forEach((resp, i) => out.push(Array.from(data.subarray(i * batch.responseLen, i * batch.responseLen + resp.length))));
  }
  return out;
}

export function grpoStep(
  policy: Policy, ref: Params | null, prompts: PromptInput[],
  score: (prompt: number, text: string) => ScoredResponse, o: GrpoOptions, rng: Rng,
): GrpoStepResult {
  const t0 = performance.now();
  const sampled = sample(policy.params, policy.cfg, prompts, o.n, o.sampling, rng);
  const tGen = performance.now();
  const groups: GrpoGroup[] = sampled.map((rollouts, i) => {
    const texts = rollouts.map((r) => decode(r.tokens));
    return { prompt: i, rollouts, texts, scores: texts.map((t) => score(i, t)), advantages: [] };
  });
  const flat = groups.flatMap((g) => g.rollouts);
  const rewards = groups.flatMap((g) => g.scores.map((s) => s.reward));
  const adv = groupAdvantages(rewards, o.n);
  groups.forEach((g, i) => (g.advantages = adv.slice(i * o.n, (i + 1) * o.n)));
  const rowPrompts = groups.flatMap((g) => g.rollouts.map(() => prompts[g.prompt]));
  const responses = flat.map((r) => r.tokens);

  const rowsPerMini = o.miniBatchPrompts * o.n;
  const useKl = o.klCoef > 0 && ref !== null;
  const refLogp = useKl ? referenceLogProbs(ref!, policy, rowPrompts, responses, rowsPerMini) : null;
  const tRef = performance.now();

  const acc = { pg: [] as number[], kl: [] as number[], clip: [] as number[], ent: [] as number[], gn: [] as number[], ppoKl: [] as number[] };
  for (let epoch = 0; epoch < o.ppoEpochs; epoch++) {
    for (let s = 0; s < flat.length; s += rowsPerMini) {
      const idx = Array.from({ length: Math.min(rowsPerMini, flat.length - s) }, (_, i) => s + i);
      const batch = trainBatch(policy.cfg, idx.map((i) => rowPrompts[i]), idx.map((i) => responses[i]));
      const old = perToken(batch, idx.map((i) => flat[i].logprobs));
      const advTok = perToken(batch, idx.map((i) => flat[i].tokens.map(() => adv[i])));
      const refTok = refLogp ? perToken(batch, idx.map((i) => refLogp[i])) : null;
      const shape: [number, number] = [batch.size, batch.responseLen];
      const { grads, aux } = lossAndGrads(policy, (p) => {
        const { logp, entropy } = responseLogProbs(p, policy.cfg, batch, o.sampling.temperature);
        const mask = tf.tensor2d(batch.mask, shape);
        const pl = clippedPolicyLoss(logp, tf.tensor2d(old, shape), tf.tensor2d(advTok, shape), mask, o.clipLow, o.clipHigh);
        const kl = refTok ? maskedMean(klPenalty(logp, tf.tensor2d(refTok, shape), o.klPenalty), mask) : tf.scalar(0);
        const loss = refTok ? tf.add(pl.loss, tf.mul(kl, o.klCoef)) : pl.loss;
        return { loss, aux: { pg: pl.loss, kl, clip: pl.clipFrac, ent: maskedMean(entropy, mask), ppoKl: pl.approxKl } };
      }, batch.imageTokens > 0);
      const { gradNorm } = applyGrads(policy, grads, o.adam);
      acc.gn.push(gradNorm);
      for (const k of ['pg', 'kl', 'clip', 'ent', 'ppoKl'] as const) {
        acc[k].push((aux[k].dataSync() as Float32Array)[0]);
        aux[k].dispose();
      }
    }
  }
  const tEnd = performance.now();

  const lengths = flat.map((r) => r.tokens.length);
  const promptTokens = rowPrompts.reduce((a, p) => a + p.tokens.length, 0);
  const tokens = promptTokens + lengths.reduce((a, b) => a + b, 0);
  const scores = groups.flatMap((g) => g.scores);
  const seconds = (tEnd - t0) / 1000;
  return {
    groups,
    tokens,
    metrics: {
      'reward/overall': mean(rewards),
      'reward/accuracy': mean(scores.map((s) => s.accuracy)),
      'reward/format': mean(scores.map((s) => s.format)),
      'response_length/mean': mean(lengths),
      'response_length/max': Math.max(...lengths),
      'response_length/clip_ratio': mean(flat.map((r) => (r.finished ? 0 : 1))),
      'actor/pg_loss': mean(acc.pg),
      'actor/kl_loss': useKl ? mean(acc.kl) : 0,
      'actor/kl_coef': o.klCoef,
      'actor/pg_clipfrac': mean(acc.clip),
      'actor/ppo_kl': mean(acc.ppoKl),
      'actor/entropy': mean(acc.ent),
      'actor/grad_norm': mean(acc.gn),
      'actor/lr': o.adam.lr,
      'perf/throughput': tokens / seconds,
      'perf/time_per_step': seconds,
      'timing_s/gen': (tGen - t0) / 1000,
      'timing_s/ref': (tRef - tGen) / 1000,
      'timing_s/update': (tEnd - tRef) / 1000,
    },
  };
}
