// Differentiable building blocks tuned for the wasm backend (DESIGN §8): its transposed matmuls run ~10×
// slower than plain ones, so matMul's gradient transposes explicitly; gathers have no gradient there, so
// embeddings are one-hot × matrix; concat's gradient avoids `split` (slow) by slicing.
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

const mmGrad = tf.customGrad(((a: T, b: T, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: T, saved: T[]) => transposedFast
      ? [tf.matMul(dy, saved[1], false, true), tf.matMul(saved[0], dy, true, false)]
      : [tf.matMul(dy, transposeLast(saved[1])), tf.matMul(transposeLast(saved[0]), dy)],
  };
}) as never) as unknown as (a: T, b: T) => T;

/** a·b for rank-2 or batched rank-3 operands of the same rank; the gradient uses only untransposed matmuls. */
export function mm(a: T, b: T): T {
  return mmGrad(a, b);
}

/** x·W + b over the last axis of x (any rank). */
export function linear(x: T, w: T, b?: T): T {
  const shape = x.shape;
  const y = mm(tf.reshape(x, [-1, shape[shape.length - 1]]), w);
  const yb = b ? tf.add(y, b) : y;
  return tf.reshape(yb, [...shape.slice(0, -1), w.shape[1]!]);
}

/** Layer norm over the last axis, without pow. */
export function layerNorm(x: T, g: T, b: T, eps = 1e-5): T {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.mul(xc, xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

/** GELU's sigmoid approximation x·σ(1.702x): one cheap elementwise chain, no pow or erf. */
export function gelu(x: T): T {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
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
