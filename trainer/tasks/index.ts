// The one entry point the trainer uses: a generator for a stage's data kind, built from the recipe-derived
// options (image size, lengths) and the optional difficulty knobs.
import type { Generator } from '../../protocol/recipe';
import { NoQuestionsError } from './generator';
import { mergedGenerator } from './merged';
import { perceptionGenerator } from './perception';
import { textualGenerator } from './textual';
import { visualGenerator } from './visual';
import type { TaskGenerator, TaskOptions } from './types';

export function taskGenerator(kind: Generator, opts: TaskOptions): TaskGenerator {
  switch (kind) {
    case 'perception':
      return perceptionGenerator(opts);
    case 'textual-reasoning':
      return textualGenerator(opts);
    case 'visual-reasoning':
      return visualGenerator(opts);
    case 'merged': {
      // A questions filter may name templates of only some parts; parts left with none are dropped.
      const parts = [perceptionGenerator, textualGenerator, visualGenerator].flatMap((make) => {
        try {
          return [make(opts)];
        } catch (e) {
          if (e instanceof NoQuestionsError) return [];
          throw e;
        }
      });
      if (!parts.length) throw new RangeError(`task option questions ${JSON.stringify(opts.questions)} names no question of any generator`);
      return mergedGenerator(parts);
    }
    default:
      throw new RangeError(`unknown task generator ${JSON.stringify(kind)}; known: perception, textual-reasoning, visual-reasoning, merged`);
  }
}

export { scoreResponse, extractBoxed, compileFormatPattern, RewardConfigError, type RewardScore } from '../../core/reward/reward';
export { describeExample, type TraceSubject } from './describe';
export { KNOB_DEFAULTS } from './options';
export type { TaskExample, TaskGenerator, TaskOptions, TaskKind, SceneImage } from './types';
