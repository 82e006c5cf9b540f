// The paper's baseline data: the three RL data sets shuffled into one stream (also the SFT warm-up's data).
// Each draw picks a generator uniformly; the validation set interleaves the three fixed validation sets.
import type { Rng } from '../util/rng';
import type { TaskExample, TaskGenerator } from './types';

export function mergedGenerator(parts: TaskGenerator[]): TaskGenerator {
  if (!parts.length) throw new RangeError('merged generator needs at least one part');
  return {
    kind: 'merged',
    sample: (rng: Rng): TaskExample => rng.pick(parts).sample(rng),
    validation(size: number): TaskExample[] {
      // Item i is part (i mod k)'s item ⌊i/k⌋: a smaller set stays a prefix of a larger one.
      const k = parts.length;
      const sets = parts.map((p, j) => p.validation(Math.ceil(Math.max(0, size - j) / k)));
      return Array.from({ length: size }, (_, i) => sets[i % k][Math.floor(i / k)]);
    },
  };
}
