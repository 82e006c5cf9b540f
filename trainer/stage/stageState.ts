// What a stage trains with and where it stands (model, frozen reference, optimizer, RNG streams, data, step),
// and the checkpoint plumbing around it: starting from the init stage's checkpoint or a fresh model, resuming
// from the stage's own checkpoint, saving. The loop that trains it is trainLoop.ts.
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import type { ResolvedStage } from '../../protocol/recipe';
import type { OpenRun } from '../../core/rundir/runDir';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { checkpointDir, latestCheckpoint } from '../../core/rundir/checkpointPaths';
import { nowIso } from '../../core/rundir/runningStatus';
import type { StageOutput } from '../../core/rundir/stageOutput';
import { truncateJsonlAfterStep } from '../../core/rundir/truncateJsonl';
import { startPoint } from '../../core/rundir/globalStep';
import { Rng } from '../util/rng';
import { type ModelConfig, modelConfigOf } from '../model/config';
import { type Params, initParams, disposeParams } from '../model/vlm';
import { loadCheckpoint, loadLatestCheckpoint, saveCheckpoint } from '../model/checkpoint';
import { type Policy, makePolicy, cloneParams } from '../algo/policy';
import { StageData } from './data';

export interface StageState {
  run: OpenRun;
  stage: ResolvedStage;
  out: StageOutput;
  policy: Policy;
  /** The frozen stage-start model for the KL loss (null when the stage has no KL term). */
  ref: Params | null;
  rng: Rng;
  data: StageData;
  /** `<stage>/step-N` this stage started from, or null for a fresh model. */
  parent: string | null;
  /** global_step − step: the steps of the stages before this one. */
  globalOffset: number;
  step: number;
  lastSavedStep: number;
  lastCheckpointRel?: string;
}

/** The weights the stage starts from: the init stage's latest checkpoint, or a fresh model. */
function stageStart(run: OpenRun, stage: ResolvedStage, out: StageOutput): { cfg: ModelConfig; params: Params; parent: string | null; globalOffset: number } {
  if (!stage.initFrom) {
    const cfg = modelConfigOf(run.recipe);
    return { cfg, params: initParams(cfg, stage.algorithm.seed), parent: null, globalOffset: 0 };
  }
  const from = stage.initFrom;
  const start = startPoint(run.runDir, from);
  if (!start) throw new Error(`stage ${stage.id} starts from ${from}'s final checkpoint, but ${from} has none — run ${from} first`);
  const parentStatus = readStageStatus(run.runDir, from).value;
  if (parentStatus && parentStatus.state !== 'succeeded') {
    out.log(`${from} is ${parentStatus.state}, not succeeded: starting from its latest checkpoint (step ${start.step})`, 'warn');
  }
  const { meta, params } = loadCheckpoint(start.dir);
  return { cfg: meta.model, params, parent: start.parent, globalOffset: start.globalOffset };
}

/** The state a stage starts (or, with `resume`, continues) from. */
export function openStageState(run: OpenRun, stage: ResolvedStage, out: StageOutput, resume: boolean): StageState {
  const start = stageStart(run, stage, out);
  const own = resume ? loadLatestCheckpoint(out.writer.dir, (m) => out.log(m, 'warn'), { optimizer: true }) : undefined;
  const needRef = stage.kind !== 'sft' && stage.algorithm.kl_coef > 0;
  let cfg = start.cfg;
  let params = start.params;
  let adam;
  let rng = new Rng((Math.imul(stage.algorithm.seed, 0x85ebca6b) ^ (stage.index + 1)) >>> 0);
  let dataRng = StageData.seed(stage);
  let step = 0;
  let globalOffset = start.globalOffset;
  if (own) {
    const ck = own;
    cfg = ck.meta.model;
    params = ck.params;
    adam = ck.adam;
    step = ck.meta.step;
    globalOffset = (ck.meta.global_step ?? ck.meta.step) - ck.meta.step;
    if (ck.meta.rng?.train) rng = new Rng(ck.meta.rng.train);
    if (ck.meta.rng?.data) dataRng = new Rng(ck.meta.rng.data);
    out.log(`resuming from ${own.dir} (step ${step})`);
  } else if (resume) {
    out.log('resume: no checkpoint of this stage yet; starting from the beginning');
  }
  // Lines past the checkpoint will be written again: drop them so steps stay contiguous.
  const keep = own ? step : -1;
  for (const f of [RUN_FILES.metrics, RUN_FILES.traces]) {
    const n = truncateJsonlAfterStep(join(out.writer.dir, f), keep);
    if (n) out.log(`${f}: dropped ${n} line(s) after step ${keep < 0 ? 0 : keep} (they are redone)`);
  }
  let ref: Params | null = null;
  if (needRef) ref = start.params === params ? cloneParams(params) : start.params;
  else if (start.params !== params) disposeParams(start.params);
  const policy = makePolicy(cfg, params, stage.algorithm.freeze_vision_tower, adam);
  const data = new StageData(stage, cfg, dataRng);
  out.log(`${stage.kind} stage, ${stage.steps} steps from ${start.parent ?? 'a fresh model'}; model d=${cfg.dModel} layers=${cfg.nLayers}+${cfg.visionLayers} vision, ${policy.trainable.length} trainable tensors`);
  return {
    run, stage, out, policy, ref, rng, data, parent: start.parent, globalOffset, step, lastSavedStep: step,
    ...(step > 0 ? { lastCheckpointRel: `${RUN_FILES.checkpoints}/step-${step}` } : {}),
  };
}

/** Writes checkpoints/step-N (weights, AdamW moments, RNG states; meta.json last). */
export function saveStage(s: StageState): void {
  const dir = checkpointDir(s.out.writer.dir, s.step);
  const meta = saveCheckpoint({
    dir, cfg: s.policy.cfg, params: s.policy.params, adam: s.policy.adam,
    meta: {
      step: s.step, global_step: s.globalOffset + s.step, stage: s.stage.id, time: nowIso(),
      parent: s.parent, rng: { train: s.rng.state(), data: s.data.rngState() },
    },
  });
  s.lastSavedStep = s.step;
  s.lastCheckpointRel = `${RUN_FILES.checkpoints}/step-${s.step}`;
  s.out.checkpoint(dir, meta);
  s.out.log(`checkpoint ${s.lastCheckpointRel}`);
}

/** On cancel: keep the work done since the last checkpoint. */
export function saveIfNeeded(s: StageState): void {
  if (s.step > s.lastSavedStep) saveStage(s);
}

export function disposeStage(s: StageState): void {
  disposeParams(s.policy.params);
  if (s.ref) disposeParams(s.ref);
}
