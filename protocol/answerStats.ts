// Statistics over answered prompts that the trainer's validation, `see2think eval` files, the diff summary and
// the experiment report all compute the same way: the paper's error analysis (of the wrong visual-reasoning
// answers, how many stated a wrong perception vs got the arithmetic wrong) and response length on correct answers.
import { mean } from './stats';

/** One answered prompt, as an eval record or a validation response has it. */
export interface AnsweredPrompt {
  task?: string;
  correct: boolean;
  length: number;
  /** Whether the stated perception (parsed from <think>) was right; null: not stated/unreadable; absent: not a scene question. */
  perception_ok?: boolean | null;
}

export interface ErrorBreakdown {
  /** Wrong visual-reasoning answers whose perception could be judged or not (the denominator). */
  wrong: number;
  perception: number;
  reasoning: number;
  unparsed: number;
  /** perception / wrong, reasoning / wrong (NaN when no answer was wrong). */
  perceptionShare: number;
  reasoningShare: number;
}

/** The task whose wrong answers the error analysis is about (perception answers are all perception errors). */
export const ERROR_ANALYSIS_TASK = 'visual-reasoning';

export function visualErrorBreakdown(answers: readonly AnsweredPrompt[]): ErrorBreakdown {
  const wrong = answers.filter((a) => a.task === ERROR_ANALYSIS_TASK && !a.correct && a.perception_ok !== undefined);
  const perception = wrong.filter((a) => a.perception_ok === false).length;
  const reasoning = wrong.filter((a) => a.perception_ok === true).length;
  const n = wrong.length;
  return {
    wrong: n, perception, reasoning, unparsed: n - perception - reasoning,
    perceptionShare: n ? perception / n : NaN, reasoningShare: n ? reasoning / n : NaN,
  };
}

/** Mean response length (tokens) over the correct answers only; NaN when none is correct. */
export const meanCorrectLength = (answers: readonly AnsweredPrompt[]): number => mean(answers.filter((a) => a.correct).map((a) => a.length));
