// The loss pieces of GRPO as EasyR1/verl compute them (the step itself is grpo.ts): the PPO clipped surrogate
// with separate low/high clip ratios, the KL penalties (k3 = low_var_kl), and token-mean aggregation over a
// response mask (padding and prompt tokens never count).
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;

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
