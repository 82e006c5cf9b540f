// The model being trained: parameters, which of them train (the vision tower may be frozen), and the
// optimizer state; plus the one place gradients are taken (tf.valueAndGrads over the trainable tensors).
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/config';
import { type Params, isVisionParam, paramShapes } from '../model/vlm';
import { type AdamOptions, type AdamState, adamInit, adamStep } from './adamw';

export interface Policy {
  cfg: ModelConfig;
  params: Params;
  /** Names of the parameters that receive updates. */
  trainable: string[];
  adam: AdamState;
}

export function trainableNames(cfg: ModelConfig, freezeVision: boolean): string[] {
  return paramShapes(cfg).map(([n]) => n).filter((n) => !(freezeVision && isVisionParam(n)));
}

/** A policy over `params` (taken over, not copied); `adam` continues a saved optimizer state when given. */
export function makePolicy(cfg: ModelConfig, params: Params, freezeVision: boolean, adam?: AdamState): Policy {
  const trainable = trainableNames(cfg, freezeVision);
  if (adam) {
    // A resumed optimizer must cover exactly the trainable set; moments for other names are dropped.
    for (const n of trainable) if (!adam.m[n]) throw new Error(`optimizer state has no moments for ${n}`);
    for (const n of Object.keys(adam.m)) {
      if (!trainable.includes(n)) {
        adam.m[n].dispose();
        adam.v[n].dispose();
        delete adam.m[n];
        delete adam.v[n];
      }
    }
  }
  return { cfg, params, trainable, adam: adam ?? adamInit(params, trainable) };
}

/**
 * Value and gradients of a scalar loss built from the policy's parameters. `aux` tensors the loss function
 * returns are kept (the caller reads and disposes them). A batch without images does not reach the vision
 * tower: pass `withVision: false` so those parameters are left out (they get no update, as in torch).
 */
export function lossAndGrads<A extends Record<string, tf.Tensor>>(
  policy: Policy, f: (p: Params) => { loss: tf.Tensor; aux: A }, withVision = true,
): { loss: number; grads: Params; aux: A } {
  let aux: A | undefined;
  const names = withVision ? policy.trainable : policy.trainable.filter((n) => !isVisionParam(n));
  const g = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const p: Params = { ...policy.params };
    names.forEach((n, i) => (p[n] = xs[i]));
    const r = f(p);
    aux = r.aux;
    for (const t of Object.values(r.aux)) tf.keep(t);
    return r.loss as tf.Scalar;
  });
  const { value, grads } = g(names.map((n) => policy.params[n]));
  const loss = (value.dataSync() as Float32Array)[0];
  // The loss may itself be one of the aux tensors (e.g. the policy loss when there is no KL term).
  if (!Object.values(aux!).includes(value)) value.dispose();
  const named: Params = {};
  names.forEach((n, i) => (named[n] = grads[i]));
  return { loss, grads: named, aux: aux! };
}

/** Applies gradients with AdamW and disposes them; returns the pre-clip gradient norm. */
export function applyGrads(policy: Policy, grads: Params, o: AdamOptions): { gradNorm: number; skipped: boolean } {
  try {
    return adamStep(policy.params, grads, policy.adam, o);
  } finally {
    for (const g of Object.values(grads)) g.dispose();
  }
}

/** A detached copy of parameters (the frozen reference policy at stage start). */
export function cloneParams(p: Params): Params {
  const out: Params = {};
  for (const [n, t] of Object.entries(p)) out[n] = t.clone();
  return out;
}
