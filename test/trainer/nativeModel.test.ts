// The native kernels compute what the tfjs model computes: log-probabilities, entropies and every parameter's
// gradient (checked against tfjs autodiff of vlm.ts), the KV-cache decoder's logits (against vlm.ts prefill and
// decodeStep), for both variants — the built-in sgemm a fresh machine gets and OpenBLAS when installed. The
// built-in variant gives bit-identical results on 1 and 2 threads (so a run reproduces for any thread count),
// and bad arguments are errors, never memory faults.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { backend, smallConfig, halfImage, randomImage } from './helpers';
import { Rng } from '../../trainer/util/rng';
import { type Params, initParams, disposeParams, responseLogProbs, prefill, repeatCache, repeatLogits, decodeStep, disposeCache } from '../../trainer/model/vlm';
import { promptInput, promptBatch, trainBatch } from '../../trainer/model/batch';
import { nativeDecoder, nativeModel, useNativeModel } from '../../trainer/model/nativeVlm';
import { buildNative, type NativeLib } from '../../trainer/native/nativeLib';
import { encode, EOS } from '../../trainer/model/tokenizer';
import { adamInit, adamStep } from '../../trainer/algo/adamw';

const cfg = smallConfig();

/** Three prompts (with and without images, different lengths); with `groups`, the first and last answered
 * several times in a row as a GRPO group is (responses of different lengths, one of a single token). */
function batchOf(rng: Rng, groups = false) {
  const prompts = [
    promptInput(cfg, { prompt: 'What colour is the left half?', image: halfImage(true) }),
    promptInput(cfg, { prompt: 'Add 2 and 3.' }),
    promptInput(cfg, { prompt: 'Count.', image: randomImage(rng) }),
  ];
  const responses = [[...encode('<think>red</think> \\boxed{red}'), EOS], [...encode('5')], [...encode('\\boxed{3}'), EOS]];
  if (!groups) return { prompts, batch: trainBatch(cfg, prompts, responses) };
  const rows = [0, 0, 0, 1, 2, 2];
  const answers = [responses[0], [...encode('blue'), EOS], [EOS], responses[1], responses[2], [...encode('<think>1 2 3 4</think>')]];
  return { prompts, batch: trainBatch(cfg, rows.map((i) => prompts[i]), answers) };
}

/** logp, entropy and the gradient of Σ w·logp + 0.3·Σ entropy at temperature 0.7, on whichever model is routed. */
function scoreAndGrads(params: Params, rng: Rng, groups = false) {
  const { batch } = batchOf(rng, groups);
  const names = Object.keys(params);
  const w = tf.tensor2d(Float32Array.from({ length: batch.size * batch.responseLen }, (_, i) => Math.sin(i) + 0.5), [batch.size, batch.responseLen]);
  const mask = tf.tensor2d(batch.mask, [batch.size, batch.responseLen]);
  const { grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const p = { ...params };
    names.forEach((n, i) => (p[n] = xs[i]));
    const r = responseLogProbs(p, cfg, batch, 0.7);
    return tf.add(tf.sum(tf.mul(tf.mul(r.logp, w), mask)), tf.mul(tf.sum(tf.mul(r.entropy, mask)), 0.3)) as tf.Scalar;
  })(names.map((n) => params[n]));
  const out = tf.tidy(() => responseLogProbs(params, cfg, batch, 0.7));
  const m = batch.mask;
  const pick = (t: tf.Tensor) => Array.from(t.dataSync()).filter((_, i) => m[i] === 1);
  const result = { logp: pick(out.logp), entropy: pick(out.entropy), grads: Object.fromEntries(names.map((n, i) => [n, grads[i].dataSync() as Float32Array])) };
  tf.dispose([w, mask, out.logp, out.entropy, ...grads]);
  return result;
}

function withModel<R>(lib: NativeLib | undefined, f: () => R): R {
  const before = nativeModel();
  useNativeModel(lib);
  try {
    return f();
  } finally {
    useNativeModel(before);
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('native kernels', () => {
  const variants: [string, boolean][] = [['built-in sgemm', false], ['OpenBLAS', true]];
  before(backend);

  for (const [name, openblas] of variants) {
    describe(name, () => {
      let lib: NativeLib;
      before(function () {
        const built = buildNative(openblas);
        if (!built.lib) {
          // Without libopenblas-dev (or gcc, or Node's headers) there is nothing to test here: the trainer runs on
          // what there is. A compile or load error is a failure.
          if (openblas || /no gcc|headers|not found/.test(built.why)) {
            console.log(`      (skipped: ${openblas ? 'OpenBLAS not installed' : built.why})`);
            this.skip();
          }
          throw new Error(built.why);
        }
        lib = built.lib;
      });

      for (const groups of [false, true]) {
        it(`log-probs, entropies and all parameter gradients equal tfjs autodiff of the model${groups ? ' (GRPO groups sharing a prompt)' : ''}`, () => {
        const params = initParams(cfg, 7);
        const ours = withModel(lib, () => scoreAndGrads(params, new Rng(1), groups));
        const ref = withModel(undefined, () => scoreAndGrads(params, new Rng(1), groups));
        assert.ok(maxDiff(ours.logp, ref.logp) < 1e-4, `logp differs by ${maxDiff(ours.logp, ref.logp)}`);
        assert.ok(maxDiff(ours.entropy, ref.entropy) < 1e-4, `entropy differs by ${maxDiff(ours.entropy, ref.entropy)}`);
        for (const [n, g] of Object.entries(ref.grads)) {
          const scale = Math.max(1e-3, maxAbs(g));
          assert.ok(maxDiff(ours.grads[n], g) <= 2e-4 * scale + 1e-6, `${n}: gradient differs by ${maxDiff(ours.grads[n], g)} (largest ${scale})`);
        }
        assert.ok(maxAbs(ours.grads['vis.patch.w']) > 0 && maxAbs(ours.grads['tok.emb']) > 0, 'the image and text paths get gradients');
        disposeParams(params);
        });
      }

      it('the KV-cache decoder gives the logits of the tfjs prefill and decode steps (finished rows skipped)', () => {
        const params = initParams(cfg, 9);
        const { prompts } = batchOf(new Rng(2));
        const batch = promptBatch(cfg, prompts);
        const n = 2;
        const rows = prompts.length * n;
        const dec = nativeDecoder(lib, params, cfg, batch, n, 3);
        let cache = repeatCache(prefill(params, cfg, batch).cache, n);
        let logits = repeatLogits(prefill(params, cfg, batch).logits, prompts.length, n);
        const active = Uint8Array.from({ length: rows }, (_, r) => (r === 3 ? 0 : 1));
        for (let step = 0; step < 3; step++) {
          const want = logits.dataSync() as Float32Array;
          for (let r = 0; r < rows; r++) {
            if (!active[r] && step > 0) continue; // a finished row's logits are not computed (nor read)
            const d = maxDiff(dec.logits.subarray(r * cfg.vocabSize, (r + 1) * cfg.vocabSize), want.subarray(r * cfg.vocabSize, (r + 1) * cfg.vocabSize));
            assert.ok(d < 1e-4, `step ${step} row ${r}: logits differ by ${d}`);
          }
          const tokens = Int32Array.from({ length: rows }, (_, r) => (7 + 5 * r + step) % cfg.vocabSize);
          const positions = Int32Array.from({ length: rows }, (_, r) => prompts[Math.floor(r / n)].tokens.length + step);
          dec.step(tokens, positions, active);
          const next = decodeStep(params, cfg, cache, tokens, positions);
          logits.dispose();
          cache = next.cache;
          logits = next.logits;
        }
        dec.dispose();
        disposeCache(cache);
        logits.dispose();
        disposeParams(params);
      });
    });
  }

  it('the built-in variant gives bit-identical results on 1 and 2 threads', function () {
    const lib = buildNative(false).lib;
    if (!lib) this.skip();
    const params = initParams(cfg, 4);
    const before = lib!.threads();
    try {
      lib!.threads(1);
      const one = withModel(lib, () => scoreAndGrads(params, new Rng(3), true));
      lib!.threads(2);
      const two = withModel(lib, () => scoreAndGrads(params, new Rng(3), true));
      assert.deepEqual(two.logp, one.logp);
      for (const n of Object.keys(one.grads)) assert.ok(Buffer.from(two.grads[n].buffer).equals(Buffer.from(one.grads[n].buffer)), `${n} differs between 1 and 2 threads`);
    } finally {
      lib!.threads(before);
      disposeParams(params);
    }
  });

  it('AdamW in one native call equals the tfjs update (clipping, weight decay, bias correction; a NaN gradient skips)', function () {
    const lib = buildNative(false).lib;
    if (!lib) this.skip();
    const run = (native: boolean) => withModel(native ? lib : undefined, () => {
      const params = initParams(cfg, 8);
      const names = Object.keys(params).filter((n, i) => i % 3 !== 1); // some parameters get no gradient
      const state = adamInit(params, names);
      const rng = new Rng(12);
      const norms: number[] = [];
      for (let step = 0; step < 3; step++) {
        const grads = Object.fromEntries(names.map((n) => [n, tf.tensor(Float32Array.from({ length: params[n].size }, () => (rng.next() - 0.5) * (step + 1)), params[n].shape)]));
        norms.push(adamStep(params, grads, state, { lr: 1e-2, weightDecay: 0.05, maxGradNorm: step === 1 ? 1e9 : 1 }).gradNorm);
        tf.dispose(Object.values(grads));
      }
      const bad = Object.fromEntries(names.map((n) => [n, tf.fill(params[n].shape, NaN)]));
      const skipped = adamStep(params, bad, state, { lr: 1e-2, weightDecay: 0.05, maxGradNorm: 1 }).skipped;
      tf.dispose(Object.values(bad));
      const read = (p: Params) => Object.fromEntries(Object.entries(p).map(([n, t]) => [n, t.dataSync() as Float32Array]));
      return { norms, skipped, t: state.t, params: read(params), m: read(state.m), v: read(state.v) };
    });
    const ours = run(true);
    const ref = run(false);
    assert.equal(ours.skipped, true);
    assert.equal(ours.t, ref.t);
    ours.norms.forEach((n, i) => assert.ok(Math.abs(n - ref.norms[i]) < 1e-4 * ref.norms[i], `norm ${n} vs ${ref.norms[i]}`));
    for (const part of ['params', 'm', 'v'] as const) {
      for (const [n, want] of Object.entries(ref[part])) {
        const d = maxDiff(ours[part][n], want);
        assert.ok(d <= 1e-6 + 1e-5 * maxAbs(want), `${part} ${n} differs by ${d}`);
      }
    }
  });

  it('bad arguments are clear errors (wrong sizes, ids outside the tables, a released handle)', function () {
    const lib = buildNative(false).lib;
    if (!lib) this.skip();
    const params = initParams(cfg, 5);
    const { batch } = batchOf(new Rng(4));
    const c = Int32Array.from([cfg.dModel, cfg.nHeads, cfg.dFf, cfg.nLayers, cfg.visionLayers, cfg.vocabSize, 4, 192, cfg.maxPositions]);
    const total = Array.from(lib!.paramSizes(c)).reduce((a, b) => a + b, 0);
    const flat = new Float32Array(total);
    const dims = Int32Array.from([batch.size, batch.imageTokens, batch.promptLen, batch.textLen, batch.responseLen]);
    const out = () => new Float32Array(batch.size * batch.responseLen);
    const call = (over: { params?: Float32Array; tokens?: Int32Array; dims?: Int32Array }) =>
      lib!.forward(c, over.params ?? flat, over.dims ?? dims, batch.patches, batch.hasImage, over.tokens ?? batch.tokens, batch.positions, batch.valid,
        batch.targets, Int32Array.from({ length: batch.size }, () => 1), 1, true, out(), out());
    assert.throws(() => call({ params: new Float32Array(total - 1) }), /parameters do not match/);
    assert.throws(() => call({ tokens: batch.tokens.map((t, i) => (i === 5 ? 9999 : t)) }), /token id outside the vocabulary/);
    assert.throws(() => call({ dims: Int32Array.from([batch.size + 1, ...dims.slice(1)]) }), /wrong size/);
    const ws = call({})!;
    lib!.release(ws);
    assert.throws(() => lib!.backward(ws, out(), out(), new Float32Array(total)), /not a live forward handle/);
    disposeParams(params);
  });
});
