// What every task generator shares: question templates drawn at random, redrawn until prompt and demonstration
// fit the model's lengths, a fixed validation set from its own seed, and a held-out split that keeps training
// draws off the validation examples (each example's split key is hashed; 1 in 8 keys is validation-only).
import { Rng } from '../util/rng';
import { renderScene, sceneSignature, type Scene } from './scenes';
import type { ResolvedTaskOptions } from './options';
import type { TaskExample, TaskGenerator, TaskKind } from './types';
import { formatPercept, type Percept, type PerceptStyle } from './percepts';

/** One question before it becomes an example: what its working reads off the scene, then the reasoning on it. */
export interface Draft {
  prompt: string;
  scene?: Scene;
  /** What the working states it sees first, in order (perception units, see percepts.ts); none for word problems. */
  percepts?: Percept[];
  /**
   * The reasoning after the percepts, from the counts they state (the true counts give the right answer; a
   * demonstration that slips reasons correctly from its wrong count). Its think part may be empty.
   */
  reason(counts: number[]): { think: string; answer: string };
  /** Examples with the same key fall on the same side of the train/validation split. */
  splitKey: string;
}

export interface Template {
  id: string;
  /** A draft, or null when this draw does not suit the template (it is then redrawn). */
  draw(rng: Rng, o: ResolvedTaskOptions): Draft | null;
}

/** A `questions` filter that leaves a generator nothing to ask. */
export class NoQuestionsError extends RangeError {
  override name = 'NoQuestionsError';
}

const HOLDOUT_ONE_IN = 8;
/** Validation seed, independent of every training seed: the same held-out set for every run. */
const VALIDATION_SEED = 0x5ee2;
const MAX_DRAWS = 500;
const TRIES_PER_TEMPLATE = 20;

/** 64-bit FNV-1a as 16 hex digits (two 32-bit lanes): stable ids and split buckets. */
export function hashHex(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x100) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

export const isHeldOut = (kind: TaskKind, splitKey: string): boolean =>
  parseInt(hashHex(`${kind}\u0000${splitKey}`).slice(0, 8), 16) % HOLDOUT_ONE_IN === 0;

export function formatResponse(think: string, answer: string, format: ResolvedTaskOptions['responseFormat']): string {
  return format === 'r1v' ? `<think>${think}</think> <answer>${answer}</answer>` : `<think>${think}</think> \\boxed{${answer}}`;
}

/** A draft's working in a perception style: the stated percepts, then the reasoning on the counts they state. */
export function working(d: Draft, style: PerceptStyle = {}): { think: string; answer: string } {
  const units = (d.percepts ?? []).map((p) => formatPercept(p, style));
  const r = d.reason(units.map((u) => u.count));
  return { think: [...units.map((u) => u.text), r.think].filter(Boolean).join(' '), answer: r.answer };
}

const correct = (d: Draft) => working(d);

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function templatedGenerator(kind: TaskKind, all: Template[], o: ResolvedTaskOptions): TaskGenerator {
  const templates = o.questions ? all.filter((t) => o.questions!.includes(t.id)) : all;
  if (!templates.length) {
    throw new NoQuestionsError(`task option questions ${JSON.stringify(o.questions)} leaves no ${kind} question; ${kind} has: ${all.map((t) => t.id).join(', ')}`);
  }

  const fits = (d: Draft): boolean => {
    const w = correct(d);
    const response = formatResponse(w.think, w.answer, o.responseFormat);
    return PRINTABLE_ASCII.test(d.prompt) && PRINTABLE_ASCII.test(response) &&
      o.lengthOf(d.prompt) <= o.maxPromptLength && o.lengthOf(response) <= o.maxResponseLength;
  };

  // A template is redrawn until its question fits, so the mix of question kinds stays uniform even where
  // long variants are dropped (a tight length only skews answers within a template).
  const draw = (rng: Rng): { draft: Draft; template: string } | null => {
    const t = rng.pick(templates);
    for (let i = 0; i < TRIES_PER_TEMPLATE; i++) {
      const d = t.draw(rng, o);
      if (d && fits(d)) return { draft: d, template: t.id };
    }
    return null;
  };

  const toExample = (d: Draft, question: string, id: string, style: PerceptStyle = {}): TaskExample => {
    const w = working(d, style);
    return {
      id,
      task: kind,
      prompt: d.prompt,
      ...(d.scene ? { image: renderScene(d.scene, o.imageSize) } : {}),
      answer: correct(d).answer,
      demonstration: formatResponse(w.think, w.answer, o.responseFormat),
      question,
      ...(d.percepts ? { percepts: d.percepts } : {}),
      ...(style.slip ? { slip: true } : {}),
      ...(style.recheck ? { recheck: true } : {}),
    };
  };
  // A training draw's perception style: whether its demonstration slips (misses an object in every percept) and
  // whether it re-checks (re-lists each percept's cells) when that still fits. The rng is touched only for a
  // non-zero rate, so rates of 0 draw exactly what they drew before the options existed.
  const styleOf = (d: Draft, rng: Rng): PerceptStyle => {
    if (!d.percepts?.length) return {};
    const style: PerceptStyle = {};
    // A slip on groups that are all empty changes nothing: that demonstration is not marked as one.
    if (o.slipRate > 0 && rng.next() < o.slipRate && d.percepts.some((p) => p.cells.length)) style.slip = true;
    if (o.recheckRate > 0 && rng.next() < o.recheckRate) {
      const w = working(d, { ...style, recheck: true });
      if (o.lengthOf(formatResponse(w.think, w.answer, o.responseFormat)) <= o.maxResponseLength) style.recheck = true;
    }
    return style;
  };
  const contentKey = (d: Draft) => `${d.prompt}\u0000${d.scene ? sceneSignature(d.scene) : ''}`;
  const nothingFits = () => new RangeError(
    `no ${kind} question fits maxPromptLength ${o.maxPromptLength} and maxResponseLength ${o.maxResponseLength} ` +
    `in ${MAX_DRAWS} draws: raise the lengths or lower the difficulty knobs`);

  // Validation: drawn once, in order, from its own seed; later calls extend the same list (so a smaller
  // set is a prefix of a larger one). Only when the held-out space looks exhausted (tiny knob settings)
  // does it relax, for good: first allowing repeats, then training-side keys.
  const val: TaskExample[] = [];
  const valRng = new Rng((VALIDATION_SEED ^ parseInt(hashHex(kind).slice(0, 8), 16)) >>> 0);
  const valSeen = new Set<string>();
  let misses = 0;
  let relax = 0;
  const extendValidation = (size: number) => {
    while (val.length < size) {
      const got = draw(valRng);
      if (!got) {
        if (++misses > MAX_DRAWS * 20) throw nothingFits();
        continue;
      }
      const key = contentKey(got.draft);
      const held = isHeldOut(kind, got.draft.splitKey);
      if ((held || relax >= 2) && (!valSeen.has(key) || relax >= 1)) {
        valSeen.add(key);
        val.push(toExample(got.draft, got.template, `${kind}/val/${String(val.length).padStart(6, '0')}`));
        misses = 0;
      } else if (++misses > 2000) {
        relax++;
        misses = 0;
      }
    }
  };

  return {
    kind,
    sample(rng: Rng): TaskExample {
      let fallback: { draft: Draft; template: string } | undefined;
      for (let i = 0; i < MAX_DRAWS; i++) {
        const got = draw(rng);
        if (!got) continue;
        if (isHeldOut(kind, got.draft.splitKey)) {
          fallback ??= got;
          continue;
        }
        return toExample(got.draft, got.template, `${kind}/train/${hashHex(contentKey(got.draft))}`, styleOf(got.draft, rng));
      }
      // Everything that fits is held out (a tiny problem space): train on it rather than fail.
      if (fallback) return toExample(fallback.draft, fallback.template, `${kind}/train/${hashHex(contentKey(fallback.draft))}`, styleOf(fallback.draft, rng));
      throw nothingFits();
    },
    validation(size: number): TaskExample[] {
      if (!Number.isInteger(size) || size < 0) throw new RangeError(`validation size must be a non-negative integer, got ${size}`);
      extendValidation(size);
      return val.slice(0, size);
    },
  };
}
