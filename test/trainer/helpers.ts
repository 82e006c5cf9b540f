// Shared fixtures for the trainer tests: a backend, a small model config, and a tiny synthetic task whose
// answers depend on the image (so the vision path is exercised without the real task generators).
import { initBackend } from '../../trainer/backend';
import type { ModelConfig } from '../../trainer/model/config';
import { VOCAB_SIZE } from '../../trainer/model/tokenizer';
import { Rng } from '../../trainer/util/rng';
import type { SceneImage } from '../../trainer/tasks/types';

export async function backend(): Promise<string> {
  return (await initBackend()).name;
}

export function smallConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    vocabSize: VOCAB_SIZE, dModel: 32, nLayers: 2, nHeads: 4, dFf: 64, visionLayers: 1,
    imageSize: 16, patchSize: 8, maxPromptLength: 64, maxPositions: 128, ...over,
  };
}

/** A 16×16 image whose left half is red or blue. */
export function halfImage(red: boolean): SceneImage {
  const rgb = new Uint8Array(16 * 16 * 3);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 8; x++) {
      const i = (y * 16 + x) * 3;
      if (red) rgb[i] = 255;
      else rgb[i + 2] = 255;
    }
  }
  return { size: 16, rgb };
}

export function randomImage(rng: Rng, size = 16): SceneImage {
  return { size, rgb: Uint8Array.from({ length: size * size * 3 }, () => rng.int(0, 255)) };
}
