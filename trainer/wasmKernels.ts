// Kernel overrides for the wasm backend that remove copies: tfjs clones every tensor it saves for a gradient
// (Identity) and mul's gradient casts float32 to float32 (Cast), and the wasm kernels copy the data both
// times (~15 % of a training step here). Tensors are immutable and every wasm kernel writes a fresh output, so
// sharing the data with a reference count (as the cpu backend and wasm's own Reshape do) is safe.
import * as tf from '@tensorflow/tfjs-core';

interface Info {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface RefCounting {
  incRef(dataId: object): void;
}

function alias(x: Info, backend: RefCounting): Info {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function override(name: string, f: (args: { inputs: { x: Info }; backend: RefCounting; attrs?: { dtype?: string } }, original: tf.KernelFunc) => Info | undefined): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => (f(args as never, original.kernelFunc) ?? original.kernelFunc(args)) as never,
  });
}

let installed = false;

export function installWasmCopyAvoidance(): void {
  if (installed) return;
  installed = true;
  override('Identity', ({ inputs: { x }, backend }) => (x.dtype === 'string' ? undefined : alias(x, backend)));
  override('Cast', ({ inputs: { x }, backend, attrs }) => (attrs?.dtype === x.dtype && x.dtype !== 'string' ? alias(x, backend) : undefined));
}
