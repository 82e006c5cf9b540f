// One TRL GRPOTrainer output_dir, read live: trainer_state.json log_history → metrics (they arrive at each
// checkpoint save), completions/*.parquet → traces (and eval rounds for an "eval" mode folder),
// checkpoint-N/ → checkpoints (each is a Hugging Face model folder a next stage can start from).
import { TrlTrainerState, trlCheckpoints } from './trlTrainerState';
import { TrlCompletionsDir } from './trlCompletions';
import { toEvalRecord, toTraces } from '../samples';
import { emptyChunk, nowSeconds, type AdapterChunk, type ForeignRunReader, type ReaderContext } from '../foreignRun';

export class TrlRunReader implements ForeignRunReader {
  readonly kind = 'trl' as const;
  private readonly state: TrlTrainerState;
  private readonly completions: TrlCompletionsDir;
  private readonly seenCheckpoints = new Set<number>();

  constructor(readonly outputDir: string, private readonly ctx: ReaderContext) {
    this.state = new TrlTrainerState(outputDir, ctx);
    this.completions = new TrlCompletionsDir(outputDir);
  }

  read(): Promise<AdapterChunk> {
    return this.collect(false);
  }

  finish(): Promise<AdapterChunk> {
    return this.collect(true);
  }

  private async collect(final: boolean): Promise<AdapterChunk> {
    const out = emptyChunk();
    const s = this.state.read();
    out.metrics.push(...s.metrics);
    out.notes.push(...s.notes);
    const c = await this.completions.read(final);
    out.notes.push(...c.notes);
    const time = (this.ctx.now ?? nowSeconds)();
    for (const f of c.files) {
      out.traces.push(...toTraces(f.samples, { step: f.step, stage: this.ctx.stage, task: f.mode === 'train' ? 'rollout' : f.mode, time, accuracyWeight: this.ctx.accuracyWeight }));
      if (f.mode === 'eval' && f.samples.length) {
        out.evals.push({
          step: f.step, set: 'eval', sampling: { temperature: 1, top_p: 1, n: 1 }, source: `TRL ${f.file}`,
          records: f.samples.map((x) => toEvalRecord(x, this.ctx.accuracyWeight, 'eval')),
        });
      }
    }
    for (const ck of trlCheckpoints(this.outputDir)) {
      if (this.seenCheckpoints.has(ck.step)) continue;
      this.seenCheckpoints.add(ck.step);
      out.checkpoints.push(ck);
    }
    return out;
  }
}
