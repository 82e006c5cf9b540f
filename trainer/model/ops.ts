// Differentiable building blocks tuned for the wasm backend (docs/ARCHITECTURE.md#the-wasm-backend): its transposed matmuls run ~10×
// slower than plain ones, so gradients transpose explicitly there; gathers have no gradient, so embeddings
// are one-hot × matrix; concat's gradient slices instead of calling `split` (slow); linear, layer norm and
// GELU have fused gradients (autodiff through them costs several times the kernels, and time is per kernel).
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;

/** Swaps the last two axes (rank 2 or 3). */
export function transposeLast(x: T): T {
  return x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1]);
}

let transposedFast = false;

/** Backends whose matmul handles transposed operands at full speed (native BLAS, TensorFlow) skip the copies. */
export function setTransposedMatMulFast(fast: boolean): void {
  transposedFast = fast;
}

/** a·bᵀ and aᵀ·b for gradients: transposed matmuls where fast, explicit transposes where not (wasm). */
const matMulBT = (a: T, b: T) => (transposedFast ? tf.matMul(a, b, false, true) : tf.matMul(a, transposeLast(b)));
const matMulAT = (a: T, b: T) => (transposedFast ? tf.matMul(a, b, true, false) : tf.matMul(transposeLast(a), b));

const mmGrad = tf.customGrad(((a: T, b: T, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: T, saved: T[]) => [matMulBT(dy, saved[1]), matMulAT(saved[0], dy)],
  };
}) as never) as unknown as (a: T, b: T) => T;

/** a·b for rank-2 or batched rank-3 operands of the same rank; the gradient needs no transposed matmul. */
export function mmTransposeFree(a: T, b: T): T {
  return mmGrad(a, b);
}

/** a·b; on backends with fast transposed matmuls, tf.matMul's own gradient (no custom-gradient copies). */
export function mm(a: T, b: T): T {
  return transposedFast ? tf.matMul(a, b) : mmGrad(a, b);
}

/** Column sums of a 2-D tensor as a matmul with a row of ones (wasm's Sum over axis 0 transposes first). */
function columnSums(dy: T): T {
  return tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]!]);
}

const linearGrad = tf.customGrad(((x: T, w: T, b: T, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: T, saved: T[]) => [matMulBT(dy, saved[1]), matMulAT(saved[0], dy), columnSums(dy)],
  };
}) as never) as unknown as (x: T, w: T, b: T) => T;

/** x·W + b over the last axis of x (any rank); one fused gradient for the product and the bias. */
export function linear(x: T, w: T, b?: T): T {
  const shape = x.shape;
  const x2 = tf.reshape(x, [-1, shape[shape.length - 1]]);
  const y = b ? linearGrad(x2, w, b) : mm(x2, w);
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1]!]);
}

// Named scopes ('layerNorm') let the trainer benchmark attribute these kernels to layer norm.
const layerNormGrad = tf.customGrad(((x: T, g: T, b: T, save: tf.GradSaveFunc) => {
  const d = x.shape[1]!;
  const [xhat, rstd, value] = tf.tidy('layerNorm', () => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const rs = tf.rsqrt(tf.add(tf.div(tf.sum(tf.mul(xc, xc), -1, true), d), 1e-5));
    const xh = tf.mul(xc, rs);
    return [xh, rs, tf.add(tf.mul(xh, g), b)];
  });
  save([xhat, rstd, g]);
  return {
    value,
    gradFunc: (dy: T, saved: T[]) => tf.tidy('layerNorm', () => {
      const [xh, rs, gain] = saved;
      const dxhat = tf.mul(dy, gain);
      const m1 = tf.mean(dxhat, -1, true);
      const m2 = tf.mean(tf.mul(dxhat, xh), -1, true);
      const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xh, m2)), rs);
      return [dx, columnSums(tf.mul(dy, xh)), columnSums(dy)];
    }),
  };
}) as never) as unknown as (x: T, g: T, b: T) => T;

/** Layer norm over the last axis (any rank), with one fused gradient. */
export function layerNorm(x: T, g: T, b: T): T {
  const shape = x.shape;
  return tf.reshape(layerNormGrad(tf.reshape(x, [-1, shape[shape.length - 1]]), g, b), shape);
}

const geluGrad = tf.customGrad(((x: T, save: tf.GradSaveFunc) => {
  const sig = tf.sigmoid(tf.mul(x, 1.702));
  save([x, sig]);
  return {
    value: tf.mul(x, sig),
    // d/dx x·σ(kx) = σ(kx)·(1 + k·x·(1 − σ(kx)))
    gradFunc: (dy: T, saved: T[]) => [tf.mul(dy, tf.mul(saved[1], tf.add(1, tf.mul(tf.mul(saved[0], 1.702), tf.sub(1, saved[1])))))],
  };
}) as never) as unknown as (x: T) => T;

/** GELU's sigmoid approximation x·σ(1.702x): no pow or erf, one fused gradient. */
export function gelu(x: T): T {
  return geluGrad(x);
}

const concat1Grad = tf.customGrad(((a: T, b: T, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.concat([a, b], 1),
    gradFunc: (dy: T, saved: T[]) => {
      const [a0, b0] = saved;
      const begin = dy.shape.map(() => 0);
      const aSize = [...dy.shape];
      aSize[1] = a0.shape[1]!;
      const bBegin = [...begin];
      bBegin[1] = a0.shape[1]!;
      const bSize = [...dy.shape];
      bSize[1] = b0.shape[1]!;
      return [tf.slice(dy, begin, aSize), tf.slice(dy, bBegin, bSize)];
    },
  };
}) as never) as unknown as (a: T, b: T) => T;

/** Concatenates along axis 1; the gradient slices instead of calling split. */
export function concat1(a: T, b: T): T {
  return concat1Grad(a, b);
}

/** Rows of `table` for integer ids, as one-hot × table (differentiable on every backend). */
export function embed(ids: T, table: T): T {
  const oneHot = tf.cast(tf.oneHot(tf.cast(tf.reshape(ids, [-1]), 'int32'), table.shape[0]), 'float32');
  return tf.reshape(mm(oneHot, table), [...ids.shape, table.shape[1]!]);
}
