// Runs ONE stage of an existing run directory with the built-in trainer (what `see2think stage` does, and so
// what the extension's supervisor and SLURM batch scripts run): starts from the init stage's final checkpoint
// (or a fresh model), trains with SFT or GRPO, validates, and writes status, metrics, traces and checkpoints.
// Cancellation (SIGTERM/SIGINT) is honoured between steps: checkpoint, then status `cancelled`.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type TraceRecord } from '../../protocol/runRecords';
import type { ResolvedStage } from '../../protocol/recipe';
import { METRICS } from '../../protocol/metrics';
import { openRun, type OpenRun } from '../../core/rundir/runDir';
import { readRunMeta, readStageStatus, stagePath } from '../../core/rundir/runDirReader';
import { writeRunMeta } from '../../core/rundir/runDirWriter';
import { checkpointDir, latestCheckpoint } from '../../core/rundir/checkpointPaths';
import { claimStage, nowIso, startRunningStatus, type RunStageOptions, type StageOutcome } from '../../core/rundir/runningStatus';
import { initBackend } from '../backend';
import { Rng } from '../util/rng';
import { type ModelConfig, modelConfigOf } from '../model/config';
import { type Params, initParams, disposeParams } from '../model/vlm';
import { promptInput } from '../model/batch';
import { encode, EOS } from '../model/tokenizer';
import { loadCheckpoint, saveCheckpoint } from '../model/checkpoint';
import { type Policy, makePolicy } from '../algo/policy';
import { sftStep } from '../algo/sft';
import { grpoStep, type ScoredResponse } from '../algo/grpo';
import { validate } from '../algo/validation';
import { scoreResponse, describeExample, type TaskExample } from '../tasks/index';
import { StageData } from './data';
import { StageOutput } from '../../core/rundir/stageOutput';
import { truncateJsonlAfterStep } from '../../core/rundir/truncateJsonl';

/** Prompts per step whose whole group of responses goes into traces.jsonl. */
const TRACE_PROMPTS = 2;

export class StageCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}


const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

function hasProgress(stageDir: string): boolean {
  const metrics = join(stageDir, RUN_FILES.metrics);
  return latestCheckpoint(stageDir) !== undefined || (existsSync(metrics) && statSync(metrics).size > 0);
}

/** The weights the stage starts from: the init stage's latest checkpoint, or a fresh model. */
function stageStart(run: OpenRun, stage: ResolvedStage, out: StageOutput): { cfg: ModelConfig; params: Params; parent: string | null; globalOffset: number } {
  if (!stage.initFrom) {
    const cfg = modelConfigOf(run.recipe);
    return { cfg, params: initParams(cfg, stage.algorithm.seed), parent: null, globalOffset: 0 };
  }
  const from = stage.initFrom;
  const ck = latestCheckpoint(stagePath(run.runDir, from));
  if (!ck) throw new Error(`stage ${stage.id} starts from ${from}'s final checkpoint, but ${from} has none — run ${from} first`);
  const parentStatus = readStageStatus(run.runDir, from).value;
  if (parentStatus && parentStatus.state !== 'succeeded') {
    out.log(`${from} is ${parentStatus.state}, not succeeded: starting from its latest checkpoint (step ${ck.step})`, 'warn');
  }
  const { meta, params } = loadCheckpoint(ck.dir);
  return { cfg: meta.model, params, parent: `${from}/step-${ck.step}`, globalOffset: meta.global_step ?? meta.step };
}

function recordBackend(runDir: string, backend: string): void {
  const meta = readRunMeta(runDir).value;
  if (meta && meta.backend !== backend) writeRunMeta(runDir, { ...meta, backend });
}

const toScored = (s: ReturnType<typeof scoreResponse>): ScoredResponse => ({ reward: s.overall, accuracy: s.accuracy, format: s.format, answer: s.answer });

export async function runStage(o: RunStageOptions): Promise<StageOutcome> {
  const run = openRun(o.runDir);
  const stage = run.recipe.stages.find((s) => s.id === o.stageId);
  if (!stage) throw new Error(`no stage '${o.stageId}' in ${join(o.runDir, RUN_FILES.recipe)} (stages: ${run.recipe.stages.map((s) => s.id).join(', ')})`);
  if (run.recipe.model.trainer !== 'builtin') {
    throw new Error(`the recipe's trainer is '${run.recipe.model.trainer}'; see2think stage runs only the built-in trainer`);
  }
  const out = o.out ?? new StageOutput(o.runDir, stage.id);
  const stageDir = out.writer.dir;
  const prev = claimStage(o.runDir, stage.id);
  if (!o.resume && hasProgress(stageDir)) {
    if (!o.restart) {
      throw new Error(`stage ${stage.id} already has progress in ${stageDir}: pass --resume to continue it, or --restart to discard it and start over`);
    }
    for (const f of [RUN_FILES.metrics, RUN_FILES.traces, RUN_FILES.checkpoints, RUN_FILES.samples]) rmSync(join(stageDir, f), { recursive: true, force: true });
    for (const d of [RUN_FILES.checkpoints, RUN_FILES.samples]) mkdirSync(join(stageDir, d), { recursive: true });
    out.log('restart: earlier metrics, traces, samples and checkpoints removed');
  }

  const backend = await initBackend();
  recordBackend(o.runDir, backend.label);
  out.log(`backend: ${backend.label}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);

  const setStatus = startRunningStatus(out, stage, prev).set;

  let trainer: StageTrainer | undefined;
  try {
    trainer = StageTrainer.create(run, stage, out, !!o.resume);
    setStatus({ step: trainer.step, last_checkpoint: trainer.lastCheckpointRel });
    await trainer.train(o.cancelRequested ?? (() => false), (step, ck) => setStatus({ step, last_checkpoint: ck }));
    setStatus({ state: 'succeeded', ended: nowIso(), exit_code: 0 });
    out.log(`succeeded at step ${trainer.step}`);
    return 'succeeded';
  } catch (err) {
    if (err instanceof StageCancelled && trainer) {
      trainer.saveIfNeeded();
      setStatus({ state: 'cancelled', ended: nowIso(), exit_code: 143, signal: 'SIGTERM', step: trainer.step, last_checkpoint: trainer.lastCheckpointRel });
      out.log(`cancelled at step ${trainer.step}${trainer.lastCheckpointRel ? `; checkpoint ${trainer.lastCheckpointRel}` : ''}`);
      return 'cancelled';
    }
    const message = (err as Error).message ?? String(err);
    out.log(`failed: ${(err as Error).stack ?? message}`, 'error');
    setStatus({ state: 'failed', ended: nowIso(), exit_code: 1, error: message });
    return 'failed';
  } finally {
    trainer?.dispose();
  }
}

/** The training state of one stage between steps: model, reference, optimizer, RNGs, data. */
class StageTrainer {
  step: number;
  lastSavedStep: number;
  lastCheckpointRel?: string;
  private valPrompts;
  private val: TaskExample[];

  private constructor(
    private run: OpenRun, private stage: ResolvedStage, private out: StageOutput,
    private policy: Policy, private ref: Params | null, private rng: Rng, private data: StageData,
    private parent: string | null, private globalOffset: number, startStep: number,
  ) {
    this.step = startStep;
    this.lastSavedStep = startStep;
    if (startStep > 0) this.lastCheckpointRel = `${RUN_FILES.checkpoints}/step-${startStep}`;
    this.val = data.validation();
    this.valPrompts = this.val.map((ex) => promptInput(policy.cfg, ex));
  }

  static create(run: OpenRun, stage: ResolvedStage, out: StageOutput, resume: boolean): StageTrainer {
    const start = stageStart(run, stage, out);
    const own = resume ? latestCheckpoint(out.writer.dir) : undefined;
    const isRl = stage.kind !== 'sft';
    const needRef = isRl && stage.algorithm.kl_coef > 0;
    let cfg = start.cfg;
    let params = start.params;
    let adam;
    let rng = new Rng((Math.imul(stage.algorithm.seed, 0x85ebca6b) ^ (stage.index + 1)) >>> 0);
    let dataRng = StageData.seed(stage);
    let startStep = 0;
    let globalOffset = start.globalOffset;
    if (own) {
      const ck = loadCheckpoint(own.dir, { optimizer: true });
      cfg = ck.meta.model;
      params = ck.params;
      adam = ck.adam;
      startStep = ck.meta.step;
      globalOffset = (ck.meta.global_step ?? ck.meta.step) - ck.meta.step;
      if (ck.meta.rng?.train) rng = new Rng(ck.meta.rng.train);
      if (ck.meta.rng?.data) dataRng = new Rng(ck.meta.rng.data);
      out.log(`resuming from ${own.dir} (step ${startStep})`);
    } else if (resume) {
      out.log('resume: no checkpoint of this stage yet; starting from the beginning');
    }
    // Lines past the checkpoint will be written again: drop them so steps stay contiguous.
    const keep = own ? startStep : -1;
    for (const f of [RUN_FILES.metrics, RUN_FILES.traces]) {
      const n = truncateJsonlAfterStep(join(out.writer.dir, f), keep);
      if (n) out.log(`${f}: dropped ${n} line(s) after step ${keep < 0 ? 0 : keep} (they are redone)`);
    }
    let ref: Params | null = null;
    if (needRef) ref = start.params === params ? cloneOf(params) : start.params;
    else if (start.params !== params) disposeParams(start.params);
    const policy = makePolicy(cfg, params, stage.algorithm.freeze_vision_tower, adam);
    const data = new StageData(stage, cfg, dataRng);
    out.log(`${stage.kind} stage, ${stage.steps} steps from ${start.parent ?? 'a fresh model'}; model d=${cfg.dModel} layers=${cfg.nLayers}+${cfg.visionLayers} vision, ${policy.trainable.length} trainable tensors`);
    return new StageTrainer(run, stage, out, policy, ref, rng, data, start.parent, globalOffset, startStep);
  }

  private get a() {
    return this.stage.algorithm;
  }

  private score(ex: TaskExample, text: string): ScoredResponse {
    return toScored(scoreResponse(text, ex.answer, this.stage.reward));
  }

  async train(cancelRequested: () => boolean, onStep: (step: number, checkpoint?: string) => void): Promise<void> {
    const a = this.a;
    if (this.step === 0 && a.val_before_train) {
      this.out.progress('validate', 0, this.stage.steps);
      this.record(0, this.validation(0));
    }
    while (this.step < this.stage.steps) {
      await yieldToEvents();
      if (cancelRequested()) throw new StageCancelled();
      const step = this.step + 1;
      const metrics = this.stage.kind === 'sft' ? this.sftStep(step) : this.rlStep(step);
      this.step = step;
      if (step % a.val_freq === 0 || step === this.stage.steps) {
        await yieldToEvents();
        Object.assign(metrics, this.validation(step));
      }
      this.record(step, metrics);
      if (step % a.save_freq === 0 || step === this.stage.steps) this.save();
      onStep(step, this.lastCheckpointRel);
      this.out.progress('train', step, this.stage.steps);
    }
  }

  private record(step: number, metrics: Record<string, number>): void {
    this.out.metric({ step, global_step: this.globalOffset + step, time: Date.now() / 1000, stage: this.stage.id, ...metrics });
    const show = [METRICS.rewardOverall, METRICS.sftLoss, METRICS.valAccuracy, METRICS.valFormat, METRICS.responseLength, METRICS.stepTime]
      .filter((k) => metrics[k] !== undefined).map((k) => `${k}=${metrics[k].toFixed(3)}`).join(' ');
    this.out.log(`step ${step}/${this.stage.steps} ${show}`);
  }

  private sftStep(step: number): Record<string, number> {
    const t0 = performance.now();
    const examples = this.data.next(this.a.global_batch_size).map((ex) => ({
      prompt: promptInput(this.policy.cfg, ex),
      response: [...encode(ex.demonstration), EOS],
    }));
    const r = sftStep(this.policy, examples, this.adamOptions());
    const seconds = (performance.now() - t0) / 1000;
    void step;
    return {
      [METRICS.sftLoss]: r.loss,
      [METRICS.gradNorm]: r.gradNorm,
      [METRICS.lr]: this.a.lr,
      [METRICS.throughput]: r.totalTokens / seconds,
      [METRICS.stepTime]: seconds,
    };
  }

  private rlStep(step: number): Record<string, number> {
    const a = this.a;
    const examples = this.data.next(a.rollout_batch_size);
    const prompts = examples.map((ex) => promptInput(this.policy.cfg, ex));
    const r = grpoStep(this.policy, this.ref, prompts, (i, text) => this.score(examples[i], text), {
      n: a.rollout_n,
      miniBatchPrompts: Math.min(a.global_batch_size, a.rollout_batch_size),
      ppoEpochs: a.ppo_epochs,
      sampling: { temperature: a.temperature, topP: a.top_p, maxTokens: a.max_response_length },
      clipLow: a.clip_ratio_low,
      clipHigh: a.clip_ratio_high,
      klCoef: a.kl_coef,
      klPenalty: a.kl_penalty,
      adam: this.adamOptions(),
    }, this.rng);
    for (const g of r.groups.slice(0, TRACE_PROMPTS)) {
      this.trace(step, examples[g.prompt], g.texts.map((text, j) => ({
        text, ...g.scores[j], advantage: g.advantages[j], length: g.rollouts[j].tokens.length,
      })));
    }
    return r.metrics;
  }

  private trace(step: number, ex: TaskExample, responses: (ScoredResponse & { text: string; advantage?: number; length: number })[]): void {
    const subject = describeExample(ex);
    const record: TraceRecord = {
      step, global_step: this.globalOffset + step, time: Date.now() / 1000, stage: this.stage.id,
      task: subject.task, prompt_id: subject.prompt_id, prompt: subject.prompt, ground_truth: subject.ground_truth,
      ...(subject.image ? { image: this.out.writer.sample(subject.image.name, subject.image.png) } : {}),
      responses: responses.map((r) => ({
        text: r.text, reward: r.reward, accuracy: r.accuracy, format: r.format, length: r.length, answer: r.answer,
        ...(r.advantage !== undefined ? { advantage: r.advantage } : {}),
      })),
    };
    this.out.trace(record);
  }

  private validation(step: number): Record<string, number> {
    const a = this.a;
    const t0 = performance.now();
    const v = validate(this.policy.params, this.policy.cfg, this.valPrompts, (i, text) => this.score(this.val[i], text), {
      temperature: a.val_temperature, topP: a.val_top_p, n: a.val_n, maxTokens: a.max_response_length,
      seed: (a.seed * 7919 + 17) >>> 0,
    });
    if (this.stage.kind === 'sft') {
      // The warm-up has no rollouts: trace what validation sampled, so the format can be seen emerging.
      for (let i = 0; i < Math.min(TRACE_PROMPTS, this.val.length); i++) {
        const rs = v.responses.filter((r) => r.prompt === i);
        this.trace(step, this.val[i], rs.map((r) => ({ text: r.text, ...r.score, length: r.rollout.tokens.length })));
      }
    }
    return { ...v.metrics, 'timing_s/validation': (performance.now() - t0) / 1000 };
  }

  private adamOptions() {
    return { lr: this.a.lr, weightDecay: this.a.weight_decay, maxGradNorm: this.a.max_grad_norm };
  }

  save(): void {
    const dir = checkpointDir(this.out.writer.dir, this.step);
    const meta = saveCheckpoint({
      dir, cfg: this.policy.cfg, params: this.policy.params, adam: this.policy.adam,
      meta: {
        step: this.step, global_step: this.globalOffset + this.step, stage: this.stage.id, time: nowIso(),
        parent: this.parent, rng: { train: this.rng.state(), data: this.data.rngState() },
      },
    });
    this.lastSavedStep = this.step;
    this.lastCheckpointRel = `${RUN_FILES.checkpoints}/step-${this.step}`;
    this.out.checkpoint(dir, meta);
    this.out.log(`checkpoint ${this.lastCheckpointRel}`);
  }

  /** On cancel: keep the work done since the last checkpoint. */
  saveIfNeeded(): void {
    if (this.step > this.lastSavedStep) this.save();
  }

  dispose(): void {
    disposeParams(this.policy.params);
    if (this.ref) disposeParams(this.ref);
  }
}

function cloneOf(p: Params): Params {
  const out: Params = {};
  for (const [n, t] of Object.entries(p)) out[n] = t.clone();
  return out;
}
