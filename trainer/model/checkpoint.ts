// Checkpoint files of the built-in trainer: checkpoints/step-N/{weights.bin, optimizer.bin, meta.json}.
// Weights and Adam moments are raw little-endian float32 in the order meta.json lists; meta.json is written
// last (atomically), so a checkpoint without it is incomplete and ignored by latestCheckpoint(). Data files and
// the folder are fsynced before meta.json is, so after a power loss a checkpoint with meta.json is whole; one
// that still cannot be loaded is moved aside and the previous one is used (loadLatestCheckpoint).
import * as tf from '@tensorflow/tfjs-core';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckpointMeta } from '../../protocol/runRecords';
import { withPath, writeJsonAtomic } from '../../core/rundir/runDirWriter';
import { CHECKPOINT_META, listCheckpoints } from '../../core/rundir/checkpointPaths';
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

/** Writes a data file durably: temp file, every byte, fsync, rename (the folder is fsynced by the caller). */
function writeFileAtomicBytes(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (let w = 0; w < bytes.length; ) w += writeSync(fd, bytes, w, bytes.length - w);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw withPath(err, path);
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Makes a folder's entries (renames, new files) durable. */
function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // a platform that cannot open folders (Windows): nothing more to do there
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
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
  // The data files' names must be on disk before meta.json says the checkpoint is complete.
  fsyncDir(s.dir);
  const meta: BuiltinCheckpointMeta = { ...s.meta, trainer: 'builtin', model: s.cfg, params: shapes, optimizer };
  writeJsonAtomic(join(s.dir, CHECKPOINT_META), meta);
  fsyncDir(s.dir);
  fsyncDir(dirname(s.dir));
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

/**
 * The newest of a stage's checkpoints that loads. One that does not (short weights after a power loss, a
 * corrupt meta.json) is renamed to step-N.unusable-<time> — kept for a look, no longer "latest" for anyone —
 * and the one before it is tried; `warn` says which was skipped and why. Undefined when the stage has none.
 */
export function loadLatestCheckpoint(stageDir: string, warn: (message: string) => void, o: { optimizer?: boolean } = {}):
  ({ dir: string; step: number } & ReturnType<typeof loadCheckpoint>) | undefined {
  const all = listCheckpoints(stageDir);
  const problems: string[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const ck = all[i];
    try {
      const loaded = loadCheckpoint(ck.dir, o);
      if (problems.length) warn(`${problems.join('; ')}: continuing from step-${ck.step} instead`);
      return { ...ck, ...loaded };
    } catch (err) {
      const aside = `${ck.dir}.unusable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        renameSync(ck.dir, aside);
      } catch {
        // read-only: it stays, still skipped this time
      }
      problems.push(`checkpoint step-${ck.step} cannot be loaded (${(err as Error).message}; moved to ${aside})`);
    }
  }
  if (problems.length) throw new Error(`no checkpoint of ${stageDir} can be loaded: ${problems.join('; ')}`);
  return undefined;
}
