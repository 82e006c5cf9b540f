// What an evaluation is, as names: the set ("visual-reasoning:200", or a file), the sampling (the paper's
// validation sampling, or greedy) and the key of its result file — same key = same checkpoint + set +
// sampling + seed, so a finished result can be found again and reused. Pure.
import type { Generator } from '../../protocol/recipe';

export const GENERATORS: readonly Generator[] = ['perception', 'textual-reasoning', 'visual-reasoning', 'merged'];

export interface EvalSampling {
  temperature: number;
  top_p: number;
  n: 1;
  greedy: boolean;
}

/** The paper's validation sampling (EasyR1 val_override_config): temperature 0.6, top-p 0.95, n 1. */
export const PAPER_VALIDATION: EvalSampling = { temperature: 0.6, top_p: 0.95, n: 1, greedy: false };
export const GREEDY: EvalSampling = { temperature: 0, top_p: 1, n: 1, greedy: true };

export type SetSpec =
  | { kind: 'generator'; generator: Generator; size: number }
  | { kind: 'file'; path: string };

export class EvalSpecError extends Error {}

/**
 * A set name as users write it: a generator ("perception", "visual-reasoning:500") — its held-out
 * validation set of that size, default `defaultSize` — or a path to a JSONL file of prompts.
 */
export function parseSetName(name: string, defaultSize: number, isFile: (p: string) => boolean): SetSpec {
  const m = /^([a-z-]+)(?::(\d+))?$/.exec(name);
  if (m && GENERATORS.includes(m[1] as Generator)) {
    const size = m[2] === undefined ? defaultSize : Number(m[2]);
    if (!Number.isInteger(size) || size < 1 || size > 100000) throw new EvalSpecError(`set ${name}: size must be 1..100000`);
    return { kind: 'generator', generator: m[1] as Generator, size };
  }
  if (isFile(name)) return { kind: 'file', path: name };
  throw new EvalSpecError(`unknown eval set '${name}': use one of ${GENERATORS.join(', ')} (optionally ":<size>"), or a JSONL file of prompts`);
}

export function setLabel(s: SetSpec): string {
  return s.kind === 'generator' ? `${s.generator}:${s.size}` : `file:${s.path}`;
}

const num = (x: number) => String(+x.toFixed(4));
export const samplingLabel = (s: EvalSampling): string => (s.greedy ? 'greedy' : `t${num(s.temperature)}-p${num(s.top_p)}`);

/** File-name-safe: letters, digits, '.', '_' and '-' only. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * The eval file's key: `<stage>.step-<N>__<set>__<sampling>__seed<S>`. A file set is named by its base
 * name plus a hash of its content (`fileHash`), so an edited file is never mistaken for the old one.
 */
export function evalKey(o: { stage: string; step: number; set: SetSpec; sampling: EvalSampling; seed: number; fileHash?: string }): string {
  // meta.json is data: its step names a file, so it must be a plain step number.
  if (!Number.isSafeInteger(o.step) || o.step < 0) throw new EvalSpecError(`checkpoint step ${JSON.stringify(o.step)?.slice(0, 60)} is not a step number`);
  if (!Number.isSafeInteger(o.seed)) throw new EvalSpecError(`seed ${JSON.stringify(o.seed)?.slice(0, 60)} is not an integer`);
  if (!safe(o.stage)) throw new EvalSpecError(`stage ${JSON.stringify(o.stage)?.slice(0, 60)} cannot name a file`);
  const set = o.set.kind === 'generator' ? `${o.set.generator}-${o.set.size}`
    : `file-${safe(o.set.path.split(/[\\/]/).pop()!.replace(/\.jsonl$/, '')).slice(0, 40)}-${(o.fileHash ?? '').slice(0, 10)}`;
  return `${safe(o.stage)}.step-${o.step}__${set}__${samplingLabel(o.sampling)}__seed${o.seed}`;
}
