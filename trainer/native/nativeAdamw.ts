// AdamW on the native kernels (adamw.c) for trainer/algo/adamw.ts adamStep, which computes the step's factors:
// the gradients' global norm and then the moment and parameter updates each in one call over all parameters,
// instead of a dozen tfjs kernels per tensor. The moments stay tfjs tensors (checkpoints save them).
import * as tf from '@tensorflow/tfjs-core';
import type { NativeLib } from './nativeLib';

type Params = Record<string, tf.Tensor>;

/** The gradients flattened in one array (names and offsets to map back), with their global norm. */
export interface FlatGradients {
  names: string[];
  offsets: number[];
  g: Float32Array;
  norm: number;
}

function concat(f: FlatGradients, of: Params): Float32Array {
  const out = new Float32Array(f.g.length);
  f.names.forEach((n, i) => out.set(of[n].dataSync() as Float32Array, f.offsets[i]));
  return out;
}

export function nativeGradients(l: NativeLib, grads: Params): FlatGradients {
  const names = Object.keys(grads);
  const offsets: number[] = [];
  let total = 0;
  for (const n of names) {
    offsets.push(total);
    total += grads[n].size;
  }
  const f: FlatGradients = { names, offsets, g: new Float32Array(total), norm: 0 };
  f.g = concat(f, grads);
  f.norm = Math.sqrt(l.sumsq(f.g));
  return f;
}

/** One AdamW update of every parameter with a gradient; params and the moments get new tensors. */
export function nativeAdamUpdate(l: NativeLib, f: FlatGradients, params: Params, s: { m: Params; v: Params },
  k: { lr: number; weightDecay: number; b1: number; b2: number; eps: number; c1: number; c2: number; clip: number }): void {
  for (const name of f.names) if (!s.m[name]) throw new Error(`adamStep: no optimizer state for ${name}`);
  const p = concat(f, params);
  const m = concat(f, s.m);
  const v = concat(f, s.v);
  l.adamw(p, f.g, m, v, k.lr, k.weightDecay, k.b1, k.b2, k.eps, k.c1, k.c2, k.clip);
  f.names.forEach((n, i) => {
    const part = (a: Float32Array) => tf.tensor(a.subarray(f.offsets[i], f.offsets[i] + params[n].size), params[n].shape);
    const [np, nm, nv] = [part(p), part(m), part(v)];
    params[n].dispose();
    s.m[n].dispose();
    s.v[n].dispose();
    params[n] = np;
    s.m[n] = nm;
    s.v[n] = nv;
  });
}
