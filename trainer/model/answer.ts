// Library API for evaluation (used by the trace-diff tools): load a checkpoint directory and answer task
// examples with given sampling. Deterministic for a given seed; greedy ignores temperature and top_p.
import type { TaskExample, TaskOptions } from '../tasks/types';
import { initBackend } from '../backend';
import { Rng } from '../util/rng';
import { loadCheckpoint, readCheckpointMeta } from './checkpoint';
import { promptInput } from './batch';
import { sample } from './sampling';
import { decode, encode } from './tokenizer';
import { disposeParams } from './vlm';

export interface AnswerSampling {
  temperature: number;
  top_p: number;
  /** Responses per example. */
  n: number;
  /** Take the most likely token every step (temperature and top_p are then ignored). */
  greedy?: boolean;
  seed: number;
  /** Most response tokens (EOS included). */
  max_length: number;
}

export interface AnsweredExample {
  id: string;
  responses: {
    text: string;
    /** Length in tokens (EOS included when the response ended). */
    length: number;
    /** False when the response hit max_length without ending. */
    finished: boolean;
  }[];
}

/** The task options that fit a checkpoint's model (scene size, prompt length, token lengths). */
export function taskOptionsForCheckpoint(checkpointDir: string, maxResponseLength: number): TaskOptions {
  const cfg = readCheckpointMeta(checkpointDir).model;
  return {
    imageSize: cfg.imageSize,
    maxPromptLength: cfg.maxPromptLength,
    maxResponseLength: Math.min(maxResponseLength, cfg.maxPositions - cfg.maxPromptLength - 1) - 1,
    lengthOf: (text) => encode(text).length,
  };
}

/** Answers every example with the checkpoint's model; results are in the order of `examples`. */
export async function answerWithCheckpoint(checkpointDir: string, examples: TaskExample[], s: AnswerSampling): Promise<AnsweredExample[]> {
  if (!(s.n >= 1) || !(s.max_length >= 1)) throw new RangeError('answerWithCheckpoint: n and max_length must be ≥ 1');
  if (!s.greedy && !(s.temperature > 0 && s.top_p > 0 && s.top_p <= 1)) throw new RangeError('answerWithCheckpoint: temperature > 0 and 0 < top_p ≤ 1 (or greedy)');
  await initBackend();
  const { meta, params } = loadCheckpoint(checkpointDir);
  try {
    const prompts = examples.map((ex) => promptInput(meta.model, ex));
    const rollouts = sample(params, meta.model, prompts, s.n, {
      temperature: s.greedy ? 1 : s.temperature, topP: s.greedy ? 1 : s.top_p, maxTokens: s.max_length, greedy: s.greedy,
    }, new Rng(s.seed));
    return examples.map((ex, i) => ({
      id: ex.id,
      responses: rollouts[i].map((r) => ({ text: decode(r.tokens), length: r.tokens.length, finished: r.finished })),
    }));
  } finally {
    disposeParams(params);
  }
}
