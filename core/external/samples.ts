// Foreign sampled responses (EasyR1 validation blocks, verl rollout/validation dumps, TRL completions) →
// our traces (one record per prompt with its group of responses) and eval answers (for the trace diff).
// Foreign trainers log one score per response; accuracy and format are recovered from it with the recipe's
// reward weights (overall = w·accuracy + (1−w)·format) unless the trainer logged them separately.
import { createHash } from 'node:crypto';
import type { EvalRecord, TraceRecord, TraceResponse } from '../../protocol/runRecords';
import { extractBoxed } from '../reward/reward';

export interface ForeignSample {
  prompt: string;
  response: string;
  ground_truth: string;
  score: number;
  /** When the trainer logged it separately (verl reward_extra_infos "acc", TRL accuracy reward column). */
  accuracy?: number;
  format?: number;
  advantage?: number;
}

export const DEFAULT_ACCURACY_WEIGHT = 0.9;

/** A stable id for a prompt, the same in every validation round, so rounds pair up in the diff. */
export const promptId = (prompt: string) => 'p-' + createHash('sha1').update(prompt).digest('hex').slice(0, 12);

/** Whitespace-separated words: foreign dumps carry text, not token counts. */
export const wordLength = (text: string) => text.split(/\s+/).filter(Boolean).length;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function parts(s: ForeignSample, w: number): { accuracy: number; format: number } {
  if (s.accuracy !== undefined) return { accuracy: s.accuracy, format: s.format ?? NaN };
  // Only the overall score is known: split it with the reward's weights (accuracy is 0 or 1).
  const accuracy = Number.isFinite(s.score) && s.score >= w - 1e-9 ? 1 : 0;
  let format = s.format ?? (w < 1 && Number.isFinite(s.score) ? round6((s.score - w * accuracy) / (1 - w)) : NaN);
  if (!(format >= 0 && format <= 1)) format = NaN;
  return { accuracy, format };
}

export function toEvalRecord(s: ForeignSample, accuracyWeight = DEFAULT_ACCURACY_WEIGHT, task?: string): EvalRecord {
  const { accuracy } = parts(s, accuracyWeight);
  return {
    type: 'answer',
    prompt_id: promptId(s.prompt),
    task,
    prompt: s.prompt,
    ground_truth: s.ground_truth,
    response: s.response,
    answer: extractBoxed(s.response),
    correct: accuracy >= 0.5,
    reward: s.score,
    length: wordLength(s.response),
  };
}

/** Groups samples by prompt (in first-seen order) into trace records. */
export function toTraces(samples: ForeignSample[], o: { step: number; stage: string; task: string; time: number; accuracyWeight?: number }): TraceRecord[] {
  const groups = new Map<string, ForeignSample[]>();
  for (const s of samples) {
    const g = groups.get(s.prompt);
    if (g) g.push(s);
    else groups.set(s.prompt, [s]);
  }
  const w = o.accuracyWeight ?? DEFAULT_ACCURACY_WEIGHT;
  return [...groups.values()].map((g): TraceRecord => ({
    step: o.step,
    time: o.time,
    stage: o.stage,
    task: o.task,
    prompt_id: promptId(g[0].prompt),
    prompt: g[0].prompt,
    ground_truth: g[0].ground_truth,
    responses: g.map((s): TraceResponse => ({
      text: s.response,
      reward: s.score,
      ...parts(s, w),
      ...(s.advantage !== undefined ? { advantage: s.advantage } : {}),
      length: wordLength(s.response),
      answer: extractBoxed(s.response),
    })),
  }));
}
