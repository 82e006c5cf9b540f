// Routes the tfjs wasm backend's BatchMatMul kernel to the native sgemm (nativeLib.ts), operating on the wasm heap
// in place: wasm's own batched and transposed matmuls run at 1–2 GFLOP/s here. The model itself runs natively
// when the kernels load; this serves the tfjs ops that remain (and the tfjs model where it is used).
import * as tf from '@tensorflow/tfjs-core';
import type { NativeLib } from './nativeLib';

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

/** Replaces the wasm backend's BatchMatMul with the native sgemm (same semantics, incl. batch broadcasting). */
export function routeWasmMatMul(blas: Pick<NativeLib, 'sgemm'>): void {
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
