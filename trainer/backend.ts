// Picks the TensorFlow.js backend the trainer computes on: tfjs-node-gpu, then tfjs-node (optional native
// packages, used only when installed), else WebAssembly (SIMD; binaries shipped in dist/wasm), else pure JS.
// `S2T_BACKEND=cpu|wasm|tensorflow` forces one (tests use it). On wasm, the model runs on the native kernels
// when they build with the gcc present (trainer/native/: label `native`, or `native+openblas` when their
// matmuls go to OpenBLAS); the tfjs ops that remain (losses, optimizer) stay on wasm. Without gcc: plain
// `wasm`. The choice is recorded in run.json.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; training needs them all.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { loadNative } from './native/nativeLib';
import { routeWasmMatMul } from './native/wasmMatMul';
import { setTransposedMatMulFast } from './model/ops';
import { useNativeModel } from './model/nativeVlm';
import { installWasmCopyAvoidance } from './wasmKernels';
import { dirname, join } from 'node:path';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export interface BackendInfo {
  name: BackendName;
  /** What run.json records and the log prints: `native`, `native+openblas`, `wasm`, `cpu`, `tensorflow`… */
  label: string;
  /** Why earlier candidates were skipped (printed once in the log). */
  notes: string[];
}

const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';
let chosen: BackendInfo | undefined;

/** dist/wasm next to the bundled CLI; the package's own dist when running from source (tsx, tests). */
export function wasmDir(): string | undefined {
  const candidates = [join(__dirname, 'wasm'), join(__dirname, '..', 'dist', 'wasm'), join(__dirname, '..', '..', 'dist', 'wasm')];
  try {
    candidates.push(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // bundled without node_modules: only dist/wasm can serve
  }
  return candidates.find((d) => existsSync(join(d, WASM_FILE)));
}

async function tryNative(pkg: string, name: BackendName, notes: string[]): Promise<boolean> {
  try {
    // A variable name keeps bundlers from resolving the optional package at build time.
    const req: NodeRequire = require;
    req(pkg as string);
  } catch (err) {
    notes.push(`${pkg} not available (${(err as Error).message.split('\n')[0]})`);
    return false;
  }
  if (await tf.setBackend('tensorflow')) return true;
  notes.push(`${pkg} loaded but its backend did not initialise (${name})`);
  return false;
}

async function tryWasm(notes: string[]): Promise<boolean> {
  const dir = wasmDir();
  if (!dir) {
    notes.push(`wasm binaries not found (expected dist/wasm/${WASM_FILE}; run npm run build)`);
    return false;
  }
  setWasmPaths(dir.endsWith('/') ? dir : dir + '/');
  try {
    if (await tf.setBackend('wasm')) return true;
  } catch (err) {
    notes.push(`wasm backend failed: ${(err as Error).message}`);
    return false;
  }
  notes.push('wasm backend did not initialise');
  return false;
}

/** Initialises the best available backend once per process and says which it is. */
export async function initBackend(force = process.env.S2T_BACKEND): Promise<BackendInfo> {
  if (chosen) return chosen;
  const notes: string[] = [];
  const order: BackendName[] = force ? [force as BackendName] : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  if (force && !['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(force)) {
    throw new Error(`S2T_BACKEND=${force} is not a backend: use tensorflow-gpu, tensorflow, wasm or cpu`);
  }
  for (const name of order) {
    const ok = name === 'tensorflow-gpu' ? await tryNative('@tensorflow/tfjs-node-gpu', name, notes)
      : name === 'tensorflow' ? await tryNative('@tensorflow/tfjs-node', name, notes)
      : name === 'wasm' ? await tryWasm(notes)
      : await tf.setBackend('cpu');
    if (ok) {
      let label: string = name;
      if (name === 'wasm') {
        installWasmCopyAvoidance();
        const native = loadNative();
        notes.push(native.why);
        if (native.lib) {
          routeWasmMatMul(native.lib);
          setTransposedMatMulFast(true);
          useNativeModel(native.lib);
          label = native.openblas ? 'native+openblas' : 'native';
        }
      } else if (name !== 'cpu') {
        setTransposedMatMulFast(true);
      }
      chosen = { name, label, notes };
      return chosen;
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${notes.join('; ')}`);
}

export { tf };
