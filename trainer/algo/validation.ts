// Validation on a held-out set at the recipe's validation sampling (the paper: temperature 0.6, top-p 0.95,
// n 1): accuracy, reward, format and response length, with a fixed RNG seed so every validation of a run
// samples the same way and successive values are comparable; plus the length of correct answers and the
// error analysis of wrong visual-reasoning answers (perception vs reasoning), where the set has them.
import { Rng } from '../util/rng';
import type { ModelConfig } from '../model/config';
import type { PromptInput } from '../model/batch';
import type { Params } from '../model/vlm';
import { type Rollout, sample } from '../model/sampling';
import { decode } from '../model/tokenizer';
import type { ScoredResponse } from './grpo';
import { METRICS } from '../../protocol/metrics';
import { meanCorrectLength, visualErrorBreakdown, type AnsweredPrompt } from '../../protocol/answerStats';

export interface ValidationOptions {
  temperature: number;
  topP: number;
  n: number;
  maxTokens: number;
  seed: number;
}

export interface ValidationResult {
  metrics: { 'val/accuracy': number; 'val/reward': number; 'val/format': number; 'val/response_length': number };
  responses: { prompt: number; text: string; rollout: Rollout; score: ScoredResponse }[];
}

export function validate(
  params: Params, cfg: ModelConfig, prompts: PromptInput[],
  score: (prompt: number, text: string) => ScoredResponse, o: ValidationOptions,
): ValidationResult {
  const greedy = o.temperature === 0;
  const rollouts = sample(params, cfg, prompts, o.n, { temperature: greedy ? 1 : o.temperature, topP: o.topP, maxTokens: o.maxTokens, greedy }, new Rng(o.seed));
  const responses = rollouts.flatMap((group, prompt) => group.map((rollout) => {
    const text = decode(rollout.tokens);
    return { prompt, text, rollout, score: score(prompt, text) };
  }));
  const avg = (f: (r: (typeof responses)[number]) => number) => responses.reduce((a, r) => a + f(r), 0) / Math.max(1, responses.length);
  return {
    responses,
    metrics: {
      'val/accuracy': avg((r) => r.score.accuracy),
      'val/reward': avg((r) => r.score.reward),
      'val/format': avg((r) => r.score.format),
      'val/response_length': avg((r) => r.rollout.tokens.length),
    },
  };
}

/** val/* metrics of answered prompts that exist only where measurable: correct-answer length, error shares. */
export function answerMetrics(answers: readonly AnsweredPrompt[]): Record<string, number> {
  const out: Record<string, number> = {};
  const correctLength = meanCorrectLength(answers);
  if (Number.isFinite(correctLength)) out[METRICS.valResponseLengthCorrect] = correctLength;
  const errors = visualErrorBreakdown(answers);
  if (errors.wrong) {
    out[METRICS.valPerceptionErrorShare] = errors.perceptionShare;
    out[METRICS.valReasoningErrorShare] = errors.reasoningShare;
  }
  return out;
}
