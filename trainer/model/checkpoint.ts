// Checkpoint files of the built-in trainer: checkpoints/step-N/{weights.bin, optimizer.bin, meta.json}.
// Weights and Adam moments are raw little-endian float32 in the order meta.json lists; meta.json is written
// last (atomically), so a checkpoint without it is incomplete and ignored by latestCheckpoint().
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointMeta } from '../../protocol/runRecords';
import { writeJsonAtomic } from '../../core/rundir/runDirWriter';
import { CHECKPOINT_META } from '../../core/rundir/checkpointPaths';
import type { RngState } from '../util/rng';
import { type ModelConfig, checkConfig } from './config';
import { type Params, paramShapes } from './vlm';
import type { AdamState } from '../algo/adamw';

export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';

/** What the built-in trainer adds to CheckpointMeta. */
export interface BuiltinCheckpointMeta extends CheckpointMeta {
  trainer: 'builtin';
  model: ModelConfig;
  /** Parameter names and shapes in weights.bin order. */
  params: [string, number[]][];
  optimizer?: { file: string; t: number; params: string[] };
  /** RNG streams to continue on resume (training sampler, data generator). */
  rng?: Record<string, RngState>;
  backend?: string;
}

function writeFileAtomicBytes(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

function pack(tensors: tf.Tensor[]): Uint8Array {
  const total = tensors.reduce((a, t) => a + t.size, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return new Uint8Array(out.buffer);
}

function unpack(path: string, shapes: [string, number[]][]): Params {
  const buf = readFileSync(path);
  const expected = shapes.reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
  if (buf.byteLength !== expected * 4) throw new Error(`${path}: ${buf.byteLength} bytes, expected ${expected * 4} (${shapes.length} tensors)`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const out: Params = {};
  let o = 0;
  for (const [name, shape] of shapes) {
    const n = shape.reduce((x, y) => x * y, 1);
    out[name] = tf.tensor(all.subarray(o, o + n), shape);
    o += n;
  }
  return out;
}

export interface SaveCheckpoint {
  dir: string;
  cfg: ModelConfig;
  params: Params;
  adam?: AdamState;
  /** Everything but what saveCheckpoint fills in itself (trainer, model, params, optimizer). */
  meta: Pick<CheckpointMeta, 'step' | 'global_step' | 'stage' | 'time' | 'parent'> & { rng?: Record<string, RngState>; backend?: string; [key: string]: unknown };
}

export function saveCheckpoint(s: SaveCheckpoint): BuiltinCheckpointMeta {
  mkdirSync(s.dir, { recursive: true });
  const shapes = paramShapes(s.cfg).map(([n, shape]) => [n, shape] as [string, number[]]);
  writeFileAtomicBytes(join(s.dir, WEIGHTS_FILE), pack(shapes.map(([n]) => s.params[n])));
  let optimizer: BuiltinCheckpointMeta['optimizer'];
  if (s.adam) {
    const names = Object.keys(s.adam.m);
    writeFileAtomicBytes(join(s.dir, OPTIMIZER_FILE), pack([...names.map((n) => s.adam!.m[n]), ...names.map((n) => s.adam!.v[n])]));
    optimizer = { file: OPTIMIZER_FILE, t: s.adam.t, params: names };
  }
  const meta: BuiltinCheckpointMeta = { ...s.meta, trainer: 'builtin', model: s.cfg, params: shapes, optimizer };
  writeJsonAtomic(join(s.dir, CHECKPOINT_META), meta);
  return meta;
}

export function readCheckpointMeta(dir: string): BuiltinCheckpointMeta {
  const path = join(dir, CHECKPOINT_META);
  if (!existsSync(path)) throw new Error(`${dir} is not a complete checkpoint (no ${CHECKPOINT_META})`);
  const meta = JSON.parse(readFileSync(path, 'utf8')) as BuiltinCheckpointMeta;
  if (meta.trainer !== 'builtin' || !meta.model || !Array.isArray(meta.params)) {
    throw new Error(`${path}: not a built-in trainer checkpoint (trainer '${String(meta.trainer)}')`);
  }
  checkConfig(meta.model);
  return meta;
}

export function loadCheckpoint(dir: string, o: { optimizer?: boolean } = {}): { meta: BuiltinCheckpointMeta; params: Params; adam?: AdamState } {
  const meta = readCheckpointMeta(dir);
  const params = unpack(join(dir, WEIGHTS_FILE), meta.params);
  let adam: AdamState | undefined;
  if (o.optimizer && meta.optimizer) {
    const names = meta.optimizer.params;
    const shapeOf = new Map(meta.params);
    const both = unpack(join(dir, meta.optimizer.file), [
      ...names.map((n) => [`m:${n}`, shapeOf.get(n)!] as [string, number[]]),
      ...names.map((n) => [`v:${n}`, shapeOf.get(n)!] as [string, number[]]),
    ]);
    adam = { t: meta.optimizer.t, m: {}, v: {} };
    for (const n of names) {
      adam.m[n] = both[`m:${n}`];
      adam.v[n] = both[`v:${n}`];
    }
  }
  return { meta, params, adam };
}
