// Supervised fine-tuning step: maximise the log-likelihood of demonstration responses given their prompts
// (prompt tokens are context only; padding never counts). The `sft` stage kind uses it as the warm-up
// that teaches a random init the <think>…</think> \boxed{} format.
import * as tf from '@tensorflow/tfjs-core';
import { type PromptInput, trainBatch } from '../model/batch';
import { responseLogProbs } from '../model/vlm';
import type { AdamOptions } from './adamw';
import { maskedMean } from './losses';
import { type Policy, applyGrads, lossAndGrads } from './policy';

export interface SftExample {
  prompt: PromptInput;
  /** Demonstration tokens, EOS included. */
  response: number[];
}

export interface SftStepResult {
  loss: number;
  gradNorm: number;
  /** Response tokens trained on. */
  tokens: number;
  /** Prompt + response tokens processed. */
  totalTokens: number;
}

export function sftStep(policy: Policy, examples: SftExample[], o: AdamOptions): SftStepResult {
  const batch = trainBatch(policy.cfg, examples.map((e) => e.prompt), examples.map((e) => e.response));
  const { loss, grads, aux } = lossAndGrads(policy, (p) => {
    const { logp } = responseLogProbs(p, policy.cfg, batch);
    const mask = tf.tensor2d(batch.mask, [batch.size, batch.responseLen]);
    return { loss: tf.neg(maskedMean(logp, mask)), aux: {} };
  }, batch.imageTokens > 0);
  void aux;
  const { gradNorm } = applyGrads(policy, grads, o);
  const tokens = examples.reduce((a, e) => a + e.response.length, 0);
  return { loss, gradNorm, tokens, totalTokens: tokens + examples.reduce((a, e) => a + e.prompt.tokens.length, 0) };
}
