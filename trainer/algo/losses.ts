// The pieces of GRPO as EasyR1/verl compute them: group-normalised outcome advantages, the PPO clipped
// surrogate with separate low/high clip ratios, the KL penalties (k3 = low_var_kl), and token-mean
// aggregation over a response mask (padding and prompt tokens never count).
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;

/**
 * verl's compute_grpo_outcome_advantage: scores of consecutive groups of n responses to the same prompt →
 * (score − group mean) / (group std + eps), std unbiased (n−1) like torch.std; a group of one has mean 0, std 1;
 * a group whose scores are all equal gets 0.
 */
export function groupAdvantages(scores: number[], n: number, eps = 1e-6): number[] {
  if (scores.length % n !== 0) throw new Error(`groupAdvantages: ${scores.length} scores are not groups of ${n}`);
  const out = new Array<number>(scores.length);
  for (let g = 0; g < scores.length; g += n) {
    const group = scores.slice(g, g + n);
    let mean = 0;
    let std = 1;
    if (n > 1) {
      mean = group.reduce((a, b) => a + b, 0) / n;
      std = Math.sqrt(group.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
    }
    for (let i = 0; i < n; i++) out[g + i] = (group[i] - mean) / (std + eps);
  }
  return out;
}

/** Σ(x·mask) / Σmask over all tokens of the batch (verl's "token-mean"); 0 when the mask is empty. */
export function maskedMean(x: T, mask: T): T {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1));
}

export interface PolicyLoss {
  /** Token-mean of max(−A·r, −A·clip(r, 1−low, 1+high)). */
  loss: T;
  /** Fraction of tokens where the clipped term was the larger (the clip acted). */
  clipFrac: T;
  /** Token-mean of old_logp − logp (the approximate KL to the sampling policy). */
  approxKl: T;
}

/** verl compute_policy_loss: the PPO clipped surrogate over per-token log-probs [B, L]. */
export function clippedPolicyLoss(logp: T, oldLogp: T, advantages: T, mask: T, clipLow: number, clipHigh: number): PolicyLoss {
  const negApproxKl = tf.sub(logp, oldLogp);
  const ratio = tf.exp(negApproxKl);
  const pg1 = tf.neg(tf.mul(advantages, ratio));
  const pg2 = tf.neg(tf.mul(advantages, tf.clipByValue(ratio, 1 - clipLow, 1 + clipHigh)));
  const loss = maskedMean(tf.maximum(pg1, pg2), mask);
  const clipFrac = maskedMean(tf.cast(tf.greater(pg2, pg1), 'float32'), mask);
  return { loss, clipFrac, approxKl: maskedMean(tf.neg(negApproxKl), mask) };
}

export type KlPenalty = 'low_var_kl' | 'kl' | 'abs' | 'mse';

/** verl kl_penalty per token between the policy (logp) and the reference (refLogp). */
export function klPenalty(logp: T, refLogp: T, kind: KlPenalty): T {
  const diff = tf.sub(logp, refLogp);
  switch (kind) {
    case 'kl':
      return diff;
    case 'abs':
      return tf.abs(diff);
    case 'mse':
      return tf.mul(tf.mul(diff, diff), 0.5);
    case 'low_var_kl': {
      // k3 = exp(ref − logp) − (ref − logp) − 1, clamped to [−10, 10] as verl does
      const r = tf.neg(diff);
      return tf.clipByValue(tf.sub(tf.sub(tf.exp(r), r), 1), -10, 10);
    }
  }
}
