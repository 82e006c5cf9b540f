// One TRL GRPOTrainer output_dir, read live: trainer_state.json log_history → metrics (they arrive at each
// checkpoint save), completions/completions_{step:05d}.parquet → traces, and for the steps that evaluated an
// eval round for the trace diff (TRL writes one file per logging step for training and evaluation alike: a
// step evaluates when our command says so — eval_steps, eval_on_start — or its trainer_state shows eval_
// entries there), checkpoint-N/ → checkpoints (each a Hugging Face model folder a next stage can start
// from). TRL counts optimizer steps; the layout scales them to the recipe's steps (trlSteps.ts).
import { TrlTrainerState, trlCheckpoints } from './trlTrainerState';
import { TrlCompletionsDir } from './trlCompletions';
import { toEvalRecord, toTraces } from '../samples';
import { emptyChunk, nowSeconds, type AdapterChunk, type ForeignRunReader, type ReaderContext } from '../foreignRun';

/** How a TRL run we launched is laid out (a run we did not launch: one TRL step per step, the rest from its state). */
export interface TrlLayout {
  /** TRL optimizer steps per recipe step. */
  stepsPerStep: number;
  /** TRL steps between evaluations, when the run evaluates. */
  evalSteps?: number;
  /** An evaluation before the first step (eval_on_start). */
  evalOnStart: boolean;
  /** Reward function column → reward_weights entry, when we know the reward functions. */
  rewardWeights?: Record<string, number>;
  /** Evaluation sampling, as configured (TRL evaluates with the training temperature and top_p). */
  evalSampling?: { temperature: number; top_p: number; n: number };
}

export class TrlRunReader implements ForeignRunReader {
  readonly kind = 'trl' as const;
  private readonly state: TrlTrainerState;
  private readonly completions: TrlCompletionsDir;
  private readonly seenCheckpoints = new Set<number>();
  private readonly layout: TrlLayout;

  constructor(readonly outputDir: string, private readonly ctx: ReaderContext, layout?: TrlLayout) {
    this.layout = layout ?? { stepsPerStep: 1, evalOnStart: false };
    this.state = new TrlTrainerState(outputDir, ctx, this.layout.stepsPerStep);
    this.completions = new TrlCompletionsDir(outputDir, this.layout.rewardWeights);
  }

  read(): Promise<AdapterChunk> {
    return this.collect(false);
  }

  finish(): Promise<AdapterChunk> {
    return this.collect(true);
  }

  plannedSteps(): number | undefined {
    const max = this.state.maxSteps;
    return max === undefined ? undefined : Math.ceil(max / this.layout.stepsPerStep);
  }

  /** Whether TRL's completions file at this (TRL) step was written by an evaluation. */
  private evaluatedAt(step: number): boolean {
    const every = this.layout.evalSteps ?? this.state.evalEvery;
    if (step === 0) return this.layout.evalOnStart || this.state.evalSteps.has(0);
    return this.state.evalSteps.has(step) || (every !== undefined && step % every === 0);
  }

  private async collect(final: boolean): Promise<AdapterChunk> {
    const out = emptyChunk();
    const s = this.state.read();
    out.metrics.push(...s.metrics);
    out.notes.push(...s.notes);
    // A run we did not launch: its reward functions by name from the state (weights unknown: TRL's default 1).
    if (!this.layout.rewardWeights && this.state.rewardFuncs.size) this.completions.weights = Object.fromEntries([...this.state.rewardFuncs].map((n) => [n, 1]));
    const c = await this.completions.read(final);
    out.notes.push(...c.notes);
    const time = (this.ctx.now ?? nowSeconds)();
    for (const f of c.files) {
      const step = Math.ceil(f.step / this.layout.stepsPerStep);
      const evaluated = this.evaluatedAt(f.step);
      out.traces.push(...toTraces(f.samples, { step, stage: this.ctx.stage, task: evaluated ? 'eval' : 'rollout', time, accuracyWeight: this.ctx.accuracyWeight }));
      if (evaluated && f.samples.length) {
        out.evals.push({
          step, set: 'eval', sampling: this.layout.evalSampling ?? { temperature: 1, top_p: 1, n: 1 }, source: `TRL ${f.file}`,
          records: f.samples.map((x) => toEvalRecord(x, this.ctx.accuracyWeight, 'eval')),
        });
      }
    }
    for (const ck of trlCheckpoints(this.outputDir, this.layout.stepsPerStep)) {
      if (this.seenCheckpoints.has(ck.step)) continue;
      this.seenCheckpoints.add(ck.step);
      out.checkpoints.push(ck);
    }
    return out;
  }
}
