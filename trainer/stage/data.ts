// A stage's training data: examples drawn from its task generator with the stage's own data RNG (saved in
// checkpoints, so a resumed stage draws exactly what it would have), optionally from a fixed pool of
// `data.size` examples; plus the fixed held-out validation set.
import type { ResolvedStage } from '../../protocol/recipe';
import { taskGenerator, type TaskExample, type TaskGenerator } from '../tasks/index';
import { Rng, type RngState } from '../util/rng';
import type { ModelConfig } from '../model/config';
import { encode } from '../model/tokenizer';

export class StageData {
  readonly generator: TaskGenerator;
  private pool: TaskExample[] | null = null;

  constructor(readonly stage: ResolvedStage, cfg: ModelConfig, readonly rng: Rng) {
    if (!stage.data.generator) {
      throw new Error(`stage ${stage.id}: the built-in trainer needs a data.generator (data.file is for external trainers)`);
    }
    const maxResponse = Math.min(stage.algorithm.max_response_length, cfg.maxPositions - cfg.maxPromptLength - 1);
    this.generator = taskGenerator(stage.data.generator, {
      imageSize: cfg.imageSize,
      maxPromptLength: cfg.maxPromptLength,
      // one position is the EOS after the demonstration
      maxResponseLength: maxResponse - 1,
      lengthOf: (text) => encode(text).length,
      responseFormat: stage.reward.name === 'r1v' ? 'r1v' : 'math',
      slipRate: stage.data.perception_slip_rate,
      recheckRate: stage.data.recheck_rate,
    });
    if (stage.data.size) {
      // The pool has its own seed: it is the same set however far the stage has got.
      const poolRng = new Rng(stage.data.seed);
      this.pool = Array.from({ length: stage.data.size }, () => this.generator.sample(poolRng));
    }
  }

  static seed(stage: ResolvedStage): Rng {
    return new Rng((Math.imul(stage.data.seed, 0x9e3779b1) ^ (stage.index + 1)) >>> 0);
  }

  next(count: number): TaskExample[] {
    return Array.from({ length: count }, () => (this.pool ? this.rng.pick(this.pool) : this.generator.sample(this.rng)));
  }

  validation(): TaskExample[] {
    return this.generator.validation(this.stage.data.val_size);
  }

  rngState(): RngState {
    return this.rng.state();
  }
}
