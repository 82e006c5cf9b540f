// Trainer benchmark (`npx tsx bench/trainer/run.ts [--rounds N]`): in one run, this machine's reference sgemm rate
// (OpenBLAS 1024³, compiled here with gcc, when libopenblas-dev is installed) and, for the trainer's `small` model on
// real merged tasks after a short warm-up, per backend configuration (each in its own process, the order
// alternating between rounds so a change in the machine's load hits every configuration alike):
//   native          the gcc-built kernels without OpenBLAS — what a fresh machine gets (S2T_OPENBLAS=0), both cores
//   native 1 thread the same on one core (S2T_THREADS=1): what the second core adds
//   native+openblas the same kernels with OpenBLAS matmuls (when installed)
//   plain wasm      no native code (S2T_NATIVE=0): the fallback, and the baseline the ratios are taken against
// SFT step time; sampling tokens/s with the KV cache; seconds per GRPO iteration of 32 completions (4 prompts × 8,
// sampling / reference / update); one update's matmul FLOPs and their rate over the update's wall time; and where
// the update's time goes by kernel class (matmul, softmax, layer norm, element-wise, copies) in the forward and
// the gradient pass. The last line is the headline.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

type Split = Record<string, [number, number]>; // class → [forward s, gradient s]
interface Measure {
  backend: string;
  threads: number;
  sftSeconds: number;
  responseLength: number;
  sampleTokensPerSec: number;
  sampleTokensPerSecStaged: number;
  grpoSeconds: number;
  genSeconds: number;
  refSeconds: number;
  updateSeconds: number;
  update1Seconds: number;
  updateGflop: number;
  split: Split;
}

const STEPS_WARMUP = 40;
const ITERATIONS = 4;
const CLASSES = ['matmul', 'softmax', 'layer norm', 'element-wise', 'copies'] as const;
const COPY_KERNELS = new Set(['Transpose', 'Reshape', 'Concat', 'Slice', 'Tile', 'GatherV2', 'OneHot', 'Cast', 'Identity', 'Pad', 'Fill', 'ZerosLike', 'OnesLike', 'Pack', 'Unpack', 'SplitV']);

async function measure(): Promise<Measure> {
  const { initBackend, tf } = await import('../../trainer/backend');
  const { nativeModel } = await import('../../trainer/model/nativeVlm');
  const { modelConfigOf } = await import('../../trainer/model/config');
  const { initParams, responseLogProbs } = await import('../../trainer/model/vlm');
  const { promptInput, trainBatch } = await import('../../trainer/model/batch');
  const { sample } = await import('../../trainer/model/sampling');
  const { encode, EOS } = await import('../../trainer/model/tokenizer');
  const { makePolicy, cloneParams, lossAndGrads, applyGrads } = await import('../../trainer/algo/policy');
  const { sftStep } = await import('../../trainer/algo/sft');
  const { grpoStep } = await import('../../trainer/algo/grpo');
  const { taskGenerator, scoreResponse } = await import('../../trainer/tasks/index');
  const { Rng } = await import('../../trainer/util/rng');
  const { resolveRecipe } = await import('../../protocol/recipe');

  const info = await initBackend();
  const native = nativeModel();
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
  const sftSeconds = (performance.now() - t0) / 1000 / STEPS_WARMUP;

  // Kernel classes: the native kernels keep their own counters; on wasm every tfjs kernel is wrapped and
  // attributed by name and by the op scope it runs in ('layerNorm', 'softmax__op', the gradient pass's 'backward').
  const wasmSplit: Split = Object.fromEntries(CLASSES.map((c) => [c, [0, 0]]));
  let wasmFlops = 0;
  if (!native) {
    const engine = tf.engine() as unknown as { state: { scopeStack: { name: string }[] } };
    for (const k of tf.getKernelsForBackend(tf.getBackend())) {
      tf.unregisterKernel(k.kernelName, k.backendName);
      tf.registerKernel({
        ...k,
        kernelFunc: (args) => {
          const scopes = engine.state.scopeStack.map((s) => s.name);
          const phase = scopes.includes('backward') ? 1 : 0;
          const cls = k.kernelName === 'BatchMatMul' ? 'matmul' : scopes.includes('layerNorm') ? 'layer norm'
            : k.kernelName === 'Softmax' || scopes.some((s) => /^(log)?[sS]oftmax__op$/.test(s)) ? 'softmax'
            : COPY_KERNELS.has(k.kernelName) ? 'copies' : 'element-wise';
          if (k.kernelName === 'BatchMatMul') {
            const { a, b } = args.inputs as unknown as { a: { shape: number[] }; b: { shape: number[] } };
            const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
            const ra = a.shape.length;
            const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
            const kk = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
            const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
            const batch = Math.max(a.shape.slice(0, -2).reduce((x, y) => x * y, 1), b.shape.slice(0, -2).reduce((x, y) => x * y, 1));
            wasmFlops += 2 * batch * m * kk * n;
          }
          const t = performance.now();
          const out = k.kernelFunc(args);
          wasmSplit[cls][phase] += (performance.now() - t) / 1000;
          return out;
        },
      });
    }
  }
  const resetProfile = () => {
    native?.profile(true);
    for (const c of CLASSES) wasmSplit[c] = [0, 0];
    wasmFlops = 0;
  };
  const readProfile = (): { split: Split; flops: number } => {
    if (!native) return { split: structuredClone(wasmSplit), flops: wasmFlops };
    const p = native.profile(true);
    return { split: Object.fromEntries(CLASSES.map((c, i) => [c, [p[i], p[CLASSES.length + i]]])), flops: p[2 * CLASSES.length] };
  };

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

  // One update (forward + gradient + AdamW over 32 sampled rows) timed alone under the profile; the best of as many
  // repetitions as fit in 5 s (at least 3): on a machine shared with other jobs, the quietest one.
  const updatePrompts = Array.from({ length: 4 }, () => gen.sample(rng)).map((e) => promptInput(cfg, e));
  const rollouts = sample(policy.params, cfg, updatePrompts, 8, opts.sampling, rng);
  const rows = rollouts.flatMap((g, i) => g.map((r) => ({ p: updatePrompts[i], r })));
  const batch = trainBatch(cfg, rows.map((x) => x.p), rows.map((x) => x.r.tokens));
  let best: { seconds: number; split: Split; flops: number } | undefined;
  const until = performance.now() + 5000;
  for (let rep = 0; rep < 3 || performance.now() < until; rep++) {
    resetProfile();
    const t = performance.now();
    const { grads } = lossAndGrads(policy, (p) => ({ loss: tf.neg(tf.mean(responseLogProbs(p, cfg, batch).logp)), aux: {} }), batch.imageTokens > 0);
    applyGrads(policy, grads, { ...adam, lr: 0 });
    const seconds = (performance.now() - t) / 1000;
    const prof = readProfile();
    if (!best || seconds < best.seconds) best = { seconds, ...prof };
  }

  // Sampling throughput with the KV cache: the iteration's shape (4 prompts × 8) and the staged example's (16 × 8).
  const sampleRate = (prompts: number) => {
    const ps = Array.from({ length: prompts }, () => gen.sample(rng)).map((e) => promptInput(cfg, e));
    sample(policy.params, cfg, ps, 8, opts.sampling, new Rng(8)); // warm
    const t = performance.now();
    const out = sample(policy.params, cfg, ps, 8, opts.sampling, new Rng(9));
    return out.flat().reduce((a, r) => a + r.tokens.length, 0) / ((performance.now() - t) / 1000);
  };
  return {
    backend: info.label, threads: native?.threads() ?? 1, sftSeconds, responseLength: len / ITERATIONS,
    sampleTokensPerSec: sampleRate(4), sampleTokensPerSecStaged: sampleRate(16),
    grpoSeconds: grpo / ITERATIONS, genSeconds: genS / ITERATIONS, refSeconds: refS / ITERATIONS, updateSeconds: upd / ITERATIONS,
    update1Seconds: best!.seconds, updateGflop: best!.flops / 1e9, split: best!.split,
  };
}

/** This machine's sgemm rate (1024³, best of 10) on OpenBLAS, on 1 thread and on every core. */
function blasReference(): { oneThread: number; allThreads: number; threads: number } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 's2t-bench-'));
  try {
    const exe = join(dir, 'sgemm');
    const cc = spawnSync('gcc', ['-O2', join(__dirname, 'sgemm.c'), '-o', exe, '-lopenblas'], { encoding: 'utf8' });
    if (cc.status !== 0) return undefined;
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  if (process.argv.includes('--measure')) {
    console.log = console.warn = (...x: unknown[]) => process.stderr.write(x.join(' ') + '\n');
    process.stdout.write(JSON.stringify(await measure()) + '\n');
    return;
  }
  const i = process.argv.indexOf('--rounds');
  const rounds = i > 0 ? Number(process.argv[i + 1]) : 1;
  console.log(`load average at start: ${load()} (${cpus().length} cores)`);
  const blas = blasReference();
  console.log(blas
    ? `reference sgemm (OpenBLAS 1024³): ${blas.oneThread.toFixed(1)} GFLOP/s on 1 thread, ${blas.allThreads.toFixed(1)} GFLOP/s on ${blas.threads} threads`
    : 'reference sgemm: OpenBLAS not installed (libopenblas-dev); the matmul rate is given in GFLOP/s only');
  const configs: [string, Record<string, string>][] = [
    ['native', { S2T_OPENBLAS: '0' }],
    ['native 1 thread', { S2T_OPENBLAS: '0', S2T_THREADS: '1' }],
    ...(blas ? [['native+openblas', {}] as [string, Record<string, string>]] : []),
    ['plain wasm', { S2T_NATIVE: '0' }],
  ];
  const results = new Map<string, Measure[]>(configs.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, env] of r % 2 ? [...configs].reverse() : configs) {
      const m = child({ ...env, S2T_BACKEND: process.env.S2T_BACKEND ?? '' });
      results.get(name)!.push(m);
      console.log(`round ${r + 1} ${name}: ${m.grpoSeconds.toFixed(3)} s per GRPO iteration (load ${load()})`);
    }
  }
  const med = (name: string, f: (m: Measure) => number) => median(results.get(name)!.map(f));
  const blasRate = blas?.allThreads;
  for (const [name] of configs) {
    const m = results.get(name)![0];
    const rate = med(name, (x) => x.updateGflop / x.update1Seconds);
    console.log(`\n[${name}] backend ${m.backend}, ${m.threads} thread(s), mean response ${m.responseLength.toFixed(1)} tokens; medians of ${rounds} round(s)`);
    console.log(`  SFT step (32 examples): ${med(name, (x) => x.sftSeconds).toFixed(3)} s`);
    console.log(`  sampling with the KV cache: ${med(name, (x) => x.sampleTokensPerSec).toFixed(0)} tokens/s (4 prompts × 8), ${med(name, (x) => x.sampleTokensPerSecStaged).toFixed(0)} tokens/s (16 × 8)`);
    console.log(`  GRPO iteration of 32 completions (4 prompts × 8): ${med(name, (x) => x.grpoSeconds).toFixed(3)} s (sampling ${med(name, (x) => x.genSeconds).toFixed(3)}, reference ${med(name, (x) => x.refSeconds).toFixed(3)}, update ${med(name, (x) => x.updateSeconds).toFixed(3)})`);
    console.log(`  one update (best of repeats): ${med(name, (x) => x.update1Seconds).toFixed(3)} s, ${m.updateGflop.toFixed(2)} GFLOP of matmuls at ${rate.toFixed(1)} GFLOP/s${blasRate ? ` = ${(rate / blasRate).toFixed(3)} of the ${blas!.threads}-thread BLAS rate` : ''}`);
    const split = m.split;
    const wall = m.update1Seconds;
    const counted = CLASSES.reduce((a, c) => a + split[c][0] + split[c][1], 0);
    console.log(`  where one update's ${wall.toFixed(3)} s go (forward / gradient pass):`);
    for (const c of CLASSES) console.log(`    ${c.padEnd(13)} ${split[c][0].toFixed(4)} / ${split[c][1].toFixed(4)} s  (${(100 * (split[c][0] + split[c][1]) / wall).toFixed(1)} %)`);
    console.log(`    ${'rest'.padEnd(13)} ${(wall - counted).toFixed(4)} s  (${(100 * (wall - counted) / wall).toFixed(1)} %: tfjs loss and AdamW kernels, JS, copies in and out)`);
  }
  console.log(`\nload average at end: ${load()}`);
  const base = (f: (m: Measure) => number) => med('plain wasm', f);
  // The native kernels skip padding and share each prompt's computation across its responses, so the same update
  // executes fewer FLOPs than tfjs does; the effective rate counts the tfjs path's FLOPs for it.
  const wasmFlop = base((x) => x.updateGflop);
  const head = (name: string) => {
    const g = med(name, (x) => x.grpoSeconds);
    const t = med(name, (x) => x.update1Seconds);
    const rate = med(name, (x) => x.updateGflop) / t;
    const of = (r: number) => (blasRate ? `${(r / blasRate).toFixed(2)} of the BLAS rate` : `${r.toFixed(1)} GFLOP/s`);
    return `${name} ${g.toFixed(3)} s per GRPO iteration (${(base((x) => x.grpoSeconds) / g).toFixed(1)}× plain wasm; goal ≤ 0.15), ` +
      `update matmuls at ${of(rate)}, effective ${of(wasmFlop / t)} (${wasmFlop.toFixed(1)} GFLOP as tfjs computes the update; goal ≥ 0.5), ` +
      `sampling ${med(name, (x) => x.sampleTokensPerSec).toFixed(0)} tokens/s (goal ≥ 20000)`;
  };
  if (blas) console.log(head('native+openblas'));
  console.log(head('native'));
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
