// The loss pieces of GRPO as EasyR1/verl compute them (the step itself is grpo.ts): the PPO clipped surrogate
// with separate low/high clip ratios and the dual clip, the KL penalties (k3 = low_var_kl), and token-mean
// aggregation over a response mask (padding and prompt tokens never count).
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;

/** Σ(x·mask) / Σmask over all tokens of the batch (verl's "token-mean"); 0 when the mask is empty. */
export function maskedMean(x: T, mask: T): T {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1));
}

export interface PolicyLoss {
  /** Token-mean of the per-token loss: max(−A·r, −A·clip(r, 1−low, 1+high)), and for A < 0 at most −A·dual. */
  loss: T;
  /** Fraction of tokens where the clipped term was the larger (the ordinary clip acted): EasyR1's pg_clipfrac_higher. */
  clipFracHigher: T;
  /** Fraction of tokens with A < 0 whose loss the dual clip bounded at −A·dual: EasyR1's pg_clipfrac_lower. */
  clipFracLower: T;
  /** Token-mean of old_logp − logp (the approximate KL to the sampling policy). */
  approxKl: T;
}

export interface ClipRatios {
  low: number;
  high: number;
  /** Dual-clip constant c (EasyR1 clip_ratio_dual, default 3): a token with A < 0 never costs more than −c·A. */
  dual: number;
}

/**
 * EasyR1 compute_policy_loss (loss_type "default"): the PPO clipped surrogate with dual clip over per-token
 * log-probs [B, L]. The log-ratio is clamped to ±20 before exp, as EasyR1 does. Past the dual bound the loss is
 * the constant −c·A, so such a token gives no gradient.
 */
export function clippedPolicyLoss(logp: T, oldLogp: T, advantages: T, mask: T, clip: ClipRatios): PolicyLoss {
  const negApproxKl = tf.sub(logp, oldLogp);
  const ratio = tf.exp(tf.clipByValue(negApproxKl, -20, 20));
  const clipped = tf.exp(tf.clipByValue(negApproxKl, Math.log(1 - clip.low), Math.log(1 + clip.high)));
  const pg1 = tf.neg(tf.mul(advantages, ratio));
  const pg2 = tf.neg(tf.mul(advantages, clipped));
  const pg3 = tf.neg(tf.mul(advantages, clip.dual));
  const higher = tf.maximum(pg1, pg2);
  const negative = tf.less(advantages, 0);
  const perToken = tf.where(negative, tf.minimum(higher, pg3), higher);
  return {
    loss: maskedMean(perToken, mask),
    clipFracHigher: maskedMean(tf.cast(tf.less(pg1, pg2), 'float32'), mask),
    clipFracLower: maskedMean(tf.cast(tf.logicalAnd(tf.greater(higher, pg3), negative), 'float32'), mask),
    approxKl: maskedMean(tf.neg(negApproxKl), mask),
  };
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
