// Optional acceleration: routes the wasm backend's BatchMatMul kernel to the system's OpenBLAS through a tiny
// N-API addon (trainer/native/blas.c), operating on the wasm heap in place. wasm's own batched and transposed
// matmuls run at 1–2 GFLOP/s here; OpenBLAS runs them at BLAS speed on every core. The addon is compiled on
// first use (gcc + Node headers + libopenblas-dev) into ~/.cache/see2think; anything missing → plain wasm.
// S2T_NATIVE_BLAS=0 turns it off; S2T_BLAS_THREADS sets OpenBLAS's threads (default 1).
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface NativeBlas {
  sgemm(heap: Float32Array, batch: number, m: number, k: number, n: number, transA: number, transB: number,
    aOff: number, aStride: number, bOff: number, bStride: number, cOff: number): void;
  threads(n?: number): number;
  config(): string;
}

/** The C source, from the source tree (running under tsx) or beside the bundle's repository. */
function sourcePath(): string | undefined {
  return [join(__dirname, 'blas.c'), join(__dirname, 'native', 'blas.c'), join(__dirname, '..', 'trainer', 'native', 'blas.c')].find(existsSync);
}

function nodeHeaders(): string | undefined {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

let loaded: { blas?: NativeBlas; why: string } | undefined;

/** Builds (once, cached by source hash) and loads the addon; `why` says what happened either way. */
export function loadNativeBlas(): { blas?: NativeBlas; why: string } {
  if (loaded) return loaded;
  if (process.env.S2T_NATIVE_BLAS === '0') return (loaded = { why: 'native BLAS off (S2T_NATIVE_BLAS=0)' });
  const src = sourcePath();
  const headers = nodeHeaders();
  if (!src) return (loaded = { why: 'native BLAS: blas.c not found' });
  if (!headers) return (loaded = { why: 'native BLAS: Node headers (node_api.h) not found' });
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const dir = process.env.S2T_CACHE_DIR ?? join(homedir(), '.cache', 'see2think');
  const lib = join(dir, `s2t_blas-${hash}.node`);
  if (!existsSync(lib)) {
    try {
      mkdirSync(dir, { recursive: true });
      const tmp = `${lib}.${process.pid}.tmp`;
      const r = spawnSync('gcc', ['-O2', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=s2t_blas', `-I${headers}`, src, '-o', tmp, '-lopenblas'], { encoding: 'utf8', timeout: 60000 });
      if (r.status !== 0) {
        const msg = (r.error?.message ?? r.stderr ?? '').split('\n').find((l) => l.trim()) ?? `gcc exited ${r.status}`;
        return (loaded = { why: `native BLAS not built (${msg.trim()})` });
      }
      renameSync(tmp, lib);
    } catch (err) {
      return (loaded = { why: `native BLAS not built (${(err as Error).message})` });
    }
  }
  // OpenBLAS 0.3.21 does not recognise this AMD CPU's AVX-512; SkylakeX kernels run on it (set before load).
  if (!process.env.OPENBLAS_CORETYPE && /avx512f/.test(cpuFlags())) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  try {
    const req: NodeRequire = require;
    const blas = req(lib) as NativeBlas;
    // One thread by default: the trainer's matmuls are small, and OpenBLAS threads spin-wait, which costs far
    // more than it gains when the other core is busy (measured here). S2T_BLAS_THREADS=2 to try both cores.
    blas.threads(Math.max(1, Number(process.env.S2T_BLAS_THREADS ?? 1) || 1));
    return (loaded = { blas, why: `native BLAS: ${blas.config()}, ${blas.threads()} thread(s)` });
  } catch (err) {
    return (loaded = { why: `native BLAS did not load (${(err as Error).message.split('\n')[0]})` });
  }
}

function cpuFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface WasmBackendLike {
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): WasmTensorInfo;
  wasm: { HEAPF32: Float32Array };
}

/** Replaces the wasm backend's BatchMatMul with OpenBLAS sgemm (same semantics, incl. batch broadcasting). */
export function routeWasmMatMul(blas: NativeBlas): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error('the wasm backend has no BatchMatMul kernel to replace');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as {
        inputs: { a: WasmTensorInfo; b: WasmTensorInfo }; backend: WasmBackendLike; attrs: { transposeA: boolean; transposeB: boolean };
      };
      const { a, b } = inputs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
      const ra = a.shape.length;
      const rb = b.shape.length;
      const m = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const k = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
      const n = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const batchA = outerA.reduce((x, y) => x * y, 1);
      const batchB = outerB.reduce((x, y) => x * y, 1);
      // Only the shapes the trainer uses are handled here (same batch, or one side unbatched); others go to wasm.
      if (k !== kb || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return original.kernelFunc(args);
      const batch = Math.max(batchA, batchB);
      const outer = batchA >= batchB ? outerA : outerB;
      const out = backend.makeOutput([...outer, m, n], 'float32');
      const heap = backend.wasm.HEAPF32;
      const off = (t: { dataId: object }) => backend.dataIdMap.get(t.dataId).memoryOffset / 4;
      blas.sgemm(heap, batch, m, k, n, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0,
        off(a), batchA > 1 ? m * k : 0, off(b), batchB > 1 ? k * n : 0, off(out));
      return out as never;
    },
  });
}
