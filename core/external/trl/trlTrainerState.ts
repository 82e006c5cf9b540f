// TRL (transformers Trainer) metrics: every checkpoint-N/trainer_state.json (and trainer_state.json at the end
// of training) holds the whole `log_history` so far: one entry per Trainer.log() call, `{"step", "epoch", …}`
// — GRPO's `reward`, `rewards/<fn>/mean`, `completions/mean_length` (older: `completion_length`), `kl`,
// `entropy`, `clip_ratio/*`; `eval_…` for evaluation; a last `train_runtime` summary. json.dump writes NaN
// bare, and the file is not written atomically, so an unreadable file is tried again when it changes. The
// state also says the run's max_steps and which steps evaluated (eval_ entries, eval_steps). Steps are
// TRL's optimizer steps; `stepsPerStep` turns them into the recipe's steps (trlSteps.ts).
// Source: transformers trainer_callback.py (TrainerState.save_to_json), TRL docs "GRPO Trainer: logged metrics".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord } from '../../../protocol/runRecords';
import { parseJsonLoose } from '../../../protocol/jsonLines';
import { flattenMetrics, mapTrl } from '../metricNames';
import { nowSeconds, type AdapterNote, type ForeignCheckpoint, type ReaderContext } from '../foreignRun';

export const TRL_STATE = 'trainer_state.json';

/** checkpoint-N folders of an output_dir that hold a trainer_state.json (saved last), by step. */
export function trlCheckpoints(outputDir: string, stepsPerStep = 1): ForeignCheckpoint[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(outputDir, m[0], TRL_STATE)))
    .map((m) => ({ step: Math.ceil(Number(m[1]) / stepsPerStep), path: join(outputDir, m[0]), hfPath: join(outputDir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

type Entry = Record<string, unknown>;

export class TrlTrainerState {
  private lastSeen = '';
  private readonly emitted = new Set<string>();
  /** TRL's max_steps, from the newest state read. */
  maxSteps?: number;
  /** TRL steps at which an evaluation was logged. */
  readonly evalSteps = new Set<number>();
  /** TrainerState.eval_steps, when the run evaluates. */
  evalEvery?: number;
  /** Reward function names, from the `rewards/<name>/mean` (older: `rewards/<name>`) entries. */
  readonly rewardFuncs = new Set<string>();

  constructor(readonly outputDir: string, private readonly ctx: ReaderContext, private readonly stepsPerStep = 1) {}

  /** The newest state file: the last checkpoint's, or the final one at the root when it is at least as new. */
  private newest(): string | undefined {
    const cks = trlCheckpoints(this.outputDir);
    const last = cks.length ? join(cks[cks.length - 1].path, TRL_STATE) : undefined;
    const root = join(this.outputDir, TRL_STATE);
    if (!existsSync(root)) return last;
    if (!last) return root;
    return statSync(root).mtimeMs >= statSync(last).mtimeMs ? root : last;
  }

  read(): { metrics: MetricRecord[]; notes: AdapterNote[] } {
    const out = { metrics: [] as MetricRecord[], notes: [] as AdapterNote[] };
    const file = this.newest();
    if (!file) return out;
    const st = statSync(file);
    const stamp = `${file}:${st.mtimeMs}:${st.size}`;
    if (stamp === this.lastSeen) return out;
    let state: { log_history?: unknown; max_steps?: unknown; eval_steps?: unknown };
    try {
      state = parseJsonLoose(readFileSync(file, 'utf8')) as typeof state;
    } catch (err) {
      out.notes.push({ level: 'info', file, message: `not readable yet (${(err as Error).message}); tried again when it changes` });
      return out;
    }
    this.lastSeen = stamp;
    if (typeof state.max_steps === 'number' && state.max_steps > 0) this.maxSteps = state.max_steps;
    if (!Array.isArray(state.log_history)) {
      out.notes.push({ level: 'warn', file, message: 'no "log_history" list' });
      return out;
    }
    const time = (this.ctx.now ?? nowSeconds)();
    for (const entry of state.log_history as Entry[]) {
      if (!entry || typeof entry !== 'object' || typeof entry.step !== 'number') continue;
      if ('train_runtime' in entry) continue; // the end-of-training summary, not a step
      const { step, ...rest } = entry;
      for (const k of Object.keys(rest)) {
        const fn = /^(?:eval_)?rewards\/([^/]+)(?:\/mean)?$/.exec(k);
        if (fn) this.rewardFuncs.add(fn[1]);
      }
      if (Object.keys(rest).some((k) => k.startsWith('eval_'))) {
        this.evalSteps.add(step as number);
        if (typeof state.eval_steps === 'number' && state.eval_steps > 0) this.evalEvery = state.eval_steps;
      }
      const key = `${step}:${Object.keys(rest).sort().join(',')}`;
      if (this.emitted.has(key)) continue;
      this.emitted.add(key);
      out.metrics.push({ step: Math.ceil((step as number) / this.stepsPerStep), time, stage: this.ctx.stage, ...mapTrl(flattenMetrics(rest)) });
    }
    return out;
  }
}
