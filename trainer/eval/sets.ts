// The prompts of an eval set: a generator's held-out validation set — built exactly as the stage's own
// validation builds it (same task options, so ids and prompts match the run's val/* metrics) — or a JSONL
// file of prompts ({id, prompt, answer, image?, task?}; image = data: URI or PNG path relative to the file).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { ResolvedStage } from '../../protocol/recipe';
import type { ModelConfig } from '../model/config';
import { StageData } from '../stage/data';
import { decodePng } from '../util/png';
import type { SceneImage, TaskExample, TaskKind } from '../tasks/types';
import { Rng } from '../util/rng';
import { EvalSpecError, type SetSpec } from './spec';

export interface EvalSet {
  examples: TaskExample[];
  /** sha256 of a file set's bytes (part of the eval key). */
  fileHash?: string;
}

export function loadEvalSet(spec: SetSpec, stage: ResolvedStage, cfg: ModelConfig): EvalSet {
  if (spec.kind === 'generator') {
    const asStage: ResolvedStage = { ...stage, data: { ...stage.data, generator: spec.generator, val_size: spec.size, size: undefined, file: undefined } };
    return { examples: new StageData(asStage, cfg, new Rng(0)).validation() };
  }
  return loadSetFile(spec.path, cfg);
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

function imageOf(ref: string, base: string, cfg: ModelConfig): SceneImage {
  const bytes = ref.startsWith('data:image/png;base64,') ? Buffer.from(ref.slice(ref.indexOf(',') + 1), 'base64') : readFileSync(resolve(base, ref));
  const img = decodePng(bytes);
  if (img.size !== cfg.imageSize) throw new Error(`image is ${img.size}x${img.size}; the model takes ${cfg.imageSize}x${cfg.imageSize}`);
  return img;
}

export function loadSetFile(path: string, cfg: ModelConfig): EvalSet {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new EvalSpecError(`${path}: cannot read the eval set (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const examples: TaskExample[] = [];
  const seen = new Set<string>();
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue;
    const where = `${path}:${i + 1}`;
    let v: Record<string, unknown>;
    try {
      v = parseJsonLoose(raw) as Record<string, unknown>;
    } catch (err) {
      throw new EvalSpecError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    const id = str(v?.id) ?? str(v?.prompt_id);
    const prompt = str(v?.prompt) ?? str(v?.problem);
    const answer = str(v?.answer) ?? str(v?.ground_truth);
    if (!id || prompt === undefined || answer === undefined) throw new EvalSpecError(`${where}: each line needs "id", "prompt" and "answer"`);
    if (seen.has(id)) throw new EvalSpecError(`${where}: id ${id} appears twice`);
    seen.add(id);
    let image: SceneImage | undefined;
    if (typeof v.image === 'string') {
      try {
        image = imageOf(v.image, dirname(resolve(path)), cfg);
      } catch (err) {
        throw new EvalSpecError(`${where}: ${(err as Error).message}`);
      }
    }
    examples.push({ id, task: (str(v.task) ?? (image ? 'visual-reasoning' : 'textual-reasoning')) as TaskKind, prompt, image, answer, demonstration: '' });
  }
  if (!examples.length) throw new EvalSpecError(`${path}: the eval set has no prompts`);
  return { examples, fileHash: createHash('sha256').update(bytes).digest('hex') };
}
