// The VLM's invariants: KV-cache sampling log-probs equal a full forward pass, padding and batch company
// never change a row's scores, the explicit-transpose matmul gradient equals tf.matMul's, tensors do not
// leak across steps, checkpoints round-trip, and the tokenizer's markers are single tokens.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { backend, smallConfig, halfImage, randomImage } from './helpers';
import { Rng } from '../../trainer/util/rng';
import { initParams, responseLogProbs, disposeParams } from '../../trainer/model/vlm';
import { promptInput, trainBatch } from '../../trainer/model/batch';
import { sample } from '../../trainer/model/sampling';
import { encode, decode, EOS, VOCAB_SIZE } from '../../trainer/model/tokenizer';
import { mmTransposeFree, linear, layerNorm, gelu } from '../../trainer/model/ops';
import { makePolicy } from '../../trainer/algo/policy';
import { sftStep } from '../../trainer/algo/sft';
import { grpoStep } from '../../trainer/algo/grpo';
import { saveCheckpoint, loadCheckpoint } from '../../trainer/model/checkpoint';

describe('built-in VLM', () => {
  before(backend);
  const cfg = smallConfig();

  it('KV-cache log-probs of sampled responses equal a full forward pass (with and without images)', () => {
    const params = initParams(cfg, 7);
    const rng = new Rng(11);
    const prompts = [
      promptInput(cfg, { prompt: 'What colour is the left half?', image: halfImage(true) }),
      promptInput(cfg, { prompt: 'Add 2 and 3.' }),
      promptInput(cfg, { prompt: 'Count.', image: randomImage(rng) }),
    ];
    for (const temperature of [1, 0.7]) {
      const groups = sample(params, cfg, prompts, 3, { temperature, topP: 0.9, maxTokens: 20 }, rng);
      const rows = groups.flatMap((g, i) => g.map((r) => ({ prompt: prompts[i], r })));
      const batch = trainBatch(cfg, rows.map((x) => x.prompt), rows.map((x) => x.r.tokens));
      const full = tf.tidy(() => responseLogProbs(params, cfg, batch, temperature).logp.arraySync() as number[][]);
      let worst = 0;
      rows.forEach((x, i) => x.r.logprobs.forEach((lp, j) => (worst = Math.max(worst, Math.abs(lp - full[i][j])))));
      assert.ok(worst < 1e-4, `max |cached − full| = ${worst} at temperature ${temperature}`);
    }
    disposeParams(params);
  });

  it("padding and the other rows of a batch do not change a row's log-probs; only response tokens are scored", () => {
    const params = initParams(cfg, 3);
    const a = promptInput(cfg, { prompt: 'Hi', image: halfImage(false) });
    const b = promptInput(cfg, { prompt: 'A much longer prompt with more tokens in it' });
    const resp = [...encode('<think>x</think> \\boxed{1}'), EOS];
    const alone = trainBatch(cfg, [a], [resp]);
    const padded = trainBatch(cfg, [a, b], [resp, [...resp, ...resp.slice(0, -1), EOS]]);
    assert.equal(padded.mask.slice(0, padded.responseLen).reduce((x, y) => x + y, 0), resp.length, 'mask = response tokens only');
    const [l1, l2] = tf.tidy(() => [
      responseLogProbs(params, cfg, alone).logp.arraySync() as number[][],
      responseLogProbs(params, cfg, padded).logp.arraySync() as number[][],
    ]);
    for (let j = 0; j < resp.length; j++) assert.ok(Math.abs(l1[0][j] - l2[0][j]) < 1e-5, `token ${j}: ${l1[0][j]} vs ${l2[0][j]}`);
    disposeParams(params);
  });

  it('mm: the explicit-transpose gradient equals tf.matMul gradients (rank 2 and batched)', () => {
    const rng = new Rng(5);
    const r = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((x, y) => x * y) }, () => rng.next() - 0.5), shape);
    for (const [as, bs] of [[[3, 4], [4, 5]], [[2, 3, 4], [2, 4, 6]]]) {
      const a = r(as);
      const b = r(bs);
      const w = r([...as.slice(0, -1), bs[bs.length - 1]]);
      const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mmTransposeFree(x, y), w)))([a, b]);
      const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)))([a, b]);
      for (let k = 0; k < 2; k++) {
        const d = tf.max(tf.abs(tf.sub(ours[k], ref[k]))).dataSync()[0];
        assert.ok(d < 1e-6, `grad ${k} differs by ${d}`);
      }
    }
  });

  it('fused gradients of linear, layer norm and GELU equal autodiff of their plain formulas', () => {
    const rng = new Rng(6);
    const r = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((x, y) => x * y) }, () => rng.next() * 2 - 1), shape);
    const x = r([2, 5, 6]);
    const w = r([6, 4]);
    const b = r([4]);
    const g = r([6]);
    const beta = r([6]);
    const up = r([2, 5, 4]);
    const up6 = r([2, 5, 6]);
    const plainLn = (v: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const mean = tf.mean(v, -1, true);
      const variance = tf.mean(tf.square(tf.sub(v, mean)), -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(v, mean), tf.sqrt(tf.add(variance, 1e-5))), gg), bb);
    };
    const pairs: [string, tf.Tensor[], (...t: tf.Tensor[]) => tf.Tensor, (...t: tf.Tensor[]) => tf.Tensor][] = [
      ['linear', [x, w, b], (a, c, d) => tf.sum(tf.mul(linear(a, c, d), up)), (a, c, d) => tf.sum(tf.mul(tf.add(tf.matMul(tf.reshape(a, [10, 6]), c), d), tf.reshape(up, [10, 4])))],
      ['layerNorm', [x, g, beta], (a, c, d) => tf.sum(tf.mul(layerNorm(a, c, d), up6)), (a, c, d) => tf.sum(tf.mul(plainLn(a, c, d), up6))],
      ['gelu', [x], (a) => tf.sum(tf.mul(gelu(a), up6)), (a) => tf.sum(tf.mul(tf.mul(a, tf.sigmoid(tf.mul(a, 1.702))), up6))],
    ];
    for (const [name, inputs, fused, plain] of pairs) {
      const gf = tf.grads(fused)(inputs);
      const gp = tf.grads(plain)(inputs);
      gf.forEach((t, i) => {
        const d = tf.max(tf.abs(tf.sub(t, gp[i]))).dataSync()[0];
        assert.ok(d < 1e-4, `${name} grad ${i} differs by ${d}`);
      });
    }
  });

  it('matMul on this backend (native BLAS when built) equals a plain JS product: batched, transposed, broadcast', () => {
    const rng = new Rng(8);
    const arr = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true], [[7, 5], [3, 7], true, true],
      [[4, 6, 8], [4, 8, 5], false, false], [[4, 8, 6], [4, 5, 8], true, true], [[4, 6, 8], [8, 5], false, false], [[2, 3, 6, 8], [2, 3, 8, 4], false, false],
    ];
    for (const [as, bs, ta, tb] of cases) {
      const a = arr(as.reduce((x, y) => x * y));
      const b = arr(bs.reduce((x, y) => x * y));
      const got = tf.tidy(() => tf.matMul(tf.tensor(a, as), tf.tensor(b, bs), ta, tb).dataSync() as Float32Array);
      const m = ta ? as[as.length - 1] : as[as.length - 2];
      const k = ta ? as[as.length - 2] : as[as.length - 1];
      const n = tb ? bs[bs.length - 2] : bs[bs.length - 1];
      const batch = Math.max(as.slice(0, -2).reduce((x, y) => x * y, 1), bs.slice(0, -2).reduce((x, y) => x * y, 1));
      const aB = as.length > 2 ? m * k : 0;
      const bB = bs.length > 2 ? k * n : 0;
      for (let q = 0; q < batch; q++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let want = 0;
            for (let c = 0; c < k; c++) want += a[q * aB + (ta ? c * m + i : i * k + c)] * b[q * bB + (tb ? j * k + c : c * n + j)];
            assert.ok(Math.abs(got[q * m * n + i * n + j] - want) < 1e-5, `${as}×${bs} ${ta}/${tb} [${q},${i},${j}]`);
          }
        }
      }
    }
  });

  it('training and sampling steps leak no tensors', () => {
    const params = initParams(cfg, 1);
    const policy = makePolicy(cfg, params, false);
    const rng = new Rng(2);
    const prompts = [promptInput(cfg, { prompt: 'left?', image: halfImage(true) }), promptInput(cfg, { prompt: '1+1' })];
    const ex = prompts.map((p) => ({ prompt: p, response: [...encode('<think>a</think> \\boxed{2}'), EOS] }));
    const ref = initParams(cfg, 1);
    const score = (_: number, text: string) => ({ reward: text.length % 3 / 2, accuracy: 0, format: 0, answer: null });
    const opts = {
      n: 4, miniBatchPrompts: 1, ppoEpochs: 2, sampling: { temperature: 1, topP: 1, maxTokens: 12 },
      clip: { low: 0.2, high: 0.3, dual: 3 }, klCoef: 0.01, klPenalty: 'low_var_kl' as const, adam: { lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1 },
    };
    sftStep(policy, ex, opts.adam);
    grpoStep(policy, ref, prompts, score, opts, rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      sftStep(policy, ex, opts.adam);
      grpoStep(policy, ref, prompts, score, opts, rng);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('a checkpoint round-trips weights, optimizer moments and metadata', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-ckpt-'));
    try {
      const policy = makePolicy(cfg, initParams(cfg, 9), true);
      sftStep(policy, [{ prompt: promptInput(cfg, { prompt: 'x' }), response: [...encode('ok'), EOS] }], { lr: 1e-2, weightDecay: 0, maxGradNorm: 1 });
      saveCheckpoint({ dir, cfg, params: policy.params, adam: policy.adam, meta: { step: 3, stage: 's', time: 'now', parent: null, rng: { train: [1, 2, 3, 4] } } });
      const { meta, params, adam } = loadCheckpoint(dir, { optimizer: true });
      assert.equal(meta.step, 3);
      assert.deepEqual(meta.rng, { train: [1, 2, 3, 4] });
      assert.deepEqual(meta.model, cfg);
      assert.equal(adam!.t, 1);
      assert.ok(!('vis.patch.w' in adam!.m), 'a frozen vision tower has no moments');
      for (const [n, t] of Object.entries(policy.params)) assert.deepEqual(Array.from(params[n].dataSync()), Array.from(t.dataSync()), n);
      for (const [n, t] of Object.entries(policy.adam.v)) assert.deepEqual(Array.from(adam!.v[n].dataSync()), Array.from(t.dataSync()), n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tokenizer: markers are one token each, text round-trips, non-ASCII is a positioned error', () => {
    const text = '<think>3+4=7\n</think> so \\boxed{7}';
    const ids = encode(text);
    assert.equal(decode(ids), text);
    assert.equal(ids.length, text.length - '<think>'.length - '</think>'.length - '\\boxed{'.length + 3);
    assert.ok(ids.every((i) => i > 2 && i < VOCAB_SIZE));
    assert.equal(decode(encode('<thin')), '<thin');
    assert.throws(() => encode('caf\u00e9'), /offset 3/);
  });
});
