// The built-in vision-language model: a patch-embedding vision tower (optionally with bidirectional
// transformer layers) whose outputs are the first tokens of a causal transformer decoder over
// [image tokens | BOS + prompt | response]. Parameters are a plain name → tensor map, so the same forward
// serves the policy, the frozen reference and gradient computation (tf.valueAndGrads over the map).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng';
import { type ModelConfig, patchesPerImage, patchDim } from './config';
import type { SeqBatch, TrainBatch } from './batch';
import { concat1, embed, gelu, layerNorm, linear, mm } from './ops';
import { nativeModel, nativeResponseLogProbs } from './nativeVlm';

export type Params = Record<string, tf.Tensor>;
type T = tf.Tensor;

const NEG = -1e9;

/** Vision-tower parameters (frozen by `freeze_vision_tower`). */
export const isVisionParam = (name: string): boolean => name.startsWith('vis.');

function blockShapes(prefix: string, d: number, ff: number): [string, number[], 'w' | 'out' | 'one' | 'zero'][] {
  return [
    [`${prefix}.ln1.g`, [d], 'one'], [`${prefix}.ln1.b`, [d], 'zero'],
    [`${prefix}.attn.q.w`, [d, d], 'w'], [`${prefix}.attn.q.b`, [d], 'zero'],
    [`${prefix}.attn.k.w`, [d, d], 'w'], [`${prefix}.attn.k.b`, [d], 'zero'],
    [`${prefix}.attn.v.w`, [d, d], 'w'], [`${prefix}.attn.v.b`, [d], 'zero'],
    [`${prefix}.attn.o.w`, [d, d], 'out'], [`${prefix}.attn.o.b`, [d], 'zero'],
    [`${prefix}.ln2.g`, [d], 'one'], [`${prefix}.ln2.b`, [d], 'zero'],
    [`${prefix}.mlp.fc.w`, [d, ff], 'w'], [`${prefix}.mlp.fc.b`, [ff], 'zero'],
    [`${prefix}.mlp.proj.w`, [ff, d], 'out'], [`${prefix}.mlp.proj.b`, [d], 'zero'],
  ];
}

/** Every parameter's name and shape, in a fixed order (checkpoints store them in this order). */
export function paramShapes(cfg: ModelConfig): [string, number[], 'w' | 'out' | 'one' | 'zero'][] {
  const d = cfg.dModel;
  const shapes: [string, number[], 'w' | 'out' | 'one' | 'zero'][] = [
    ['vis.patch.w', [patchDim(cfg), d], 'w'], ['vis.patch.b', [d], 'zero'],
    ['vis.pos', [patchesPerImage(cfg), d], 'w'],
  ];
  for (let i = 0; i < cfg.visionLayers; i++) shapes.push(...blockShapes(`vis.L${i}`, d, cfg.dFf));
  shapes.push(['vis.ln.g', [d], 'one'], ['vis.ln.b', [d], 'zero'], ['vis.proj.w', [d, d], 'w'], ['vis.proj.b', [d], 'zero']);
  shapes.push(['tok.emb', [cfg.vocabSize, d], 'w'], ['pos.emb', [cfg.maxPositions, d], 'w']);
  for (let i = 0; i < cfg.nLayers; i++) shapes.push(...blockShapes(`dec.L${i}`, d, cfg.dFf));
  shapes.push(['ln_f.g', [d], 'one'], ['ln_f.b', [d], 'zero'], ['head.w', [d, cfg.vocabSize], 'w'], ['head.b', [cfg.vocabSize], 'zero']);
  return shapes;
}

/** GPT-2 style init from a seed: N(0, 0.02), residual output projections scaled by 1/sqrt(2·layers). */
export function initParams(cfg: ModelConfig, seed: number): Params {
  const rng = new Rng(seed);
  const normal = () => {
    const u = 1 - rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const outStd = 0.02 / Math.sqrt(2 * Math.max(1, cfg.nLayers + cfg.visionLayers));
  const params: Params = {};
  for (const [name, shape, kind] of paramShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (kind === 'one') v.fill(1);
    else if (kind === 'w' || kind === 'out') {
      const std = kind === 'out' ? outStd : 0.02;
      for (let i = 0; i < n; i++) v[i] = normal() * std;
    }
    params[name] = tf.tensor(v, shape);
  }
  return params;
}

export function disposeParams(p: Params): void {
  for (const t of Object.values(p)) t.dispose();
}

export function countParams(p: Params): number {
  return Object.values(p).reduce((a, t) => a + t.size, 0);
}

interface Attn {
  out: T;
  kT: T;
  v: T;
}

/**
 * Multi-head attention of x [B, Tq, d] over its own keys. Keys are kept transposed ([B·H, dh, Tk]) so both
 * products are plain matmuls (and the cache can keep them). maskAdd broadcasts to [B, 1, Tq, Tk]
 * (0 = attend, -1e9 = blocked).
 */
function attention(p: Params, pre: string, x: T, cfg: ModelConfig, maskAdd: T | null): Attn {
  const [B, Tq] = x.shape;
  const H = cfg.nHeads;
  const dh = cfg.dModel / H;
  const heads = (t: T, perm: number[], shape: number[]) => tf.reshape(tf.transpose(tf.reshape(t, [B, Tq, H, dh]), perm), shape);
  const q = heads(tf.mul(linear(x, p[`${pre}.attn.q.w`], p[`${pre}.attn.q.b`]), 1 / Math.sqrt(dh)), [0, 2, 1, 3], [B * H, Tq, dh]);
  const kT = heads(linear(x, p[`${pre}.attn.k.w`], p[`${pre}.attn.k.b`]), [0, 2, 3, 1], [B * H, dh, Tq]);
  const v = heads(linear(x, p[`${pre}.attn.v.w`], p[`${pre}.attn.v.b`]), [0, 2, 1, 3], [B * H, Tq, dh]);
  const Tk = kT.shape[2]!;
  let scores = tf.reshape(mm(q, kT), [B, H, Tq, Tk]);
  if (maskAdd) scores = tf.add(scores, maskAdd);
  const att = tf.reshape(tf.softmax(scores), [B * H, Tq, Tk]);
  const o = tf.reshape(tf.transpose(tf.reshape(mm(att, v), [B, H, Tq, dh]), [0, 2, 1, 3]), [B, Tq, cfg.dModel]);
  return { out: linear(o, p[`${pre}.attn.o.w`], p[`${pre}.attn.o.b`]), kT, v };
}

function mlp(p: Params, pre: string, x: T): T {
  return linear(gelu(linear(x, p[`${pre}.mlp.fc.w`], p[`${pre}.mlp.fc.b`])), p[`${pre}.mlp.proj.w`], p[`${pre}.mlp.proj.b`]);
}

/** Pre-LN transformer block; returns the new residual stream and this layer's keys/values. */
function block(p: Params, pre: string, x: T, cfg: ModelConfig, maskAdd: T | null): Attn {
  const a = attention(p, pre, layerNorm(x, p[`${pre}.ln1.g`], p[`${pre}.ln1.b`]), cfg, maskAdd);
  const h = tf.add(x, a.out);
  return { out: tf.add(h, mlp(p, pre, layerNorm(h, p[`${pre}.ln2.g`], p[`${pre}.ln2.b`]))), kT: a.kT, v: a.v };
}

/** Image tokens [B, P, d] from patches [B, P, patchDim]. */
function visionTower(p: Params, cfg: ModelConfig, patches: T): T {
  let x = tf.add(linear(patches, p['vis.patch.w'], p['vis.patch.b']), p['vis.pos']);
  for (let i = 0; i < cfg.visionLayers; i++) x = block(p, `vis.L${i}`, x, cfg, null).out;
  return linear(layerNorm(x, p['vis.ln.g'], p['vis.ln.b']), p['vis.proj.w'], p['vis.proj.b']);
}

/** Additive attention mask [B, 1, T, T]: causal, and no attention to padding or to a missing image. */
function causalMask(batch: SeqBatch): T {
  const T_ = batch.imageTokens + batch.textLen;
  const keyValid = keyValidity(batch);
  const causal = tf.tensor(lowerTriangle(T_), [T_, T_]);
  return tf.mul(tf.sub(1, tf.mul(tf.reshape(causal, [1, 1, T_, T_]), tf.reshape(keyValid, [batch.size, 1, 1, T_]))), NEG);
}

function lowerTriangle(n: number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m.fill(1, i * n, i * n + i + 1);
  return m;
}

/** [B, imageTokens + textLen]: 1 for keys a query may attend to. */
function keyValidity(batch: SeqBatch): T {
  const text = tf.tensor2d(batch.valid, [batch.size, batch.textLen]);
  if (!batch.imageTokens) return text;
  const img = tf.tile(tf.tensor2d(batch.hasImage, [batch.size, 1]), [1, batch.imageTokens]);
  return tf.concat([img, text], 1);
}

/** The decoder's input sequence [B, T, d]: image tokens then text embeddings. */
function inputs(p: Params, cfg: ModelConfig, batch: SeqBatch): T {
  const ids = tf.tensor2d(batch.tokens, [batch.size, batch.textLen], 'int32');
  const pos = tf.tensor2d(batch.positions, [batch.size, batch.textLen], 'int32');
  const text = tf.add(embed(ids, p['tok.emb']), embed(pos, p['pos.emb']));
  if (!batch.imageTokens || !batch.patches) return text;
  const patches = tf.tensor3d(batch.patches, [batch.size, batch.imageTokens, patchDim(cfg)]);
  return concat1(visionTower(p, cfg, patches), text);
}

/** Runs the decoder over a whole batch; returns final-layer-normed hidden states and each layer's K/V. */
function decode(p: Params, cfg: ModelConfig, batch: SeqBatch): { h: T; kv: { kT: T; v: T }[] } {
  let x = inputs(p, cfg, batch);
  const mask = causalMask(batch);
  const kv: { kT: T; v: T }[] = [];
  for (let i = 0; i < cfg.nLayers; i++) {
    const b = block(p, `dec.L${i}`, x, cfg, mask);
    x = b.out;
    kv.push({ kT: b.kT, v: b.v });
  }
  return { h: layerNorm(x, p['ln_f.g'], p['ln_f.b']), kv };
}

/**
 * Log-probabilities (and entropies) of a training batch's response tokens under the model with logits
 * divided by `temperature` (as verl scores its rollouts): logp, entropy [B, responseLen].
 */
export function responseLogProbs(p: Params, cfg: ModelConfig, batch: TrainBatch, temperature = 1): { logp: T; entropy: T } {
  const native = nativeModel();
  if (native) return nativeResponseLogProbs(native, p, cfg, batch, temperature);
  const { h } = decode(p, cfg, batch);
  const start = batch.imageTokens + batch.promptLen - 1;
  const hr = tf.slice(h, [0, start, 0], [batch.size, batch.responseLen, cfg.dModel]);
  let logits = tf.reshape(linear(hr, p['head.w'], p['head.b']), [batch.size * batch.responseLen, cfg.vocabSize]);
  if (temperature !== 1) logits = tf.div(logits, temperature);
  const logSm = tf.logSoftmax(logits);
  const oneHot = tf.cast(tf.oneHot(tf.tensor1d(batch.targets, 'int32'), cfg.vocabSize), 'float32');
  const logp = tf.reshape(tf.sum(tf.mul(logSm, oneHot), -1), [batch.size, batch.responseLen]);
  const entropy = tf.reshape(tf.neg(tf.sum(tf.mul(tf.exp(logSm), logSm), -1)), [batch.size, batch.responseLen]);
  return { logp, entropy };
}

/**
 * The KV cache of a batch being sampled: the prompt's keys (transposed) and values per layer, fixed after
 * prefill, and the generated tokens' keys and values, grown by one column per step. Keeping them apart means
 * a step copies only the generated part (concat), not the whole prompt again.
 */
export interface KvCache {
  prefix: { kT: T; v: T }[];
  /** Empty before the first decode step. Here `kT` holds keys untransposed: [B·H, generated, dh]. */
  gen: { kT: T; v: T }[];
  /** [B, 1, 1, prefix length] additive mask: padding and missing images are blocked. */
  prefixMask: T;
  size: number;
}

export function disposeCache(c: KvCache): void {
  for (const l of [...c.prefix, ...c.gen]) {
    l.kT.dispose();
    l.v.dispose();
  }
  c.prefixMask.dispose();
}

/** Disposes only the generated part (the next step's cache shares the prefix). */
export function disposeGenerated(c: KvCache): void {
  for (const l of c.gen) {
    l.kT.dispose();
    l.v.dispose();
  }
}

/** Prefills the cache with a prompt batch; returns it with the logits that predict each row's first response token. */
export function prefill(p: Params, cfg: ModelConfig, batch: SeqBatch): { cache: KvCache; logits: T } {
  return tf.tidy(() => {
    const { h, kv } = decode(p, cfg, batch);
    const last = tf.slice(h, [0, batch.imageTokens + batch.promptLen - 1, 0], [batch.size, 1, cfg.dModel]);
    const logits = tf.reshape(linear(last, p['head.w'], p['head.b']), [batch.size, cfg.vocabSize]);
    const prefixMask = tf.reshape(tf.mul(tf.sub(1, keyValidity(batch)), NEG), [batch.size, 1, 1, -1]);
    const cache: KvCache = { prefix: kv, gen: [], prefixMask, size: batch.size };
    return { cache, logits } as never;
  }) as { cache: KvCache; logits: T };
}

/**
 * Repeats each row n times along the first axis (row r → rows r·n … r·n+n−1) as a product with a 0/1
 * selection matrix: a matmul runs at BLAS speed, where wasm's Tile and Gather copy element by element.
 */
function repeatRows(t: T, rows: number, n: number): T {
  const rest = t.shape.slice(1);
  const select = new Float32Array(rows * n * rows);
  for (let i = 0; i < rows * n; i++) select[i * rows + Math.floor(i / n)] = 1;
  const flat = tf.matMul(tf.tensor2d(select, [rows * n, rows]), tf.reshape(t, [rows, t.size / rows]));
  return tf.reshape(flat, [t.shape[0] * n, ...rest]);
}

/** Repeats every cache row n times: one prefill serves a whole GRPO group. Call before the first decode step. */
export function repeatCache(c: KvCache, n: number): KvCache {
  if (n === 1) return c;
  return tf.tidy(() => ({
    prefix: c.prefix.map((l) => ({ kT: repeatRows(l.kT, c.size, n), v: repeatRows(l.v, c.size, n) })),
    gen: c.gen.map((l) => ({ kT: repeatRows(l.kT, c.size, n), v: repeatRows(l.v, c.size, n) })),
    prefixMask: repeatRows(c.prefixMask, c.size, n),
    size: c.size * n,
  }) as never) as KvCache;
}

export function repeatLogits(logits: T, rows: number, n: number): T {
  return n === 1 ? logits : tf.tidy(() => repeatRows(logits, rows, n));
}

/** Attention of one new token per row over the cached prompt and the generated tokens so far (itself included). */
function decodeAttention(p: Params, pre: string, x: T, cfg: ModelConfig, prefix: { kT: T; v: T }, gen: { kT: T; v: T } | undefined, prefixMask: T): Attn {
  const B = x.shape[0];
  const H = cfg.nHeads;
  const dh = cfg.dModel / H;
  const heads = (t: T, perm: number[], shape: number[]) => tf.reshape(tf.transpose(tf.reshape(t, [B, 1, H, dh]), perm), shape);
  const q = heads(tf.mul(linear(x, p[`${pre}.attn.q.w`], p[`${pre}.attn.q.b`]), 1 / Math.sqrt(dh)), [0, 2, 1, 3], [B * H, 1, dh]);
  // Generated keys are kept untransposed ([B·H, Tg, dh]): growing them is a concat of whole rows, where
  // growing [B·H, dh, Tg] would copy one short strip per (row, channel).
  const kNew = heads(linear(x, p[`${pre}.attn.k.w`], p[`${pre}.attn.k.b`]), [0, 2, 1, 3], [B * H, 1, dh]);
  const vNew = heads(linear(x, p[`${pre}.attn.v.w`], p[`${pre}.attn.v.b`]), [0, 2, 1, 3], [B * H, 1, dh]);
  const k = gen ? tf.concat([gen.kT, kNew], 1) : kNew;
  const v = gen ? tf.concat([gen.v, vNew], 1) : vNew;
  const Tp = prefix.kT.shape[2]!;
  const Tg = k.shape[1]!;
  const sp = tf.add(tf.reshape(tf.matMul(q, prefix.kT), [B, H, 1, Tp]), prefixMask);
  const sg = tf.reshape(tf.matMul(q, k, false, true), [B, H, 1, Tg]);
  const att = tf.reshape(tf.softmax(tf.concat([sp, sg], 3)), [B * H, 1, Tp + Tg]);
  const o = tf.add(tf.matMul(tf.slice(att, [0, 0, 0], [B * H, 1, Tp]), prefix.v), tf.matMul(tf.slice(att, [0, 0, Tp], [B * H, 1, Tg]), v));
  const merged = tf.reshape(tf.transpose(tf.reshape(o, [B, H, 1, dh]), [0, 2, 1, 3]), [B, 1, cfg.dModel]);
  return { out: linear(merged, p[`${pre}.attn.o.w`], p[`${pre}.attn.o.b`]), kT: k, v };
}

/** Feeds one token per row at the given positions; returns the extended cache and next-token logits [B, V]. */
export function decodeStep(p: Params, cfg: ModelConfig, c: KvCache, tokens: Int32Array, positions: Int32Array): { cache: KvCache; logits: T } {
  return tf.tidy(() => {
    const B = c.size;
    let x = tf.add(embed(tf.tensor2d(tokens, [B, 1], 'int32'), p['tok.emb']), embed(tf.tensor2d(positions, [B, 1], 'int32'), p['pos.emb']));
    const gen: { kT: T; v: T }[] = [];
    for (let i = 0; i < cfg.nLayers; i++) {
      const pre = `dec.L${i}`;
      const a = decodeAttention(p, pre, layerNorm(x, p[`${pre}.ln1.g`], p[`${pre}.ln1.b`]), cfg, c.prefix[i], c.gen[i], c.prefixMask);
      const h = tf.add(x, a.out);
      x = tf.add(h, mlp(p, pre, layerNorm(h, p[`${pre}.ln2.g`], p[`${pre}.ln2.b`])));
      gen.push({ kT: a.kT, v: a.v });
    }
    const h = layerNorm(x, p['ln_f.g'], p['ln_f.b']);
    const logits = tf.reshape(linear(h, p['head.w'], p['head.b']), [B, cfg.vocabSize]);
    return { cache: { prefix: c.prefix, gen, prefixMask: c.prefixMask, size: B }, logits } as never;
  }) as { cache: KvCache; logits: T };
}
