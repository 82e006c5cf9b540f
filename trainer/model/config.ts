// The built-in VLM's dimensions: named presets (recipe `model.preset`) with per-key overrides
// (`model.size`). The resolved config is stored in every checkpoint, so later stages rebuild the same model.
import type { Model, ModelSize, ResolvedRecipe } from '../../protocol/recipe';
import { VOCAB_SIZE } from './tokenizer';

export interface ModelConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFf: number;
  visionLayers: number;
  imageSize: number;
  patchSize: number;
  /** Longest prompt in tokens (the tokenizer never makes more tokens than characters). */
  maxPromptLength: number;
  /** Text positions the model has embeddings for: prompt + the longest response of any stage. */
  maxPositions: number;
}

export type Preset = NonNullable<Model['preset']>;

export const PRESETS: Record<Preset, Required<ModelSize>> = {
  tiny: { d_model: 64, n_layers: 2, n_heads: 4, d_ff: 256, vision_layers: 0, image_size: 32, patch_size: 8, max_prompt_length: 160 },
  small: { d_model: 128, n_layers: 2, n_heads: 4, d_ff: 512, vision_layers: 1, image_size: 32, patch_size: 8, max_prompt_length: 160 },
  base: { d_model: 192, n_layers: 4, n_heads: 6, d_ff: 768, vision_layers: 2, image_size: 48, patch_size: 8, max_prompt_length: 192 },
};

/** The config a recipe asks for (preset, then size overrides); positions cover every stage's response length. */
export function modelConfigOf(recipe: Pick<ResolvedRecipe, 'model' | 'stages'>): ModelConfig {
  const size = { ...PRESETS[recipe.model.preset ?? 'small'], ...recipe.model.size };
  const longestResponse = Math.max(1, ...recipe.stages.map((s) => s.algorithm.max_response_length));
  const cfg: ModelConfig = {
    vocabSize: VOCAB_SIZE,
    dModel: size.d_model,
    nLayers: size.n_layers,
    nHeads: size.n_heads,
    dFf: size.d_ff,
    visionLayers: size.vision_layers,
    imageSize: size.image_size,
    patchSize: size.patch_size,
    maxPromptLength: size.max_prompt_length,
    // +2: BOS before the prompt and EOS after the response
    maxPositions: size.max_prompt_length + longestResponse + 2,
  };
  checkConfig(cfg);
  return cfg;
}

export function checkConfig(cfg: ModelConfig): void {
  if (cfg.dModel % cfg.nHeads !== 0) throw new Error(`model: n_heads (${cfg.nHeads}) must divide d_model (${cfg.dModel})`);
  if (cfg.imageSize % cfg.patchSize !== 0) throw new Error(`model: patch_size (${cfg.patchSize}) must divide image_size (${cfg.imageSize})`);
}

export const patchesPerImage = (cfg: ModelConfig): number => (cfg.imageSize / cfg.patchSize) ** 2;
export const patchDim = (cfg: ModelConfig): number => cfg.patchSize * cfg.patchSize * 3;
