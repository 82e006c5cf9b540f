// Validation on a held-out set at the recipe's validation sampling (the paper: temperature 0.6, top-p 0.95,
// n 1): accuracy, reward, format and response length, with a fixed RNG seed so every validation of a run
// samples the same way and successive values are comparable; plus the length of correct answers and the
// error analysis of wrong visual-reasoning answers (perception vs reasoning), where the set has them.
import { METRICS, type MetricValues } from '../../protocol/metrics';
import { mean } from '../../protocol/stats';
import { Rng } from '../util/rng';
import type { ModelConfig } from '../model/config';
import type { PromptInput } from '../model/batch';
import type { Params } from '../model/vlm';
import { type Rollout, sample } from '../model/sampling';
import { decode } from '../model/tokenizer';
import type { ScoredResponse } from './grpo';
import { meanCorrectLength, visualErrorBreakdown, type AnsweredPrompt } from '../../protocol/answerStats';

export interface ValidationOptions {
  temperature: number;
  topP: number;
  n: number;
  maxTokens: number;
  seed: number;
}

export interface ValidationResult {
  metrics: { [METRICS.valAccuracy]: number; [METRICS.valReward]: number; [METRICS.valFormat]: number; [METRICS.valResponseLength]: number };
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
  return {
    responses,
    metrics: {
      [METRICS.valAccuracy]: mean(responses.map((r) => r.score.accuracy)),
      [METRICS.valReward]: mean(responses.map((r) => r.score.reward)),
      [METRICS.valFormat]: mean(responses.map((r) => r.score.format)),
      [METRICS.valResponseLength]: mean(responses.map((r) => r.rollout.tokens.length)),
    },
  };
}

/** val/* metrics of answered prompts that exist only where measurable: correct-answer length, error shares. */
export function answerMetrics(answers: readonly AnsweredPrompt[]): MetricValues {
  const out: MetricValues = {};
  const correctLength = meanCorrectLength(answers);
  if (Number.isFinite(correctLength)) out[METRICS.valResponseLengthCorrect] = correctLength;
  const errors = visualErrorBreakdown(answers);
  if (errors.wrong) {
    out[METRICS.valPerceptionErrorShare] = errors.perceptionShare;
    out[METRICS.valReasoningErrorShare] = errors.reasoningShare;
  }
  return out;
}
