// The contract between the task generators (trainer/tasks/) and the trainer (model, SFT, GRPO, eval).
// A task example is a prompt (optionally with a rendered scene), its ground-truth answer, what a right reading of
// the scene states (its percepts), and one well-formatted demonstration for the supervised warm-up (correct, or at
// data.perception_slip_rate one whose reading misses an object).
import type { Generator } from '../../protocol/recipe';
import type { Rng } from '../util/rng';
import type { Percept } from './percepts';

/** Task kinds that have a generator (sft uses 'merged'). */
export type TaskKind = Exclude<Generator, 'merged'>;

export interface SceneImage {
  /** Square RGB image, row-major, 3 bytes per pixel, values 0–255. */
  size: number;
  rgb: Uint8Array;
}

export interface TaskExample {
  /** Stable id, unique within its split, e.g. 'perception/val/000123'. */
  id: string;
  task: TaskKind;
  /** The question (printable ASCII only: the built-in tokenizer is character-level). */
  prompt: string;
  /** The scene the question is about (absent for textual reasoning). */
  image?: SceneImage;
  /** Canonical ground-truth answer, compared with the extracted \boxed{} content. */
  answer: string;
  /** A response in the paper's format, `<think>…</think> \boxed{answer}` (ASCII): correct unless `slip`. */
  demonstration: string;
  /** The demonstration's reading of the scene misses an object in every percept (so its answer is usually wrong). */
  slip?: boolean;
  /** The demonstration re-lists each percept's cells before stating its count. */
  recheck?: boolean;
  /** What a right reading of the scene states, in the working's order (scene questions only): the error analysis's truth. */
  percepts?: Percept[];
  /** Which question template produced it (e.g. 'count-color', 'add', 'chain'): for per-kind metrics. */
  question?: string;
}

export interface TaskOptions {
  /** Scene size in pixels (from the recipe's model size). */
  imageSize: number;
  /** Longest prompt and demonstration the model can take (in `lengthOf` units: characters by default). */
  maxPromptLength: number;
  maxResponseLength: number;
  /** How the model measures a text (e.g. its token count, where `<think>` is one token); default: characters. */
  lengthOf?: (text: string) => number;
  // Difficulty knobs (optional; defaults in trainer/tasks/options.ts, chosen so a small model after a short
  // SFT warm-up is neither at 0 % nor at 100 %). Examples that do not fit the two lengths are redrawn.
  /** Scene grid cells per side (default 4: one cell per 8×8 patch of a 32×32 image). */
  gridSize?: number;
  /** Objects per scene, drawn uniformly in [minObjects, maxObjects] (defaults 4 and 9). */
  minObjects?: number;
  maxObjects?: number;
  /** Textual reasoning: operands are drawn from 1..maxNumber (default 5). */
  maxNumber?: number;
  /** Textual reasoning: arithmetic operations per problem (default 2, at most 4). */
  steps?: number;
  /** Only these question templates (ids as in TaskExample.question); default all of each generator. */
  questions?: string[];
  /**
   * Fraction of training demonstrations of scene questions whose reading misses the last object of each group it
   * lists (then reasons correctly from that count): a weak perceiver's habit, shared by perception and
   * visual-reasoning demonstrations, that RL on either can train away. Default 0.
   */
  slipRate?: number;
  /** Fraction of training demonstrations of scene questions that re-list each group's cells before counting. Default 0. */
  recheckRate?: number;
  /** Demonstrations in the math reward's format (`\boxed{}`, default) or r1v's (`<answer></answer>`). */
  responseFormat?: 'math' | 'r1v';
}

export interface TaskGenerator {
  readonly kind: Generator;
  /** One training example drawn with `rng` (deterministic given the rng state). */
  sample(rng: Rng): TaskExample;
  /** The fixed held-out validation set (same for every run with the same options and size). */
  validation(size: number): TaskExample[];
}
