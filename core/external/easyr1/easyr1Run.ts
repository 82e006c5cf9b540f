// One EasyR1 run folder (its trainer.save_checkpoint_path), read live: experiment_log.jsonl → metrics (or,
// without the file logger, the console output captured to a file), generations.log → validation traces and
// eval rounds, global_step_N/ → checkpoints (complete once checkpoint_tracker.json's last_global_step reaches
// N). generations.log has no step: EasyR1 writes a round's samples just before logging that round's `val/*`
// metrics, so the k-th validation line owns the next `val_generations_to_log` samples (from
// experiment_config.json, which the same FileLogger writes). The log is read before the samples, so a
// round's samples are always there. The planned step count: experiment_config.json's trainer.max_steps, or
// the console's "Total training steps" line.
// Source: hiyouga/EasyR1 verl/trainer/ray_trainer.py (_validate, _maybe_log_val_generations, _save_checkpoint);
// facts in ../upstream.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { EasyR1ExperimentLog, EASYR1_LOG, hasValidation } from './easyr1ExperimentLog';
import { EasyR1GenerationsTail, EASYR1_GENERATIONS, type GenerationBlock } from './easyr1Generations';
import { toEvalRecord, toTraces, type ForeignSample } from '../samples';
import { emptyChunk, nowSeconds, type AdapterChunk, type ForeignCheckpoint, type ForeignRunReader, type ReaderContext } from '../foreignRun';
import { parseJsonLoose } from '../../../protocol/jsonLines';
import { LineTail } from '../../rundir/lineTail';
import { EasyR1ConsoleParser, type ConsoleBlock } from './easyr1Console';
import { mapEasyR1 } from '../metricNames';
import { newestVersion } from '../upstream';
import { isObj } from '../../../protocol/guards';

const FILES = newestVersion('easyr1').facts.files;
export const EASYR1_CONFIG = FILES.config;
/** EasyR1's CHECKPOINT_TRACKER: {"last_global_step": N, …} written after each save. */
export const EASYR1_TRACKER = FILES.tracker;
/** Its name before 886fd77 (a bare step number), still read. */
export const EASYR1_LEGACY_TRACKER = 'latest_global_step.txt';

interface EasyR1Config {
  maxSteps?: number;
  valGenerations?: number;
  set: string;
  sampling: { temperature: number; top_p: number; n: number };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

function readConfig(dir: string): EasyR1Config | undefined {
  let cfg: Obj;
  try {
    cfg = obj(parseJsonLoose(readFileSync(join(dir, EASYR1_CONFIG), 'utf8')));
  } catch {
    return undefined;
  }
  const trainer = obj(cfg.trainer);
  const data = obj(cfg.data);
  const rollout = obj(obj(cfg.worker).rollout);
  const val = obj(rollout.val_override_config);
  return {
    maxSteps: typeof trainer.max_steps === 'number' && trainer.max_steps > 0 ? trainer.max_steps : undefined,
    valGenerations: typeof trainer.val_generations_to_log === 'number' ? trainer.val_generations_to_log : undefined,
    set: typeof data.val_files === 'string' && data.val_files ? basename(data.val_files) : 'validation',
    sampling: {
      temperature: num(val.temperature, num(rollout.temperature, 1)),
      top_p: num(val.top_p, num(rollout.top_p, 1)),
      n: num(val.n, 1),
    },
  };
}

/** The last step EasyR1's tracker says it saved (-1: none yet). */
export function easyr1TrackedStep(dir: string): number {
  try {
    const t = parseJsonLoose(readFileSync(join(dir, EASYR1_TRACKER), 'utf8')) as { last_global_step?: unknown };
    if (typeof t.last_global_step === 'number') return t.last_global_step;
  } catch {
    // not written yet, or being written
  }
  try {
    const n = Number.parseInt(readFileSync(join(dir, EASYR1_LEGACY_TRACKER), 'utf8').trim(), 10);
    if (Number.isInteger(n)) return n;
  } catch {
    // no legacy tracker either
  }
  return -1;
}

/** Checkpoint folders EasyR1 finished: the tracker names a step at least this high, or dataloader.pt is there. */
export function easyr1Checkpoints(dir: string): ForeignCheckpoint[] {
  if (!existsSync(dir)) return [];
  const tracked = easyr1TrackedStep(dir);
  return readdirSync(dir)
    .map((name) => ({ name, m: /^global_step_(\d+)$/.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null && statSync(join(dir, x.name)).isDirectory())
    .map((x) => ({ step: Number(x.m[1]), path: join(dir, x.name) }))
    .filter((c) => c.step <= tracked || existsSync(join(c.path, 'dataloader.pt')))
    .map((c) => ({ ...c, hfPath: join(c.path, 'actor', 'huggingface') }))
    .sort((a, b) => a.step - b.step);
}

export class EasyR1RunReader implements ForeignRunReader {
  readonly kind = 'easyr1' as const;
  private readonly log: EasyR1ExperimentLog;
  private readonly gens: EasyR1GenerationsTail;
  private pending: GenerationBlock[] = [];
  private config?: EasyR1Config;
  private lastStep = 0;
  private readonly seenCheckpoints = new Set<number>();
  private readonly console?: { tail: LineTail; parser: EasyR1ConsoleParser };

  /** `consoleFile`: EasyR1's console output captured to a file (read when there is no experiment_log.jsonl). */
  constructor(readonly dir: string, private readonly ctx: ReaderContext, consoleFile?: string) {
    this.log = new EasyR1ExperimentLog(join(dir, EASYR1_LOG), ctx);
    this.gens = new EasyR1GenerationsTail(join(dir, EASYR1_GENERATIONS));
    if (consoleFile) this.console = { tail: new LineTail(consoleFile), parser: new EasyR1ConsoleParser() };
  }

  plannedSteps(): number | undefined {
    this.config ??= readConfig(this.dir);
    return this.config?.maxSteps ?? this.console?.parser.totalSteps;
  }

  /** Metrics from the console file, when there is no file log. */
  private readConsole(out: AdapterChunk, final: boolean): void {
    if (!this.console) return;
    const c = this.console.tail.read();
    if (c.truncated) out.notes.push({ level: 'warn', file: this.console.tail.path, message: 'the console output got shorter; read again from its start' });
    const blocks: ConsoleBlock[] = c.lines.flatMap((l) => this.console!.parser.push(l));
    if (final) blocks.push(...this.console.parser.flush());
    if (existsSync(this.log.path)) return;
    const time = (this.ctx.now ?? nowSeconds)();
    for (const b of blocks) {
      out.metrics.push({ step: b.step, time, stage: this.ctx.stage, ...mapEasyR1(b.metrics) });
      this.lastStep = b.step;
    }
  }

  async read(final = false): Promise<AdapterChunk> {
    const out = emptyChunk();
    this.config ??= readConfig(this.dir);
    this.readConsole(out, final);
    const log = this.log.read();
    const gens = this.gens.read();
    out.notes.push(...log.notes, ...gens.notes);
    if (gens.truncated && this.pending.length) {
      out.notes.push({ level: 'warn', file: this.gens.path, message: `${this.pending.length} sample(s) of an unfinished validation round dropped (EasyR1 restarted before logging it)` });
      this.pending = [];
    }
    this.pending.push(...gens.blocks);
    for (const r of log.metrics) {
      out.metrics.push(r);
      this.lastStep = r.step;
      if (hasValidation(r)) this.takeRound(r.step, out);
    }
    for (const c of easyr1Checkpoints(this.dir)) {
      if (this.seenCheckpoints.has(c.step)) continue;
      this.seenCheckpoints.add(c.step);
      out.checkpoints.push(c);
    }
    return out;
  }

  async finish(): Promise<AdapterChunk> {
    const out = await this.read(true);
    if (this.pending.length) {
      out.notes.push({ level: 'info', file: this.gens.path, message: `${this.pending.length} sample(s) written after the last validation line: attributed to step ${this.lastStep}` });
      this.takeRound(this.lastStep, out, this.pending.length);
    }
    return out;
  }

  private takeRound(step: number, out: AdapterChunk, count?: number): void {
    const n = count ?? this.config?.valGenerations ?? this.pending.length;
    const round = this.pending.splice(0, Math.min(n, this.pending.length));
    if (!round.length) return;
    const samples: ForeignSample[] = round.map((b) => ({ prompt: b.prompt, response: b.output, ground_truth: b.ground_truth, score: b.score }));
    const w = this.ctx.accuracyWeight;
    out.evals.push({
      step,
      set: this.config?.set ?? 'validation',
      sampling: this.config?.sampling ?? { temperature: 1, top_p: 1, n: 1 },
      source: `EasyR1 ${EASYR1_GENERATIONS}`,
      records: samples.map((s) => toEvalRecord(s, w, 'validation')),
    });
    out.traces.push(...toTraces(samples, { step, stage: this.ctx.stage, task: 'validation', time: (this.ctx.now ?? nowSeconds)(), accuracyWeight: w }));
  }
}
