// GRPO's pieces against hand-computed values: group advantages (zero-variance and single groups), the
// clipped surrogate at both clip edges, k3 KL, token-mean masking, and AdamW with grad-norm clipping.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { backend } from './helpers';
import { clippedPolicyLoss, klPenalty, maskedMean } from '../../trainer/algo/losses';
import { groupAdvantages } from '../../trainer/algo/grpo';
import { adamInit, adamStep } from '../../trainer/algo/adamw';

const close = (a: number, b: number, tol = 1e-5, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} ≠ ${b}`);
const scalar = (t: tf.Tensor) => (t.dataSync() as Float32Array)[0];

describe('GRPO pieces (hand-computed)', () => {
  before(backend);

  it('group advantages: (r − mean) / (unbiased std + eps); equal rewards → 0; a group of one keeps its score', () => {
    // group [1, 0, 0, 1]: mean 0.5, unbiased std √(4·0.25/3) = 0.57735 → ±0.866025
    const a = groupAdvantages([1, 0, 0, 1, 0.5, 0.5, 0.5, 0.5], 4);
    [0.866025, -0.866025, -0.866025, 0.866025].forEach((v, i) => close(a[i], v, 1e-5, `adv[${i}]`));
    assert.deepEqual(a.slice(4), [0, 0, 0, 0]);
    // group [1, 0.1, 0.1]: mean 0.4, std √((0.36+0.09+0.09)/2) = 0.519615
    const b = groupAdvantages([1, 0.1, 0.1], 3);
    close(b[0], 0.6 / 0.519615, 1e-5);
    close(b[1], -0.3 / 0.519615, 1e-5);
    assert.deepEqual(groupAdvantages([0.7, 0.2], 1), [0.7 / (1 + 1e-6), 0.2 / (1 + 1e-6)]);
    assert.throws(() => groupAdvantages([1, 2, 3], 2), /groups of 2/);
  });

  it('clipped surrogate: clips at 1+high for A>0 and at 1−low for A<0, never the pessimistic side', () => {
    const lr = (r: number) => Math.log(r);
    // rows: (ratio, advantage) → expected per-token loss, clipped?
    const cases: [number, number, number, boolean][] = [
      [1.5, 1, -1.3, true],    // above 1+0.3 with A>0: the clip caps the gain at 1.3
      [0.5, -1, 0.8, true],    // below 1−0.2 with A<0: capped at 0.8
      [0.5, 1, -0.5, false],   // below the low edge but A>0: the unclipped (worse) term wins
      [1.5, -1, 1.5, false],   // above the high edge but A<0: unclipped
      [1.1, 2, -2.2, false],   // inside the band: plain ratio·A
      [1.29, 1, -1.29, false], // just inside the high edge
    ];
    for (const [ratio, adv, expected, clipped] of cases) {
      const r = tf.tidy(() => {
        const pl = clippedPolicyLoss(tf.tensor2d([[lr(ratio) - 2]]), tf.tensor2d([[-2]]), tf.tensor2d([[adv]]), tf.tensor2d([[1]]), 0.2, 0.3);
        return [scalar(pl.loss), scalar(pl.clipFrac)];
      });
      close(r[0], expected, 1e-5, `loss at ratio ${ratio}, A ${adv}`);
      assert.equal(r[1], clipped ? 1 : 0, `clipfrac at ratio ${ratio}, A ${adv}`);
    }
  });

  it('masking: padding tokens (mask 0) do not count, whatever their values', () => {
    const v = tf.tidy(() => {
      const logp = tf.tensor2d([[Math.log(1.5) - 2, 50, 50], [Math.log(0.5) - 2, -50, 7]]);
      const old = tf.tensor2d([[-2, 0, 0], [-2, 0, 0]]);
      const adv = tf.tensor2d([[1, 1, 1], [-1, -1, -1]]);
      const mask = tf.tensor2d([[1, 0, 0], [1, 0, 0]]);
      const pl = clippedPolicyLoss(logp, old, adv, mask, 0.2, 0.3);
      return [scalar(pl.loss), scalar(pl.clipFrac), scalar(maskedMean(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 0], [0, 1]])))];
    });
    close(v[0], (-1.3 + 0.8) / 2, 1e-5, 'token-mean over the two real tokens');
    assert.equal(v[1], 1);
    assert.equal(v[2], 2.5);
    assert.equal(tf.tidy(() => scalar(maskedMean(tf.tensor1d([5, 6]), tf.tensor1d([0, 0])))), 0, 'empty mask → 0, not NaN');
  });

  it('k3 (low_var_kl) = exp(ref − logp) − (ref − logp) − 1, clamped to ±10; the other estimators', () => {
    const [k3, k3b, k3clamp, k1, abs, mse] = tf.tidy(() => [
      scalar(klPenalty(tf.scalar(-1), tf.scalar(-2), 'low_var_kl')),
      scalar(klPenalty(tf.scalar(-2), tf.scalar(-1), 'low_var_kl')),
      scalar(klPenalty(tf.scalar(-20), tf.scalar(-1), 'low_var_kl')),
      scalar(klPenalty(tf.scalar(-1), tf.scalar(-2), 'kl')),
      scalar(klPenalty(tf.scalar(-2), tf.scalar(-1), 'abs')),
      scalar(klPenalty(tf.scalar(-2), tf.scalar(-1), 'mse')),
    ]);
    close(k3, Math.exp(-1) + 1 - 1, 1e-6, 'k3(ref−logp = −1)');
    close(k3b, Math.exp(1) - 1 - 1, 1e-5, 'k3(ref−logp = +1)');
    assert.equal(k3clamp, 10);
    assert.equal(k1, 1);
    assert.equal(abs, 1);
    assert.equal(mse, 0.5);
    assert.equal(tf.tidy(() => scalar(klPenalty(tf.scalar(-3), tf.scalar(-3), 'low_var_kl'))), 0);
  });

  it('AdamW: first step moves each weight by lr·sign(g) plus decoupled decay; grad norm is clipped first', () => {
    const params = { w: tf.tensor1d([1, -2]) };
    const state = adamInit(params, ['w']);
    // grads (3, −4): norm 5, clipped to 1 → (0.6, −0.8); Adam's first step normalises to ±1 anyway
    const { gradNorm } = adamStep(params, { w: tf.tensor1d([3, -4]) }, state, { lr: 0.1, weightDecay: 0.5, maxGradNorm: 1 });
    assert.equal(gradNorm, 5);
    const w = Array.from(params.w.dataSync());
    close(w[0], 1 * (1 - 0.05) - 0.1, 1e-6, 'w0');
    close(w[1], -2 * (1 - 0.05) + 0.1, 1e-6, 'w1');
    close(state.m.w.dataSync()[0], 0.1 * 0.6, 1e-6, 'm uses the clipped gradient');
    close(state.v.w.dataSync()[1], 0.001 * 0.64, 1e-7, 'v');
    assert.equal(state.t, 1);
    const skipped = adamStep(params, { w: tf.tensor1d([NaN, 1]) }, state, { lr: 0.1, weightDecay: 0, maxGradNorm: 1 });
    assert.ok(skipped.skipped && Number.isNaN(skipped.gradNorm), 'a NaN gradient skips the update');
    assert.equal(state.t, 1);
  });
});
