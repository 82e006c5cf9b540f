// One GRPO step as EasyR1 runs it, top to bottom:
//   1. rollout     sample rollout_n responses per prompt and score them with the verifiable reward
//   2. advantages  normalise each group's rewards: (r − mean) / (std + eps); a group of equal rewards gets 0
//   3. reference   log-probs of the samples under the frozen stage-start model (for the KL loss), at the rollout
//                  temperature as the policy's (EasyR1 scores actor and reference with the same meta_info temperature)
//   4. update      ppo_epochs passes over mini-batches of global_batch_size prompts; each is one AdamW step
//                  on the clipped surrogate + kl_coef · KL (the loss pieces are in losses.ts)
// The step returns the groups (for traces) and verl/EasyR1-named metrics.
import * as tf from '@tensorflow/tfjs-core';
import { METRICS, type MetricValues } from '../../protocol/metrics';
import type { Rng } from '../util/rng';
import { type PromptInput, type TrainBatch, trainBatch } from '../model/batch';
import { type Params, responseLogProbs } from '../model/vlm';
import { type Rollout, type SamplingOptions, sample } from '../model/sampling';
import { decode } from '../model/tokenizer';
import type { AdamOptions } from './adamw';
import { type ClipRatios, type KlPenalty, clippedPolicyLoss, klPenalty, maskedMean } from './losses';
import { type Policy, applyGrads, lossAndGrads } from './policy';
import { mean } from '../../protocol/stats';

export interface GrpoOptions {
  /** Responses per prompt (rollout_n). */
  n: number;
  /** Prompts per policy update (global_batch_size). */
  miniBatchPrompts: number;
  ppoEpochs: number;
  sampling: SamplingOptions;
  /** clip_ratio_low / high / dual. */
  clip: ClipRatios;
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
  /** Keyed by METRICS names. */
  metrics: Record<string, number>;
  /** Prompt + response tokens processed by sampling. */
  tokens: number;
}

type Scorer = (prompt: number, text: string) => ScoredResponse;

export function grpoStep(policy: Policy, ref: Params | null, prompts: PromptInput[], score: Scorer, o: GrpoOptions, rng: Rng): GrpoStepResult {
  const t0 = performance.now();
  // 1. rollout
  const groups = rollout(policy, prompts, score, o, rng);
  const tGen = performance.now();
  // 2. advantages
  const rewards = groups.flatMap((g) => g.scores.map((s) => s.reward));
  const adv = groupAdvantages(rewards, o.n);
  groups.forEach((g, i) => (g.advantages = adv.slice(i * o.n, (i + 1) * o.n)));
  const rows = groups.flatMap((g) => g.rollouts.map((r, j) => ({ prompt: prompts[g.prompt], rollout: r, advantage: g.advantages[j] })));
  // 3. reference
  const rowsPerMini = o.miniBatchPrompts * o.n;
  const useKl = o.klCoef > 0 && ref !== null;
  const refLogp = useKl ? referenceLogProbs(ref!, policy, rows.map((r) => r.prompt), rows.map((r) => r.rollout.tokens), rowsPerMini, o.sampling.temperature) : null;
  const tRef = performance.now();
  // 4. update
  const stats = { pg: [] as number[], kl: [] as number[], clipHigh: [] as number[], clipLow: [] as number[], ent: [] as number[], gn: [] as number[], ppoKl: [] as number[] };
  for (let epoch = 0; epoch < o.ppoEpochs; epoch++) {
    for (let s = 0; s < rows.length; s += rowsPerMini) {
      const idx = Array.from({ length: Math.min(rowsPerMini, rows.length - s) }, (_, i) => s + i);
      const mini = idx.map((i) => rows[i]);
      const batch = trainBatch(policy.cfg, mini.map((r) => r.prompt), mini.map((r) => r.rollout.tokens));
      const { grads, aux } = lossAndGrads(policy, (p) => grpoLoss(p, policy, batch, {
        oldLogp: perToken(batch, mini.map((r) => r.rollout.logprobs)),
        advantages: perToken(batch, mini.map((r) => r.rollout.tokens.map(() => r.advantage))),
        refLogp: refLogp ? perToken(batch, idx.map((i) => refLogp[i])) : null,
      }, o), batch.imageTokens > 0);
      stats.gn.push(applyGrads(policy, grads, o.adam).gradNorm);
      for (const k of ['pg', 'kl', 'clipHigh', 'clipLow', 'ent', 'ppoKl'] as const) {
        stats[k].push((aux[k].dataSync() as Float32Array)[0]);
        aux[k].dispose();
      }
    }
  }
  const tEnd = performance.now();

  const lengths = rows.map((r) => r.rollout.tokens.length);
  const tokens = rows.reduce((a, r) => a + r.prompt.tokens.length, 0) + lengths.reduce((a, b) => a + b, 0);
  const scores = groups.flatMap((g) => g.scores);
  const seconds = (tEnd - t0) / 1000;
  return {
    groups,
    tokens,
    metrics: {
      [METRICS.rewardOverall]: mean(rewards),
      [METRICS.rewardAccuracy]: mean(scores.map((s) => s.accuracy)),
      [METRICS.rewardFormat]: mean(scores.map((s) => s.format)),
      [METRICS.responseLength]: mean(lengths),
      [METRICS.responseLengthMax]: Math.max(...lengths),
      [METRICS.responseClipRatio]: mean(rows.map((r) => (r.rollout.finished ? 0 : 1))),
      [METRICS.pgLoss]: mean(stats.pg),
      [METRICS.klLoss]: useKl ? mean(stats.kl) : 0,
      [METRICS.klCoef]: o.klCoef,
      // EasyR1 logs the two clip fractions; the dashboard's pg_clipfrac is their sum, as its EasyR1 adapter maps it.
      [METRICS.clipFracHigher]: mean(stats.clipHigh),
      [METRICS.clipFracLower]: mean(stats.clipLow),
      [METRICS.clipFrac]: mean(stats.clipHigh) + mean(stats.clipLow),
      [METRICS.ppoKl]: mean(stats.ppoKl),
      [METRICS.entropy]: mean(stats.ent),
      [METRICS.gradNorm]: mean(stats.gn),
      [METRICS.lr]: o.adam.lr,
      [METRICS.throughput]: tokens / seconds,
      [METRICS.stepTime]: seconds,
      [METRICS.timeGen]: (tGen - t0) / 1000,
      [METRICS.timeRef]: (tRef - tGen) / 1000,
      [METRICS.timeUpdate]: (tEnd - tRef) / 1000,
    } satisfies MetricValues,
  };
}

/** 1. Samples n responses per prompt from the current policy and scores each one. */
function rollout(policy: Policy, prompts: PromptInput[], score: Scorer, o: GrpoOptions, rng: Rng): GrpoGroup[] {
  return sample(policy.params, policy.cfg, prompts, o.n, o.sampling, rng).map((rollouts, i) => {
    const texts = rollouts.map((r) => decode(r.tokens));
    return { prompt: i, rollouts, texts, scores: texts.map((t) => score(i, t)), advantages: [] };
  });
}

/**
 * 2. verl's compute_grpo_outcome_advantage: scores of consecutive groups of n responses to the same prompt →
 * (score − group mean) / (group std + eps), std unbiased (n−1) like torch.std; a group of one has mean 0, std 1;
 * a group whose scores are all equal gets 0.
 */
export function groupAdvantages(scores: number[], n: number, eps = 1e-6): number[] {
  if (scores.length % n !== 0) throw new Error(`groupAdvantages: ${scores.length} scores are not groups of ${n}`);
  const out = new Array<number>(scores.length);
  for (let g = 0; g < scores.length; g += n) {
    const group = scores.slice(g, g + n);
    let mu = 0;
    let std = 1;
    if (n > 1) {
      mu = mean(group);
      std = Math.sqrt(group.reduce((a, b) => a + (b - mu) * (b - mu), 0) / (n - 1));
    }
    for (let i = 0; i < n; i++) out[g + i] = (group[i] - mu) / (std + eps);
  }
  return out;
}

/**
 * 3. log π_ref of every sampled response at the rollout `temperature` (the policy's log-probs in the loss use
 * the same one, so an unchanged policy has KL 0), computed without gradients in chunks of `chunk` rows.
 */
export function referenceLogProbs(ref: Params, policy: Policy, prompts: PromptInput[], responses: number[][], chunk: number, temperature: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < responses.length; s += chunk) {
    const r = responses.slice(s, s + chunk);
    const batch = trainBatch(policy.cfg, prompts.slice(s, s + chunk), r);
    const data = tf.tidy(() => responseLogProbs(ref, policy.cfg, batch, temperature).logp.dataSync() as Float32Array);
    r.forEach((resp, i) => out.push(Array.from(data.subarray(i * batch.responseLen, i * batch.responseLen + resp.length))));
  }
  return out;
}

/** Per-token inputs of one mini-batch's loss, each [B × responseLen] (padding 0). */
interface LossInputs {
  oldLogp: Float32Array;
  advantages: Float32Array;
  refLogp: Float32Array | null;
}

/** 4. The mini-batch loss: clipped surrogate + kl_coef · KL to the reference, token-mean over the response mask. */
function grpoLoss(p: Params, policy: Policy, batch: TrainBatch, x: LossInputs, o: GrpoOptions) {
  const shape: [number, number] = [batch.size, batch.responseLen];
  const { logp, entropy } = responseLogProbs(p, policy.cfg, batch, o.sampling.temperature);
  const mask = tf.tensor2d(batch.mask, shape);
  const pl = clippedPolicyLoss(logp, tf.tensor2d(x.oldLogp, shape), tf.tensor2d(x.advantages, shape), mask, o.clip);
  const kl = x.refLogp ? maskedMean(klPenalty(logp, tf.tensor2d(x.refLogp, shape), o.klPenalty), mask) : tf.scalar(0);
  const loss = x.refLogp ? tf.add(pl.loss, tf.mul(kl, o.klCoef)) : pl.loss;
  return { loss, aux: { pg: pl.loss, kl, clipHigh: pl.clipFracHigher, clipLow: pl.clipFracLower, ent: maskedMean(entropy, mask), ppoKl: pl.approxKl } };
}

/** Per-row values given per response token, as a [B, responseLen] array (padded with 0). */
function perToken(batch: TrainBatch, rows: number[][]): Float32Array {
  const out = new Float32Array(batch.size * batch.responseLen);
  rows.forEach((r, i) => out.set(r.slice(0, batch.responseLen), i * batch.responseLen));
  return out;
}
