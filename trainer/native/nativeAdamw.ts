// AdamW on the native kernels (adamw.c): the same update as trainer/algo/adamw.ts adamStep — global norm, clip,
// bias-corrected moments, decoupled weight decay — in one call over all parameters instead of a dozen tfjs
// kernels per tensor. The moments stay tfjs tensors (checkpoints save them); each step reads and replaces them.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeLib } from './nativeLib';

type Params = Record<string, tf.Tensor>;
interface AdamState {
  t: number;
  m: Params;
  v: Params;
}
interface AdamOptions {
  lr: number;
  weightDecay: number;
  maxGradNorm: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

function concat(names: string[], of: Params, offsets: number[], total: number): Float32Array {
  const out = new Float32Array(total);
  names.forEach((n, i) => out.set(of[n].dataSync() as Float32Array, offsets[i]));
  return out;
}

export function nativeAdamStep(l: NativeLib, params: Params, grads: Params, s: AdamState, o: AdamOptions): { gradNorm: number; skipped: boolean } {
  const names = Object.keys(grads);
  for (const name of names) if (!s.m[name]) throw new Error(`adamStep: no optimizer state for ${name}`);
  const offsets: number[] = [];
  let total = 0;
  for (const n of names) {
    offsets.push(total);
    total += grads[n].size;
  }
  const g = concat(names, grads, offsets, total);
  const gradNorm = Math.sqrt(l.sumsq(g));
  if (!Number.isFinite(gradNorm)) return { gradNorm, skipped: true };
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const clip = o.maxGradNorm > 0 ? Math.min(1, o.maxGradNorm / (gradNorm + 1e-6)) : 1;
  s.t += 1;
  const p = concat(names, params, offsets, total);
  const m = concat(names, s.m, offsets, total);
  const v = concat(names, s.v, offsets, total);
  l.adamw(p, g, m, v, o.lr, o.weightDecay, b1, b2, eps, 1 - Math.pow(b1, s.t), 1 - Math.pow(b2, s.t), clip);
  names.forEach((n, i) => {
    const part = (a: Float32Array) => tf.tensor(a.subarray(offsets[i], offsets[i] + grads[n].size), params[n].shape);
    const [np, nm, nv] = [part(p), part(m), part(v)];
    params[n].dispose();
    s.m[n].dispose();
    s.v[n].dispose();
    params[n] = np;
    s.m[n] = nm;
    s.v[n] = nv;
  });
  return { gradNorm, skipped: false };
}
