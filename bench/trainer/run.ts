// Trainer benchmark (`npx tsx bench/trainer/run.ts`): in one run, measures the machine's reference sgemm rate
// (Debian OpenBLAS, compiled here with gcc) and, with the trainer's `small` model on real merged tasks after a
// short warm-up: the GFLOP/s its matmuls achieve inside a GRPO update, sampling tokens/s with and without the
// KV cache, and seconds per GRPO iteration of 32 completions — for the default backend (wasm + native BLAS
// when it builds) and plain wasm. The last line is the headline: achieved / reference BLAS rate.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';

interface Measure {
  backend: string;
  params: number;
  warmupSeconds: number;
  responseLength: number;
  sampleTokensPerSecCached: number;
  sampleTokensPerSecUncached: number;
  grpoSeconds: number;
  genSeconds: number;
  refSeconds: number;
  updateSeconds: number;
  updateGflop: number;
  updateGflops: number;
}

const STEPS_WARMUP = 40;
const ITERATIONS = 4;

async function measure(): Promise<Measure> {
  const { initBackend, tf } = await import('../../trainer/backend');
  const { modelConfigOf } = await import('../../trainer/model/config');
  const { initParams, countParams, prefill, disposeCache, responseLogProbs } = await import('../../trainer/model/vlm');
  const { promptInput, promptBatch, trainBatch } = await import('../../trainer/model/batch');
  const { sample } = await import('../../trainer/model/sampling');
  const { encode, EOS } = await import('../../trainer/model/tokenizer');
  const { makePolicy, cloneParams, lossAndGrads, applyGrads } = await import('../../trainer/algo/policy');
  const { sftStep } = await import('../../trainer/algo/sft');
  const { grpoStep } = await import('../../trainer/algo/grpo');
  const { taskGenerator, scoreResponse } = await import('../../trainer/tasks/index');
  const { Rng } = await import('../../trainer/util/rng');
  const { resolveRecipe } = await import('../../protocol/recipe');

  const info = await initBackend();
  const recipe = resolveRecipe({ name: 'bench', model: { preset: 'small' }, stages: [{ id: 's', kind: 'merged', steps: 1, algorithm: { max_response_length: 48 } }] });
  const cfg = modelConfigOf(recipe);
  const policy = makePolicy(cfg, initParams(cfg, 1), false);
  const gen = taskGenerator('merged', { imageSize: cfg.imageSize, maxPromptLength: cfg.maxPromptLength, maxResponseLength: 47, lengthOf: (t) => encode(t).length });
  const rng = new Rng(3);
  const adam = { lr: 2e-3, weightDecay: 0.01, maxGradNorm: 1 };

  // A short warm-up so responses have realistic lengths (a random model always runs to the maximum).
  let t0 = performance.now();
  for (let i = 0; i < STEPS_WARMUP; i++) {
    sftStep(policy, Array.from({ length: 32 }, () => gen.sample(rng)).map((e) => ({ prompt: promptInput(cfg, e), response: [...encode(e.demonstration), EOS] })), adam);
  }
  const warmupSeconds = (performance.now() - t0) / 1000;

  // Count matmul FLOPs by wrapping whatever BatchMatMul kernel the backend runs.
  const kernel = tf.getKernel('BatchMatMul', tf.getBackend())!;
  let flops = 0;
  tf.unregisterKernel('BatchMatMul', tf.getBackend());
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as unknown as { a: { shape: number[] }; b: { shape: number[] } };
      const { transposeA } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const ra = a.shape.length;
      const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const n = (args.attrs as { transposeB: boolean }).transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      const batch = Math.max(a.shape.slice(0, -2).reduce((x, y) => x * y, 1), b.shape.slice(0, -2).reduce((x, y) => x * y, 1));
      flops += 2 * batch * m * k * n;
      return kernel.kernelFunc(args);
    },
  });

  const ref = cloneParams(policy.params);
  const opts = {
    n: 8, miniBatchPrompts: 4, ppoEpochs: 1, sampling: { temperature: 1, topP: 1, maxTokens: 48 },
    clip: { low: 0.2, high: 0.3, dual: 3 }, klCoef: 0.02, klPenalty: 'low_var_kl' as const, adam: { ...adam, lr: 1e-4 },
  };
  const reward = recipe.stages[0].reward;
  let grpo = 0, genS = 0, refS = 0, upd = 0, len = 0;
  for (let it = 0; it <= ITERATIONS; it++) {
    const examples = Array.from({ length: 4 }, () => gen.sample(rng));
    const prompts = examples.map((e) => promptInput(cfg, e));
    t0 = performance.now();
    const r = grpoStep(policy, ref, prompts, (i, text) => {
      const s = scoreResponse(text, examples[i].answer, reward);
      return { reward: s.overall, accuracy: s.accuracy, format: s.format, answer: s.answer };
    }, opts, rng);
    const total = (performance.now() - t0) / 1000;
    if (it === 0) continue; // the first iteration warms kernels and caches
    grpo += total;
    genS += r.metrics['timing_s/gen'];
    refS += r.metrics['timing_s/ref'];
    upd += r.metrics['timing_s/update'];
    len += r.metrics['response_length/mean'];
  }
  // The update's matmul FLOPs and rate: one update (forward + backward + AdamW over the 32 sampled rows, as
  // in the iterations above) timed alone under the FLOP counter.
  const updatePrompts = Array.from({ length: 4 }, () => gen.sample(rng)).map((e) => promptInput(cfg, e));
  const rollouts = sample(policy.params, cfg, updatePrompts, 8, opts.sampling, rng);
  const rows = rollouts.flatMap((g, i) => g.map((r) => ({ p: updatePrompts[i], r })));
  const batch = trainBatch(cfg, rows.map((x) => x.p), rows.map((x) => x.r.tokens));
  let updateSeconds = Infinity;
  let updateFlop = 0;
  for (let rep = 0; rep < 3; rep++) {
    flops = 0;
    const t = performance.now();
    const { grads } = lossAndGrads(policy, (p) => ({ loss: tf.neg(tf.mean(responseLogProbs(p, cfg, batch).logp)), aux: {} }), batch.imageTokens > 0);
    applyGrads(policy, grads, { ...adam, lr: 0 });
    updateSeconds = Math.min(updateSeconds, (performance.now() - t) / 1000);
    updateFlop = flops;
  }

  // Sampling throughput, with the KV cache and by recomputing the whole sequence for every token.
  const prompts = Array.from({ length: 4 }, () => gen.sample(rng)).map((e) => promptInput(cfg, e));
  t0 = performance.now();
  const cached = sample(policy.params, cfg, prompts, 8, { temperature: 1, topP: 1, maxTokens: 48 }, new Rng(9));
  const cachedS = (performance.now() - t0) / 1000;
  const cachedTokens = cached.flat().reduce((a, r) => a + r.tokens.length, 0);
  t0 = performance.now();
  let uncachedTokens = 0;
  {
    const rows = prompts.flatMap((p) => Array.from({ length: 8 }, () => ({ ...p, tokens: [...p.tokens] })));
    const maxLen = Math.max(...cached.flat().map((r) => r.tokens.length));
    for (let step = 0; step < maxLen; step++) {
      const out = prefill(policy.params, cfg, promptBatch(cfg, rows));
      const logits = out.logits.dataSync() as Float32Array;
      disposeCache(out.cache);
      out.logits.dispose();
      rows.forEach((r, i) => {
        let best = 0;
        for (let v = 1; v < cfg.vocabSize; v++) if (logits[i * cfg.vocabSize + v] > logits[i * cfg.vocabSize + best]) best = v;
        r.tokens.push(best);
      });
      uncachedTokens += rows.length;
    }
  }
  const uncachedS = (performance.now() - t0) / 1000;
  return {
    backend: info.label, params: countParams(policy.params), warmupSeconds, responseLength: len / ITERATIONS,
    sampleTokensPerSecCached: cachedTokens / cachedS, sampleTokensPerSecUncached: uncachedTokens / uncachedS,
    grpoSeconds: grpo / ITERATIONS, genSeconds: genS / ITERATIONS, refSeconds: refS / ITERATIONS, updateSeconds: upd / ITERATIONS,
    updateGflop: updateFlop / 1e9, updateGflops: updateFlop / updateSeconds / 1e9,
  };
}

function blasReference(): { oneThread: number; allThreads: number; threads: number } {
  const dir = mkdtempSync(join(tmpdir(), 's2t-bench-'));
  try {
    const exe = join(dir, 'sgemm');
    const cc = spawnSync('gcc', ['-O2', join(__dirname, 'sgemm.c'), '-o', exe, '-lopenblas'], { encoding: 'utf8' });
    if (cc.status !== 0) {
      throw new Error(`cannot build the OpenBLAS reference (needs gcc and libopenblas-dev: apt-get install gcc libopenblas-dev):\n${cc.stderr || cc.error?.message}`);
    }
    const run = (threads: number) => {
      const r = spawnSync(exe, ['1024', '1024', '1024', '10'], {
        encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? 'SkylakeX', OPENBLAS_NUM_THREADS: String(threads) },
      });
      const m = /GFLOPS ([\d.]+)/.exec(r.stdout);
      if (!m) throw new Error(`sgemm reference failed: ${r.stderr}`);
      return Number(m[1]);
    };
    const threads = cpus().length;
    return { oneThread: run(1), allThreads: run(threads), threads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(env: Record<string, string>): Measure {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--measure'], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`measurement failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Measure;
}

async function main(): Promise<void> {
  if (process.argv.includes('--measure')) {
    console.log = console.warn = (...x: unknown[]) => process.stderr.write(x.join(' ') + '\n');
    process.stdout.write(JSON.stringify(await measure()) + '\n');
    return;
  }
  if (!existsSync(join(__dirname, 'sgemm.c'))) throw new Error('bench/trainer/sgemm.c is missing');
  const blas = blasReference();
  console.log(`reference sgemm (OpenBLAS 1024³): ${blas.oneThread.toFixed(1)} GFLOP/s on 1 thread, ${blas.allThreads.toFixed(1)} GFLOP/s on ${blas.threads} threads`);
  const configs: [string, Record<string, string>][] = [['default', {}], ['wasm only', { S2T_NATIVE_BLAS: '0' }]];
  const results = configs.map(([name, env]) => ({ name, m: child({ ...env, S2T_BACKEND: process.env.S2T_BACKEND ?? '' }) }));
  for (const { name, m } of results) {
    console.log(`\n[${name}] backend ${m.backend}, ${m.params} parameters, mean response ${m.responseLength.toFixed(1)} tokens (after ${STEPS_WARMUP} SFT steps, ${m.warmupSeconds.toFixed(1)} s)`);
    console.log(`  sampling: ${m.sampleTokensPerSecCached.toFixed(0)} tokens/s with the KV cache, ${m.sampleTokensPerSecUncached.toFixed(0)} tokens/s recomputing (x${(m.sampleTokensPerSecCached / m.sampleTokensPerSecUncached).toFixed(1)})`);
    console.log(`  GRPO iteration of 32 completions (4 prompts x 8): ${m.grpoSeconds.toFixed(3)} s (sampling ${m.genSeconds.toFixed(3)}, reference ${m.refSeconds.toFixed(3)}, update ${m.updateSeconds.toFixed(3)})`);
    console.log(`  update: ${m.updateGflop.toFixed(2)} GFLOP of matmuls at ${m.updateGflops.toFixed(1)} GFLOP/s = ${(100 * m.updateGflops / blas.allThreads).toFixed(1)} % of the ${blas.threads}-thread BLAS rate`);
  }
  const best = results[0].m;
  console.log(`\nbaseline (prototype on this machine): wasm ~8 % of OpenBLAS, ~1.2 s per GRPO iteration of 32 completions`);
  console.log(`achieved / BLAS in the GRPO update: ${(best.updateGflops / blas.allThreads).toFixed(3)} (${best.updateGflops.toFixed(1)} / ${blas.allThreads.toFixed(1)} GFLOP/s, ${best.backend}), ${best.grpoSeconds.toFixed(2)} s per GRPO iteration`);
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
