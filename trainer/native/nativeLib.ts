// The trainer's native kernels (trainer/native/*.c: the model's forward, gradient and KV-cache sampling, a
// blocked SIMD sgemm, a thread pool), compiled on first use with the gcc that is present (-O3 -march=native) and
// cached in ~/.cache/see2think by a hash of the sources, the flags, gcc and the CPU. No system package is
// needed beyond gcc and Node's headers (bundled with Node's own builds); when libopenblas-dev is installed,
// matrix products go to OpenBLAS instead. Anything missing → the trainer runs on plain wasm.
// S2T_NATIVE=0 turns the native kernels off (plain wasm); S2T_OPENBLAS=0 (or S2T_NATIVE_BLAS=0, the name a fresh
// machine's measurements use) builds them without OpenBLAS, as on a machine without libopenblas-dev; S2T_THREADS sets the pool's threads (default: every core).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface NativeLib {
  /** Each parameter tensor's element count, in paramShapes order, for a config [d, H, ff, L, LV, V, P, pd, maxPos]. */
  paramSizes(cfg: Int32Array): Float64Array;
  /** logp/entropy [B·R] of the targets (0 past each row's rlen); with keep, the state backward() needs. */
  forward(cfg: Int32Array, params: Float32Array, dims: Int32Array, patches: Float32Array | null, hasImage: Float32Array,
    tokens: Int32Array, positions: Int32Array, valid: Float32Array, targets: Int32Array, rlen: Int32Array, temperature: number,
    keep: boolean, logp: Float32Array, entropy: Float32Array): NativeHandle | undefined;
  backward(ws: NativeHandle, dlogp: Float32Array, dentropy: Float32Array, grads: Float32Array): void;
  decoderNew(cfg: Int32Array, params: Float32Array, dims: Int32Array, patches: Float32Array | null, hasImage: Float32Array,
    tokens: Int32Array, positions: Int32Array, valid: Float32Array, n: number, maxNew: number, logits: Float32Array): NativeHandle;
  decoderStep(dec: NativeHandle, tokens: Int32Array, positions: Int32Array, active: Uint8Array, logits: Float32Array): void;
  /** Frees a forward state or decoder now (else the GC does). */
  release(h: NativeHandle): void;
  sgemm(heap: Float32Array, batch: number, m: number, k: number, n: number, transA: number, transB: number,
    aOff: number, aStride: number, bOff: number, bStride: number, cOff: number): void;
  /** Σ g² (double). */
  sumsq(g: Float32Array): number;
  /** AdamW in place over p, m, v with gradient g (adamw.c). */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, weightDecay: number, beta1: number, beta2: number,
    eps: number, c1: number, c2: number, clip: number): void;
  threads(n?: number): number;
  config(): string;
  /** Seconds per [phase (forward, backward)][class (matmul, softmax, layer norm, element-wise, copies)], then matmul FLOPs. */
  profile(reset?: boolean): Float64Array;
}
/** An opaque native object (N-API external). */
export type NativeHandle = { readonly __native: unique symbol };

export const PROFILE_CLASSES = ['matmul', 'softmax', 'layer norm', 'element-wise', 'copies'] as const;

/** The C sources: beside this file (tsx), in dist/native (the bundle), or in the repository next to dist/. */
function sourceDir(): string | undefined {
  return [__dirname, join(__dirname, 'native'), join(__dirname, '..', 'trainer', 'native')].find((d) => existsSync(join(d, 'addon.c')));
}

function nodeHeaders(): string | undefined {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

function firstLine(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10000 });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

/** OpenBLAS's header and library where gcc finds them (Debian's libopenblas-dev), or why not. */
function openBlas(): { ok: boolean; why: string } {
  if (process.env.S2T_OPENBLAS === '0' || process.env.S2T_NATIVE_BLAS === '0') return { ok: false, why: 'OpenBLAS off (S2T_OPENBLAS=0)' };
  const lib = firstLine('gcc', ['-print-file-name=libopenblas.so']);
  const arch = firstLine('gcc', ['-print-multiarch']) ?? '';
  const header = ['/usr/include', `/usr/include/${arch}`, '/usr/include/openblas', '/usr/local/include'].some((d) => existsSync(join(d, 'cblas.h')));
  if (!lib || !lib.startsWith('/') || !header) return { ok: false, why: 'no OpenBLAS (libopenblas-dev not installed)' };
  return { ok: true, why: 'OpenBLAS' };
}

function cpuFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

export interface Loaded {
  lib?: NativeLib;
  /** Whether sgemm runs on OpenBLAS. */
  openblas: boolean;
  /** What happened, for the log (built, cached, or why the trainer falls back to plain wasm). */
  why: string;
}

let loaded: Loaded | undefined;
const built = new Map<boolean, Loaded>();

/** The native kernels as the environment asks (S2T_NATIVE, S2T_OPENBLAS, S2T_THREADS), built and loaded once. */
export function loadNative(): Loaded {
  if (loaded) return loaded;
  if (process.env.S2T_NATIVE === '0') {
    return (loaded = { openblas: false, why: 'native kernels off (S2T_NATIVE=0)' });
  }
  const blas = openBlas();
  const out = buildNative(blas.ok);
  if (out.lib) out.lib.threads(Math.max(1, Math.floor(Number(process.env.S2T_THREADS)) || availableParallelism()));
  return (loaded = { ...out, why: `${out.why}${out.lib ? `, ${out.lib.threads()} thread(s)` : ''}${blas.ok ? '' : `; ${blas.why}`}` });
}

/** Builds (once per source hash) and loads one variant of the kernels: with OpenBLAS matmuls or the built-in ones. */
export function buildNative(withOpenBlas: boolean): Loaded {
  const have = built.get(withOpenBlas);
  if (have) return have;
  const out = build(withOpenBlas);
  built.set(withOpenBlas, out);
  return out;
}

function build(withOpenBlas: boolean): Loaded {
  const src = sourceDir();
  const headers = nodeHeaders();
  if (!src) return { openblas: false, why: 'native kernels: C sources not found' };
  if (!headers) return { openblas: false, why: "native kernels: Node's headers (node_api.h) not found" };
  const files = readdirSync(src).filter((f) => /\.[ch]$/.test(f)).sort();
  const sources = files.filter((f) => f.endsWith('.c')).map((f) => join(src, f));
  const gcc = firstLine('gcc', ['--version']);
  if (!gcc) return { openblas: false, why: 'native kernels: no gcc' };
  const flags = ['-O3', '-march=native', '-shared', '-fPIC', '-fvisibility=hidden', '-pthread', ...(withOpenBlas ? ['-DS2T_OPENBLAS'] : [])];
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(join(src, f)));
  hash.update(flags.join(' ')).update(gcc).update(cpuFlags());
  const dir = process.env.S2T_CACHE_DIR ?? join(homedir(), '.cache', 'see2think');
  const lib = join(dir, `s2t_native-${hash.digest('hex').slice(0, 16)}.node`);
  let compiled = false;
  if (!existsSync(lib)) {
    const tmp = `${lib}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true });
      const r = spawnSync('gcc', [...flags, `-I${headers}`, ...sources, '-o', tmp, '-lm', ...(withOpenBlas ? ['-lopenblas'] : [])], { encoding: 'utf8', timeout: 120000 });
      if (r.status !== 0) {
        rmSync(tmp, { force: true });
        const msg = (r.error?.message ?? r.stderr ?? '').split('\n').find((l) => /error/.test(l)) ?? `gcc exited ${r.status}`;
        return { openblas: false, why: `native kernels not built (${msg.trim()})` };
      }
      renameSync(tmp, lib);
      compiled = true;
    } catch (err) {
      rmSync(tmp, { force: true });
      return { openblas: false, why: `native kernels not built (${(err as Error).message})` };
    }
  }
  // OpenBLAS 0.3.21 does not recognise this AMD CPU's AVX-512; its SkylakeX kernels run on it (set before load).
  if (withOpenBlas && !process.env.OPENBLAS_CORETYPE && /\bavx512f\b/.test(cpuFlags())) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  try {
    const req: NodeRequire = require;
    const native = req(lib) as NativeLib;
    return { lib: native, openblas: withOpenBlas, why: `native kernels: ${native.config()}${compiled ? ' (built now)' : ''}` };
  } catch (err) {
    return { openblas: false, why: `native kernels did not load (${(err as Error).message.split('\n')[0]})` };
  }
}
