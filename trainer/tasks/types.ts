// The contract between the task generators (trainer/tasks/) and the trainer (model, SFT, GRPO, eval).
// A task example is a prompt (optionally with a rendered scene), its ground-truth answer, and one correct,
// well-formatted demonstration used by the supervised warm-up.
import type { Generator } from '../../protocol/recipe';
import type { Rng } from '../util/rng';

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
  /** A correct response in the paper's format: `<think>…</think> \boxed{answer}` (ASCII). */
  demonstration: string;
}

export interface TaskOptions {
  /** Scene size in pixels (from the recipe's model size). */
  imageSize: number;
  /** Longest prompt and demonstration the model can take (characters). */
  maxPromptLength: number;
  maxResponseLength: number;
}

export interface TaskGenerator {
  readonly kind: Generator;
  /** One training example drawn with `rng` (deterministic given the rng state). */
  sample(rng: Rng): TaskExample;
  /** The fixed held-out validation set (same for every run with the same options and size). */
  validation(size: number): TaskExample[];
}
