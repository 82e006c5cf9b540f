// One verl run, read live from whatever it writes: the file logger's JSONL (metrics), or else its console
// output captured to a file (`step:N - key:value …`), rollout dumps (traces), validation dumps (eval rounds)
// and trainer.default_local_dir/global_step_N (checkpoints, complete once latest_checkpointed_iteration.txt
// reaches N). When both the file logger and the console are given, the file logger wins. The planned step
// count comes from the command (a stage we launched) or the console's "Total training steps" line; verl's
// file log does not say it, so an attached file-only run has no planned total.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { VerlFileLog, verlRecord } from './verlFileLogger';
import { parseVerlConsoleLine, parseVerlTotalSteps } from './verlConsole';
import { LineTail } from '../../rundir/lineTail';
import { VerlDumpDir } from './verlRollout';
import { toEvalRecord, toTraces } from '../samples';
import { emptyChunk, nowSeconds, type AdapterChunk, type ForeignCheckpoint, type ForeignRunReader, type ReaderContext } from '../foreignRun';

export const VERL_TRACKER = 'latest_checkpointed_iteration.txt';

export interface VerlRunPaths {
  /** The file logger's JSONL ($VERL_FILE_LOGGER_PATH). */
  logFile?: string;
  /** A file holding the console output (used when there is no file logger). */
  consoleFile?: string;
  rolloutDir?: string;
  validationDir?: string;
  /** trainer.default_local_dir */
  checkpointDir?: string;
  /** Validation sampling, as configured (verl does not write it next to the dumps). */
  valSampling?: { temperature: number; top_p: number; n: number };
  valSet?: string;
  /** trainer.total_training_steps, when we set it. */
  plannedSteps?: number;
}

export function verlCheckpoints(dir: string): ForeignCheckpoint[] {
  if (!existsSync(dir)) return [];
  let tracked = -1;
  try {
    tracked = Number.parseInt(readFileSync(join(dir, VERL_TRACKER), 'utf8').trim(), 10);
  } catch {
    // nothing saved yet
  }
  return readdirSync(dir)
    .map((name) => /^global_step_(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) <= tracked && statSync(join(dir, m[0])).isDirectory())
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]), hfPath: join(dir, m[0], 'actor', 'huggingface') }))
    .sort((a, b) => a.step - b.step);
}

export class VerlRunReader implements ForeignRunReader {
  readonly kind = 'verl' as const;
  private readonly log?: VerlFileLog;
  private readonly console?: LineTail;
  private readonly rollouts?: VerlDumpDir;
  private readonly validations?: VerlDumpDir;
  private readonly seenCheckpoints = new Set<number>();
  private totalFromConsole?: number;

  constructor(readonly paths: VerlRunPaths, private readonly ctx: ReaderContext) {
    if (paths.logFile) this.log = new VerlFileLog(paths.logFile, ctx);
    if (paths.consoleFile) this.console = new LineTail(paths.consoleFile);
    if (paths.rolloutDir) this.rollouts = new VerlDumpDir(paths.rolloutDir);
    if (paths.validationDir) this.validations = new VerlDumpDir(paths.validationDir);
  }

  plannedSteps(): number | undefined {
    return this.paths.plannedSteps ?? this.totalFromConsole;
  }

  /** Metrics from one console line (the bridge feeds the trainer's stdout here when there is no file log). */
  consoleRecord(line: string) {
    const parsed = parseVerlConsoleLine(line);
    return parsed && verlRecord(parsed.step, parsed.data, this.ctx, (this.ctx.now ?? nowSeconds)());
  }

  read(): Promise<AdapterChunk> {
    return Promise.resolve(this.collect(false));
  }

  finish(): Promise<AdapterChunk> {
    return Promise.resolve(this.collect(true));
  }

  private collect(final: boolean): AdapterChunk {
    const out = emptyChunk();
    const now = (this.ctx.now ?? nowSeconds)();
    const logFileUsed = this.log && existsSync(this.log.path);
    if (this.log) {
      const c = this.log.read();
      out.metrics.push(...c.metrics);
      out.notes.push(...c.notes);
    }
    if (this.console) {
      const c = this.console.read();
      if (c.truncated) out.notes.push({ level: 'warn', file: this.console.path, message: 'the console log got shorter; read again from its start' });
      for (const line of c.lines) {
        this.totalFromConsole = parseVerlTotalSteps(line) ?? this.totalFromConsole;
        const r = logFileUsed ? undefined : this.consoleRecord(line);
        if (r) out.metrics.push(r);
      }
    }
    if (this.rollouts) {
      const r = this.rollouts.read(final);
      out.notes.push(...r.notes);
      for (const s of r.steps) out.traces.push(...toTraces(s.samples, { step: s.step, stage: this.ctx.stage, task: 'rollout', time: now, accuracyWeight: this.ctx.accuracyWeight }));
    }
    if (this.validations) {
      const r = this.validations.read(final);
      out.notes.push(...r.notes);
      for (const s of r.steps) {
        if (!s.samples.length) continue;
        out.evals.push({
          step: s.step,
          set: this.paths.valSet ?? basename(this.paths.validationDir!),
          sampling: this.paths.valSampling ?? { temperature: 0, top_p: 1, n: 1 },
          source: `verl validation dump ${basename(s.file)}`,
          records: s.samples.map((x) => toEvalRecord(x, this.ctx.accuracyWeight, 'validation')),
        });
      }
    }
    if (this.paths.checkpointDir) {
      for (const c of verlCheckpoints(this.paths.checkpointDir)) {
        if (this.seenCheckpoints.has(c.step)) continue;
        this.seenCheckpoints.add(c.step);
        out.checkpoints.push(c);
      }
    }
    return out;
  }
}
