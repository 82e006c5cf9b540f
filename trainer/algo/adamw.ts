// AdamW (decoupled weight decay, as torch.optim.AdamW that EasyR1 uses) with global grad-norm clipping.
// Its moments live beside the parameters so a checkpoint can save them and a resumed stage continues exactly.
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../model/vlm';
import { nativeModel } from '../model/nativeVlm';
import { nativeAdamUpdate, nativeGradients } from '../native/nativeAdamw';

export interface AdamState {
  /** Updates applied so far (bias correction). */
  t: number;
  m: Params;
  v: Params;
}

export interface AdamOptions {
  lr: number;
  weightDecay: number;
  /** Clip the global gradient norm to this (≤ 0: no clipping). */
  maxGradNorm: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export function adamInit(params: Params, names: string[]): AdamState {
  const m: Params = {};
  const v: Params = {};
  for (const n of names) {
    m[n] = tf.zerosLike(params[n]);
    v[n] = tf.zerosLike(params[n]);
  }
  return { t: 0, m, v };
}

export function disposeAdam(s: AdamState): void {
  for (const t of [...Object.values(s.m), ...Object.values(s.v)]) t.dispose();
}

/** √Σ‖g‖² over all gradients. */
export function globalNorm(grads: Params): number {
  return tf.tidy(() => {
    const sq = Object.values(grads).map((g) => tf.sum(tf.mul(g, g)));
    return Math.sqrt((tf.addN(sq).dataSync() as Float32Array)[0]);
  });
}

/**
 * One update of every parameter that has a gradient: clip, then AdamW. Replaces the tensors in `params` and
 * the state (old ones disposed). Returns the gradient norm before clipping (NaN/∞ skip the update).
 */
export function adamStep(params: Params, grads: Params, s: AdamState, o: AdamOptions): { gradNorm: number; skipped: boolean } {
  const native = nativeModel(); // the norm and the update in one native call each when the kernels are loaded
  const flat = native ? nativeGradients(native, grads) : undefined;
  const gradNorm = flat ? flat.norm : globalNorm(grads);
  if (!Number.isFinite(gradNorm)) return { gradNorm, skipped: true };
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const clip = o.maxGradNorm > 0 ? Math.min(1, o.maxGradNorm / (gradNorm + 1e-6)) : 1;
  s.t += 1;
  const c1 = 1 - Math.pow(b1, s.t);
  const c2 = 1 - Math.pow(b2, s.t);
  if (native && flat) {
    nativeAdamUpdate(native, flat, params, s, { lr: o.lr, weightDecay: o.weightDecay, b1, b2, eps, c1, c2, clip });
    return { gradNorm, skipped: false };
  }
  for (const name of Object.keys(grads)) {
    if (!s.m[name]) throw new Error(`adamStep: no optimizer state for ${name}`);
    const [p, m, v] = tf.tidy(() => {
      const g = clip === 1 ? grads[name] : tf.mul(grads[name], clip);
      const m1 = tf.add(tf.mul(s.m[name], b1), tf.mul(g, 1 - b1));
      const v1 = tf.add(tf.mul(s.v[name], b2), tf.mul(tf.mul(g, g), 1 - b2));
      const update = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), eps));
      const decayed = o.weightDecay ? tf.mul(params[name], 1 - o.lr * o.weightDecay) : params[name];
      return [tf.sub(decayed, tf.mul(update, o.lr)), m1, v1];
    });
    params[name].dispose();
    s.m[name].dispose();
    s.v[name].dispose();
    params[name] = p;
    s.m[name] = m;
    s.v[name] = v;
  }
  return { gradNorm, skipped: false };
}
