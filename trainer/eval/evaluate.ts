// Evaluates one checkpoint of the built-in trainer on a held-out set and writes evals/<key>.jsonl in its
// run directory: a header, then per prompt the response, extracted answer, correctness, reward and length.
// Prompts are answered in fixed chunks with one seeded RNG, so a seed gives the same answers every time;
// the file appears (by rename) only when complete, and a finished file with the same key is reused.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RUN_FILES, type EvalHeader, type EvalRecord } from '../../protocol/runRecords';
import type { EvalOutcome } from '../../protocol/diff';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { mean } from '../../protocol/stats';
import { appendJsonl } from '../../core/rundir/runDirWriter';
import { encodePng } from '../util/png';
import { initBackend } from '../backend';
import { loadCheckpoint } from '../model/checkpoint';
import { promptInput } from '../model/batch';
import { sample } from '../model/sampling';
import { decode } from '../model/tokenizer';
import { disposeParams } from '../model/vlm';
import { scoreResponse } from '../../core/reward/reward';
import { perceptionRight } from '../tasks/percepts';
import { meanCorrectLength, visualErrorBreakdown } from '../../protocol/answerStats';
import { Rng } from '../util/rng';
import { parseEvalText } from '../../core/diff/evalFile';
import { CHECKPOINT_META } from '../../core/rundir/checkpointPaths';
import { evalFileName } from '../../core/external/mirror';
import { locateCheckpoint, resolveCheckpointDir, CheckpointNotFound, type CheckpointRef } from './locate';
import { loadEvalSet } from './sets';
import { evalKey, GREEDY, PAPER_VALIDATION, parseSetName, setLabel, type EvalSampling, type SetSpec } from './spec';

/** Prompts answered per sampling call: fixed, because the answers of a seed depend on the chunking. */
export const EVAL_CHUNK = 16;

export interface EvaluateOptions {
  /** A checkpoint, stage or run directory. */
  checkpoint: string;
  /** Set name (see parseSetName); default: the checkpoint's stage's own validation set. */
  set?: string;
  /** Write here instead of <run>/evals/<key>.jsonl. */
  out?: string;
  greedy?: boolean;
  seed?: number;
  /** Evaluate again even if a finished result exists. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Polled between chunks; true stops the evaluation (nothing is written). */
  cancelled?: () => boolean;
  log?: (message: string) => void;
}

export class EvalCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
  }
}

export interface PlannedEval {
  ref: CheckpointRef;
  set: SetSpec;
  sampling: EvalSampling;
  seed: number;
  key: string;
  file: string;
}

const isFile = (p: string) => existsSync(p);

/** Resolves what would be evaluated and where it would be written, without loading the model. */
export function planEval(o: Pick<EvaluateOptions, 'checkpoint' | 'set' | 'out' | 'greedy' | 'seed'>, fileHash?: (path: string) => string): PlannedEval {
  const ref = locateCheckpoint(o.checkpoint);
  const set = parseSetName(o.set ?? ref.stage.data.generator ?? 'merged', ref.stage.data.val_size, isFile);
  const sampling = o.greedy ? GREEDY : PAPER_VALIDATION;
  const seed = o.seed ?? 1;
  const key = evalKey({ stage: ref.stage.id, step: ref.step, set, sampling, seed, fileHash: set.kind === 'file' ? fileHash?.(set.path) : undefined });
  const file = o.out ? resolve(o.out) : underEvals(ref.run.runDir, `${key}.jsonl`);
  return { ref, set, sampling, seed, key, file };
}

/** <run>/evals/<name>, refused when the name would resolve anywhere else (names come from checkpoint data). */
function underEvals(runDir: string, name: string): string {
  const evals = resolve(runDir, RUN_FILES.evals);
  const file = resolve(evals, name);
  if (dirname(file) !== evals) throw new CheckpointNotFound(`${name.slice(0, 120)}: an eval file name must stay in ${evals}`);
  return file;
}

/** The header of an existing eval file, if it has one (only the first line is read). */
function readHeader(file: string): EvalHeader | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const line = buf.subarray(0, n).toString('utf8').split('\n')[0];
    const v = parseJsonLoose(line) as EvalHeader;
    return v && v.type === 'header' ? v : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function outcomeOf(file: string, plan: PlannedEval, reused: boolean, seconds: number, records?: EvalRecord[]): EvalOutcome {
  const rs = records ?? parseEvalText(readFileSync(file, 'utf8'), file).records;
  return { file, key: plan.key, reused, checkpoint: plan.ref.label, set: setLabel(plan.set), prompts: rs.length, ...scoresOf(rs), seconds };
}

/**
 * Accuracy and mean response length of an eval file's answers (NaN for a file without any), and where they can
 * be measured the correct answers' mean length and the error analysis of the wrong visual-reasoning answers.
 */
function scoresOf(rs: EvalRecord[]): Pick<EvalOutcome, 'accuracy' | 'meanLength' | 'meanCorrectLength' | 'perceptionErrorShare'> {
  const correctLength = meanCorrectLength(rs);
  const errors = visualErrorBreakdown(rs);
  return {
    accuracy: mean(rs.map((r) => (r.correct ? 1 : 0))), meanLength: mean(rs.map((r) => r.length)),
    ...(Number.isFinite(correctLength) ? { meanCorrectLength: correctLength } : {}),
    ...(errors.wrong ? { perceptionErrorShare: errors.perceptionShare } : {}),
  };
}

/**
 * An external trainer's checkpoint (EasyR1, verl, TRL) cannot be run here, but its own validation answers at
 * that step were mirrored to evals/<stage>-step-N.jsonl: that file is its eval. Undefined for built-in ones.
 */
export function externalEval(checkpoint: string): EvalOutcome | undefined {
  const dir = resolveCheckpointDir(checkpoint);
  const meta = JSON.parse(readFileSync(join(dir, CHECKPOINT_META), 'utf8')) as { trainer?: unknown; step?: unknown; stage?: unknown };
  if (meta.trainer === 'builtin') return undefined;
  const stageDir = dirname(dirname(dir));
  const stage = typeof meta.stage === 'string' ? meta.stage : basename(stageDir);
  const step = meta.step ?? Number(basename(dir).replace('step-', ''));
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw new CheckpointNotFound(`${dir}: meta.json step ${JSON.stringify(step)?.slice(0, 60)} is not a step number`);
  const file = underEvals(dirname(dirname(stageDir)), evalFileName(stage, step));
  if (!existsSync(file)) {
    throw new CheckpointNotFound(`${dir}: a ${meta.trainer ?? 'foreign'} checkpoint cannot be evaluated here, and its trainer left no validation answers for step ${step} (${file})`);
  }
  const records = parseEvalText(readFileSync(file, 'utf8'), file);
  return {
    file, key: basename(file, '.jsonl'), reused: true, checkpoint: records.header?.checkpoint ?? `${stage}/step-${step}`, set: records.header?.set ?? 'validation',
    prompts: records.records.length, ...scoresOf(records.records), seconds: 0,
  };
}

/** "accuracy 41.0 %, mean length 28.3 tokens (correct answers 26.1), perception errors 62.5 % of wrong visual answers". */
export function describeOutcome(o: EvalOutcome): string {
  return `accuracy ${(o.accuracy * 100).toFixed(1)} %, mean length ${o.meanLength.toFixed(1)} tokens` +
    `${o.meanCorrectLength !== undefined ? ` (correct answers ${o.meanCorrectLength.toFixed(1)})` : ''}` +
    `${o.perceptionErrorShare !== undefined ? `, perception errors ${(o.perceptionErrorShare * 100).toFixed(1)} % of wrong visual answers` : ''}`;
}

export async function evaluateCheckpoint(o: EvaluateOptions): Promise<EvalOutcome> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const external = externalEval(o.checkpoint);
  if (external) {
    log(`${external.checkpoint} is an external trainer's checkpoint: using its own validation answers (${external.file})`);
    o.onProgress?.(external.prompts, external.prompts);
    return external;
  }
  const preliminary = planEval(o);
  const { ref } = preliminary;
  const cfg = ref.meta.model;
  const evalSet = loadEvalSet(preliminary.set, ref.stage, cfg);
  const plan = evalSet.fileHash ? planEval(o, () => evalSet.fileHash!) : preliminary;
  const total = evalSet.examples.length;

  const old = !o.force && existsSync(plan.file) ? readHeader(plan.file) : undefined;
  if (old && old.key === plan.key && old.checkpoint_time === ref.meta.time && old.prompts === total) {
    const outcome = outcomeOf(plan.file, plan, true, (performance.now() - t0) / 1000);
    if (outcome.prompts === total) {
      log(`reusing ${plan.file} (same checkpoint, set, sampling and seed)`);
      o.onProgress?.(total, total);
      return outcome;
    }
  }

  const backend = await initBackend();
  const prompts = evalSet.examples.map((ex) => promptInput(cfg, ex));
  const maxTokens = ref.stage.algorithm.max_response_length;
  const header: EvalHeader = {
    type: 'header', checkpoint: ref.label, set: setLabel(plan.set),
    sampling: { temperature: plan.sampling.temperature, top_p: plan.sampling.top_p, n: 1, ...(plan.sampling.greedy ? { greedy: true } : {}) },
    seed: plan.seed, created: new Date().toISOString(), source: 'see2think eval', key: plan.key,
    checkpoint_dir: ref.dir, checkpoint_time: ref.meta.time, prompts: total, max_tokens: maxTokens, backend: backend.name,
  };
  log(`evaluating ${ref.label} on ${header.set} (${total} prompts, ${plan.sampling.greedy ? 'greedy' : `temperature ${plan.sampling.temperature}, top-p ${plan.sampling.top_p}`}, seed ${plan.seed}, backend ${backend.name})`);
  mkdirSync(dirname(plan.file), { recursive: true });
  const partial = `${plan.file}.${process.pid}.partial`;
  rmSync(partial, { force: true });
  appendJsonl(partial, header);

  const { params } = loadCheckpoint(ref.dir);
  const rng = new Rng(plan.seed);
  const records: EvalRecord[] = [];
  try {
    for (let start = 0; start < total; start += EVAL_CHUNK) {
      if (o.cancelled?.()) throw new EvalCancelled();
      const chunk = prompts.slice(start, start + EVAL_CHUNK);
      const rollouts = sample(params, cfg, chunk, 1, {
        temperature: plan.sampling.greedy ? 1 : plan.sampling.temperature, topP: plan.sampling.top_p, maxTokens, greedy: plan.sampling.greedy, maxRows: EVAL_CHUNK,
      }, rng);
      rollouts.forEach(([rollout], i) => {
        const ex = evalSet.examples[start + i];
        const response = decode(rollout.tokens);
        const score = scoreResponse(response, ex.answer, ref.stage.reward);
        const record: EvalRecord = {
          type: 'answer', prompt_id: ex.id, task: ex.task, prompt: ex.prompt,
          ...(ex.image ? { image: `data:image/png;base64,${Buffer.from(encodePng(ex.image)).toString('base64')}` } : {}),
          ground_truth: ex.answer, response, answer: score.answer, correct: score.accuracy >= 1, reward: score.overall, length: rollout.tokens.length,
          ...(ex.percepts ? { perception_ok: perceptionRight(response, ex.percepts) } : {}),
        };
        records.push(record);
        appendJsonl(partial, record);
      });
      o.onProgress?.(Math.min(total, start + EVAL_CHUNK), total);
      // Let signal handlers and the caller's timers run between chunks (sampling is synchronous).
      await new Promise((r) => setImmediate(r));
    }
    if (o.cancelled?.()) throw new EvalCancelled();
    renameSync(partial, plan.file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    disposeParams(params);
  }
  const outcome = outcomeOf(plan.file, plan, false, (performance.now() - t0) / 1000, records);
  log(`wrote ${plan.file}: ${describeOutcome(outcome)} (${outcome.seconds.toFixed(1)} s)`);
  return outcome;
}
