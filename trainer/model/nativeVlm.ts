// The model on the native kernels (trainer/native/): the same computation as vlm.ts, in one call per forward,
// gradient and sampling step instead of hundreds of tfjs kernels. Scoring is a tf.customGrad op whose gradient
// is the native backward, so losses, autodiff over them and the optimizer stay in tfjs; sampling is a decoder
// whose logits feed the same token picking. Used when backend.ts loaded the kernels (useNativeModel).
import * as tf from '@tensorflow/tfjs-core';
import type { NativeHandle, NativeLib } from '../native/nativeLib';
import type { ModelConfig } from './config';
import { patchesPerImage, patchDim } from './config';
import type { SeqBatch, TrainBatch } from './batch';
import { type Params, paramShapes } from './vlm';

let lib: NativeLib | undefined;

/** Routes the model to the native kernels (undefined: back to the tfjs model). */
export function useNativeModel(l: NativeLib | undefined): void {
  lib = l;
}

export function nativeModel(): NativeLib | undefined {
  return lib;
}

interface Layout {
  cfg: Int32Array;
  names: string[];
  shapes: number[][];
  offsets: number[];
  total: number;
}
const layouts = new Map<string, Layout>();

/** The flat parameter layout of a config, checked once against the native side's own. */
function layout(l: NativeLib, cfg: ModelConfig): Layout {
  const key = JSON.stringify(cfg);
  let out = layouts.get(key);
  if (out) return out;
  const c = Int32Array.from([cfg.dModel, cfg.nHeads, cfg.dFf, cfg.nLayers, cfg.visionLayers, cfg.vocabSize, patchesPerImage(cfg), patchDim(cfg), cfg.maxPositions]);
  const shapes = paramShapes(cfg);
  const sizes = l.paramSizes(c);
  const offsets: number[] = [];
  let total = 0;
  shapes.forEach(([name, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (sizes[i] !== n) throw new Error(`native model: ${name} has ${n} values here but ${sizes[i]} in the C layout`);
    offsets.push(total);
    total += n;
  });
  if (sizes.length !== shapes.length) throw new Error(`native model: ${shapes.length} tensors here, ${sizes.length} in the C layout`);
  out = { cfg: c, names: shapes.map(([n]) => n), shapes: shapes.map(([, s]) => s), offsets, total };
  layouts.set(key, out);
  return out;
}

function flatten(lay: Layout, p: Params): Float32Array {
  const flat = new Float32Array(lay.total);
  lay.names.forEach((n, i) => {
    const t = p[n];
    if (!t) throw new Error(`native model: parameter ${n} missing`);
    flat.set(t.dataSync() as Float32Array, lay.offsets[i]);
  });
  return flat;
}

/** The batch as the native entry points take it (dims, patches, hasImage, tokens, positions, valid). */
function batchArgs(b: SeqBatch, responseLen: number) {
  return [Int32Array.from([b.size, b.imageTokens, b.promptLen, b.textLen, responseLen]), b.imageTokens ? b.patches : null, b.hasImage, b.tokens, b.positions, b.valid] as const;
}

const tapeOn = (): boolean => {
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return engine.isTapeOn ? engine.isTapeOn() : true;
};

/** Response tokens per row: the mask's row sums. */
function responseLengths(b: TrainBatch): Int32Array {
  const out = new Int32Array(b.size);
  for (let r = 0; r < b.size; r++) for (let c = 0; c < b.responseLen; c++) out[r] += b.mask[r * b.responseLen + c];
  return out;
}

/**
 * vlm.ts responseLogProbs on the native kernels; differentiable (the gradient is the native backward). Only the
 * response tokens are computed: log-probs and entropies past a row's response (where the mask is 0) are 0.
 */
export function nativeResponseLogProbs(l: NativeLib, p: Params, cfg: ModelConfig, batch: TrainBatch, temperature: number): { logp: tf.Tensor; entropy: tf.Tensor } {
  const lay = layout(l, cfg);
  const inputs = lay.names.map((n) => p[n]);
  const keep = tapeOn(); // keep the activations only when a gradient may be asked for
  const B = batch.size;
  const R = batch.responseLen;
  const op = tf.customGrad(((...args: unknown[]) => {
    const xs = args.slice(0, -1) as tf.Tensor[];
    const flat = flatten(lay, Object.fromEntries(lay.names.map((n, i) => [n, xs[i]])));
    const out = new Float32Array(2 * B * R);
    const ws = l.forward(lay.cfg, flat, ...batchArgs(batch, R), batch.targets, responseLengths(batch), temperature, keep, out.subarray(0, B * R), out.subarray(B * R));
    return {
      value: tf.tensor3d(out, [2, B, R]),
      gradFunc: (dy: tf.Tensor) => {
        if (!ws) throw new Error('native model: a gradient was asked of a forward run without the tape');
        const d = dy.dataSync() as Float32Array;
        const g = new Float32Array(lay.total);
        try {
          l.backward(ws, d.subarray(0, B * R), d.subarray(B * R), g);
        } finally {
          l.release(ws);
        }
        return lay.shapes.map((s, i) => tf.tensor(g.subarray(lay.offsets[i], lay.offsets[i] + s.reduce((a, b) => a * b, 1)), s));
      },
    };
  }) as never) as (...xs: tf.Tensor[]) => tf.Tensor;
  const both = op(...inputs);
  return {
    logp: tf.reshape(tf.slice(both, [0, 0, 0], [1, B, R]), [B, R]),
    entropy: tf.reshape(tf.slice(both, [1, 0, 0], [1, B, R]), [B, R]),
  };
}

/** One prompt batch being sampled: `logits` [rows·V] predict each row's next token; step feeds one per active row. */
export interface Decoder {
  readonly rows: number;
  readonly logits: Float32Array;
  step(tokens: Int32Array, positions: Int32Array, active: Uint8Array): void;
  dispose(): void;
}

/** A KV-cache decoder on the native kernels: the prompts prefilled once, each row repeated n times. */
export function nativeDecoder(l: NativeLib, p: Params, cfg: ModelConfig, batch: SeqBatch, n: number, maxNew: number): Decoder {
  const lay = layout(l, cfg);
  const rows = batch.size * n;
  const logits = new Float32Array(rows * cfg.vocabSize);
  let h: NativeHandle | undefined = l.decoderNew(lay.cfg, flatten(lay, p), ...batchArgs(batch, 0), n, maxNew, logits);
  return {
    rows,
    logits,
    step: (tokens, positions, active) => {
      if (!h) throw new Error('decoder used after dispose');
      l.decoderStep(h, tokens, positions, active, logits);
    },
    dispose: () => {
      if (h) l.release(h);
      h = undefined;
    },
  };
}
