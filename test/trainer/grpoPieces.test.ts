// GRPO's pieces against hand-computed values: group advantages (zero-variance and single groups), the
// clipped surrogate at both clip edges and EasyR1's dual clip (values, gradients, pg_clipfrac_higher/lower),
// k3 KL, token-mean masking, AdamW with grad-norm clipping, and the reference scored at the policy's temperature.
// EasyR1 semantics checked against hiyouga/EasyR1 b44b311b669bf1fd1aa2fc36f2251482ba33cb16
// (verl/trainer/core_algos.py compute_policy_loss; verl/workers/fsdp_workers.py sets the rollout temperature in
// meta_info for both the actor's and the reference's compute_log_prob).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { clippedPolicyLoss, klPenalty, maskedMean } from '../../trainer/algo/losses';
import { groupAdvantages, grpoStep, referenceLogProbs } from '../../trainer/algo/grpo';
import { makePolicy, cloneParams } from '../../trainer/algo/policy';
import { initParams, disposeParams, responseLogProbs } from '../../trainer/model/vlm';
import { promptInput, trainBatch } from '../../trainer/model/batch';
import { encode } from '../../trainer/model/tokenizer';
import { METRICS } from '../../protocol/metrics';
import { mapEasyR1 } from '../../core/external/metricNames';
import { Rng } from '../../trainer/util/rng';
import { backend as backend, smallConfig, halfImage } from './helpers';
import { adamInit, adamStep } from '../../trainer/algo/adamw';

const close = (a: number, b: number, tol = 1e-5, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} ≠ ${b}`);
const scalar = (t: tf.Tensor) => (t.dataSync() as Float32Array)[0];
const CLIP = { low: 0.2, high: 0.3, dual: 3 };

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
        const pl = clippedPolicyLoss(tf.tensor2d([[lr(ratio) - 2]]), tf.tensor2d([[-2]]), tf.tensor2d([[adv]]), tf.tensor2d([[1]]), CLIP);
        return [scalar(pl.loss), scalar(pl.clipFracHigher)];
      });
      close(r[0], expected, 1e-5, `loss at ratio ${ratio}, A ${adv}`);
      assert.equal(r[1], clipped ? 1 : 0, `clipfrac at ratio ${ratio}, A ${adv}`);
    }
  });

  it('dual clip: for A < 0 the loss is bounded by −3A with zero gradient past it; pg_clipfrac_lower counts those tokens', () => {
    // rows: (ratio, advantage) → per-token loss, d loss / d logp, clipped higher?, clipped lower?
    // Unclipped, loss = −A·r and d/dlogp = −A·r (r = exp(logp − old)); a clipped term is constant in logp.
    const cases: [number, number, number, number, boolean, boolean][] = [
      [4, -1, 3, 0, false, true],           // r 4 > 3 with A<0: bounded at −3A = 3, no gradient
      [10, -0.5, 1.5, 0, false, true],      // −3·(−0.5) = 1.5, no gradient
      [2.5, -1, 2.5, 2.5, false, false],    // below the dual bound: plain −A·r, gradient −A·r = 2.5
      [4, 1, -1.3, 0, true, false],         // A>0: the ordinary high clip (1.3), no dual clip
      [0.5, -1, 0.8, 0, true, false],       // A<0 below 1−low: clipped at 0.8 (higher), not lower
      [1.1, -2, 2.2, 2.2, false, false],    // inside the band
    ];
    for (const [ratio, adv, loss, grad, higher, lower] of cases) {
      const [l, g, h, lo] = tf.tidy(() => {
        const old = tf.tensor2d([[-2]]);
        const at = tf.tensor2d([[Math.log(ratio) - 2]]);
        const f = (x: tf.Tensor) => clippedPolicyLoss(x, old, tf.tensor2d([[adv]]), tf.tensor2d([[1]]), CLIP).loss as tf.Scalar;
        const pl = clippedPolicyLoss(at, old, tf.tensor2d([[adv]]), tf.tensor2d([[1]]), CLIP);
        return [scalar(pl.loss), scalar(tf.grad(f)(at)), scalar(pl.clipFracHigher), scalar(pl.clipFracLower)];
      });
      close(l, loss, 1e-5, `loss at ratio ${ratio}, A ${adv}`);
      close(g, grad, 1e-4, `gradient at ratio ${ratio}, A ${adv}`);
      assert.equal(h, higher ? 1 : 0, `pg_clipfrac_higher at ratio ${ratio}, A ${adv}`);
      assert.equal(lo, lower ? 1 : 0, `pg_clipfrac_lower at ratio ${ratio}, A ${adv}`);
    }
    // Fractions are token-means over the mask: 1 of the 2 real tokens is dual-clipped (the padded one is not counted).
    const frac = tf.tidy(() => scalar(clippedPolicyLoss(tf.tensor2d([[Math.log(4) - 2, Math.log(1.1) - 2, Math.log(9) - 2]]), tf.tensor2d([[-2, -2, -2]]),
      tf.tensor2d([[-1, -1, -1]]), tf.tensor2d([[1, 1, 0]]), CLIP).clipFracLower));
    assert.equal(frac, 0.5);
  });

  it('masking: padding tokens (mask 0) do not count, whatever their values', () => {
    const v = tf.tidy(() => {
      const logp = tf.tensor2d([[Math.log(1.5) - 2, 50, 50], [Math.log(0.5) - 2, -50, 7]]);
      const old = tf.tensor2d([[-2, 0, 0], [-2, 0, 0]]);
      const adv = tf.tensor2d([[1, 1, 1], [-1, -1, -1]]);
      const mask = tf.tensor2d([[1, 0, 0], [1, 0, 0]]);
      const pl = clippedPolicyLoss(logp, old, adv, mask, CLIP);
      return [scalar(pl.loss), scalar(pl.clipFracHigher), scalar(maskedMean(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 0], [0, 1]])))];
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

  it('the reference is scored at the rollout temperature: an unchanged policy has KL 0 at T 0.6; metrics as EasyR1 names them', () => {
    const cfg = smallConfig();
    const policy = makePolicy(cfg, initParams(cfg, 5), false);
    const ref = cloneParams(policy.params);
    const prompts = [promptInput(cfg, { prompt: 'left?', image: halfImage(true) }), promptInput(cfg, { prompt: 'right?', image: halfImage(false) })];
    // By hand: the reference's log-probs at T equal log softmax(logits / T) of the same model, not of logits / 1.
    const response = encode('<think>ab</think> \\boxed{1}');
    const batch = trainBatch(cfg, [prompts[0]], [response]);
    const at = (t: number) => tf.tidy(() => Array.from(responseLogProbs(policy.params, cfg, batch, t).logp.dataSync()).slice(0, response.length));
    const refAt06 = referenceLogProbs(ref, policy, [prompts[0]], [response], 4, 0.6)[0];
    refAt06.forEach((v, i) => close(v, at(0.6)[i], 1e-5, `token ${i}`));
    assert.ok(at(1).some((v, i) => Math.abs(v - refAt06[i]) > 1e-3), 'T 1 and T 0.6 differ (the test can tell them apart)');
    // One mini-batch, one epoch: the loss is taken before any update, so policy = reference = sampler.
    const r = grpoStep(policy, ref, prompts, (_i, text) => ({ reward: text.length % 2, accuracy: 0, format: 0, answer: null }), {
      n: 4, miniBatchPrompts: 2, ppoEpochs: 1, sampling: { temperature: 0.6, topP: 1, maxTokens: 10 },
      clip: CLIP, klCoef: 0.1, klPenalty: 'low_var_kl', adam: { lr: 1e-3, weightDecay: 0, maxGradNorm: 1 },
    }, new Rng(3));
    close(r.metrics[METRICS.klLoss], 0, 1e-6, 'KL to an identical reference at the same temperature');
    close(r.metrics[METRICS.ppoKl], 0, 1e-5, 'the sampler\'s log-probs match the policy\'s at T 0.6');
    assert.equal(r.metrics[METRICS.clipFracLower], 0);
    assert.equal(r.metrics[METRICS.clipFrac], r.metrics[METRICS.clipFracHigher] + r.metrics[METRICS.clipFracLower]);
    // The built-in trainer's clip fractions read exactly as EasyR1's do through the EasyR1 adapter.
    const mapped = mapEasyR1({ [METRICS.clipFracHigher]: r.metrics[METRICS.clipFracHigher], [METRICS.clipFracLower]: r.metrics[METRICS.clipFracLower] });
    assert.equal(mapped[METRICS.clipFrac], r.metrics[METRICS.clipFrac]);
    disposeParams(policy.params);
    disposeParams(ref);
  });
});
