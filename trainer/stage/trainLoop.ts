// The training loop of one built-in stage, nanoGPT-style: validate at step 0, then per step draw a batch,
// take one SFT or GRPO step, validate every val_freq steps, record metrics and traces, checkpoint every
// save_freq steps. The state it trains and the checkpoint plumbing are stageState.ts.
import type { TraceRecord } from '../../protocol/runRecords';
import { METRICS, type MetricValues } from '../../protocol/metrics';
import { promptInput } from '../model/batch';
import { encode, EOS } from '../model/tokenizer';
import { sftStep } from '../algo/sft';
import { grpoStep, type ScoredResponse } from '../algo/grpo';
import { answerMetrics, validate } from '../algo/validation';
import { answeredPrompt } from '../tasks/percepts';
import { scoreResponse, describeExample, type TaskExample } from '../tasks/index';
import { type StageState, saveStage } from './stageState';

/** Prompts per step whose whole group of responses goes into traces.jsonl. */
const TRACE_PROMPTS = 2;

export class StageCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

/** Trains from s.step to the stage's last step; throws StageCancelled between steps when asked to stop. */
export async function trainStage(s: StageState, cancelRequested: () => boolean, onStep: (step: number, checkpoint?: string) => void): Promise<void> {
  const a = s.stage.algorithm;
  const val = s.data.validation();
  const valPrompts = val.map((ex) => promptInput(s.policy.cfg, ex));
  if (s.step === 0 && a.val_before_train) {
    s.out.progress('validate', 0, s.stage.steps);
    record(s, 0, validation(s, 0, val, valPrompts));
  }
  while (s.step < s.stage.steps) {
    await yieldToEvents();
    if (cancelRequested()) throw new StageCancelled();
    const step = s.step + 1;
    const metrics = s.stage.kind === 'sft' ? sftBatch(s) : rlBatch(s, step);
    s.step = step;
    if (step % a.val_freq === 0 || step === s.stage.steps) {
      await yieldToEvents();
      Object.assign(metrics, validation(s, step, val, valPrompts));
    }
    record(s, step, metrics);
    if (step % a.save_freq === 0 || step === s.stage.steps) saveStage(s);
    onStep(step, s.lastCheckpointRel);
    s.out.progress('train', step, s.stage.steps);
  }
}

function sftBatch(s: StageState): MetricValues {
  const t0 = performance.now();
  const examples = s.data.next(s.stage.algorithm.global_batch_size).map((ex) => ({
    prompt: promptInput(s.policy.cfg, ex),
    response: [...encode(ex.demonstration), EOS],
  }));
  const r = sftStep(s.policy, examples, adamOptions(s));
  const seconds = (performance.now() - t0) / 1000;
  return {
    [METRICS.sftLoss]: r.loss,
    [METRICS.gradNorm]: r.gradNorm,
    [METRICS.lr]: s.stage.algorithm.lr,
    [METRICS.throughput]: r.totalTokens / seconds,
    [METRICS.stepTime]: seconds,
  };
}

function rlBatch(s: StageState, step: number): MetricValues {
  const a = s.stage.algorithm;
  const examples = s.data.next(a.rollout_batch_size);
  const prompts = examples.map((ex) => promptInput(s.policy.cfg, ex));
  const r = grpoStep(s.policy, s.ref, prompts, (i, text) => score(s, examples[i], text), {
    n: a.rollout_n,
    miniBatchPrompts: Math.min(a.global_batch_size, a.rollout_batch_size),
    ppoEpochs: a.ppo_epochs,
    sampling: { temperature: a.temperature, topP: a.top_p, maxTokens: a.max_response_length },
    clip: { low: a.clip_ratio_low, high: a.clip_ratio_high, dual: a.clip_ratio_dual },
    klCoef: a.kl_coef,
    klPenalty: a.kl_penalty,
    adam: adamOptions(s),
  }, s.rng);
  for (const g of r.groups.slice(0, TRACE_PROMPTS)) {
    trace(s, step, examples[g.prompt], g.texts.map((text, j) => ({
      text, ...g.scores[j], advantage: g.advantages[j], length: g.rollouts[j].tokens.length,
    })));
  }
  return r.metrics;
}

function validation(s: StageState, step: number, val: TaskExample[], valPrompts: ReturnType<typeof promptInput>[]): MetricValues {
  const a = s.stage.algorithm;
  const t0 = performance.now();
  const v = validate(s.policy.params, s.policy.cfg, valPrompts, (i, text) => score(s, val[i], text), {
    temperature: a.val_temperature, topP: a.val_top_p, n: a.val_n, maxTokens: a.max_response_length,
    seed: (a.seed * 7919 + 17) >>> 0,
  });
  if (s.stage.kind === 'sft') {
    // The warm-up has no rollouts: trace what validation sampled, so the format can be seen emerging.
    for (let i = 0; i < Math.min(TRACE_PROMPTS, val.length); i++) {
      const rs = v.responses.filter((r) => r.prompt === i);
      trace(s, step, val[i], rs.map((r) => ({ text: r.text, ...r.score, length: r.rollout.tokens.length })));
    }
  }
  const answers = v.responses.map((r) => answeredPrompt(val[r.prompt], r.text, r.score.accuracy >= 1, r.rollout.tokens.length));
  return { ...v.metrics, ...answerMetrics(answers), [METRICS.timeValidation]: (performance.now() - t0) / 1000 };
}

function record(s: StageState, step: number, metrics: MetricValues): void {
  s.out.metric({ step, global_step: s.globalOffset + step, time: Date.now() / 1000, stage: s.stage.id, ...metrics });
  const show = [METRICS.rewardOverall, METRICS.sftLoss, METRICS.valAccuracy, METRICS.valFormat, METRICS.responseLength, METRICS.stepTime]
    .flatMap((k) => (metrics[k] === undefined ? [] : [`${k}=${metrics[k].toFixed(3)}`])).join(' ');
  s.out.log(`step ${step}/${s.stage.steps} ${show}`);
}

function trace(s: StageState, step: number, ex: TaskExample, responses: (ScoredResponse & { text: string; advantage?: number; length: number })[]): void {
  const subject = describeExample(ex);
  const rec: TraceRecord = {
    step, global_step: s.globalOffset + step, time: Date.now() / 1000, stage: s.stage.id,
    task: subject.task, prompt_id: subject.prompt_id, prompt: subject.prompt, ground_truth: subject.ground_truth,
    ...(subject.image ? { image: s.out.writer.sample(subject.image.name, subject.image.png) } : {}),
    responses: responses.map((r) => ({
      text: r.text, reward: r.reward, accuracy: r.accuracy, format: r.format, length: r.length, answer: r.answer,
      ...(r.advantage !== undefined ? { advantage: r.advantage } : {}),
    })),
  };
  s.out.trace(rec);
}

function score(s: StageState, ex: TaskExample, text: string): ScoredResponse {
  const r = scoreResponse(text, ex.answer, s.stage.reward);
  return { reward: r.overall, accuracy: r.accuracy, format: r.format, answer: r.answer };
}

function adamOptions(s: StageState) {
  const a = s.stage.algorithm;
  return { lr: a.lr, weightDecay: a.weight_decay, maxGradNorm: a.max_grad_norm };
}
