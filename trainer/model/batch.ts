// Turns examples (prompt text + optional scene) and responses (token ids) into the dense arrays the model
// consumes: [image tokens | BOS + prompt, left-padded | response, right-padded]. Left padding lines every
// prompt's end up at one column, so a batch samples and scores its responses in lock-step.
import type { SceneImage } from '../tasks/types';
import { type ModelConfig, patchesPerImage, patchDim } from './config';
import { BOS, PAD, encode } from './tokenizer';

/** One prompt, tokenised, with its image cut into patches. */
export interface PromptInput {
  /** BOS + prompt tokens. */
  tokens: number[];
  /** [patches, patchDim] in [-0.5, 0.5], or undefined for a text-only prompt. */
  patches?: Float32Array;
}

/** A batch of prompts (what prefill consumes). */
export interface SeqBatch {
  size: number;
  /** Image tokens per row (0 when no row has an image: the vision tower is skipped). */
  imageTokens: number;
  /** [size, imageTokens, patchDim] (zeros for rows without an image). */
  patches: Float32Array | null;
  /** [size]: 1 where the row has an image. */
  hasImage: Float32Array;
  /** Prompt columns (the longest prompt; shorter ones are left-padded). */
  promptLen: number;
  /** Text columns in `tokens` (promptLen, plus response columns for a training batch). */
  textLen: number;
  /** [size, textLen] token ids. */
  tokens: Int32Array;
  /** [size, textLen] position ids (0 at each row's BOS). */
  positions: Int32Array;
  /** [size, textLen]: 1 where the column holds a real token (not padding). */
  valid: Float32Array;
  /** Each row's real prompt length (BOS included). */
  promptLens: number[];
}

/** A batch of prompt + response pairs for scoring: targets are the response tokens, masked past their end. */
export interface TrainBatch extends SeqBatch {
  /** Response columns scored (the longest response). */
  responseLen: number;
  /** [size, responseLen] the response tokens the model must predict. */
  targets: Int32Array;
  /** [size, responseLen]: 1 on real response tokens (EOS included), 0 on padding. */
  mask: Float32Array;
}

export function imagePatches(cfg: ModelConfig, image: SceneImage): Float32Array {
  if (image.size !== cfg.imageSize) {
    throw new Error(`scene is ${image.size}x${image.size} pixels but the model takes ${cfg.imageSize}x${cfg.imageSize}`);
  }
  const p = cfg.patchSize;
  const grid = cfg.imageSize / p;
  const out = new Float32Array(patchesPerImage(cfg) * patchDim(cfg));
  let o = 0;
  for (let py = 0; py < grid; py++) {
    for (let px = 0; px < grid; px++) {
      for (let y = 0; y < p; y++) {
        const row = (py * p + y) * cfg.imageSize + px * p;
        for (let x = 0; x < p; x++) {
          const i = (row + x) * 3;
          out[o++] = image.rgb[i] / 255 - 0.5;
          out[o++] = image.rgb[i + 1] / 255 - 0.5;
          out[o++] = image.rgb[i + 2] / 255 - 0.5;
        }
      }
    }
  }
  return out;
}

export function promptInput(cfg: ModelConfig, ex: { prompt: string; image?: SceneImage; id?: string }): PromptInput {
  const tokens = [BOS, ...encode(ex.prompt)];
  if (tokens.length - 1 > cfg.maxPromptLength) {
    throw new Error(`prompt${ex.id ? ` ${ex.id}` : ''} is ${tokens.length - 1} tokens; the model's max_prompt_length is ${cfg.maxPromptLength}`);
  }
  return { tokens, patches: ex.image ? imagePatches(cfg, ex.image) : undefined };
}

function fill(cfg: ModelConfig, prompts: PromptInput[], extraCols: number, extra?: (row: number, col: number) => number): SeqBatch {
  const size = prompts.length;
  const anyImage = prompts.some((p) => p.patches);
  const imageTokens = anyImage ? patchesPerImage(cfg) : 0;
  const pd = patchDim(cfg);
  const patches = anyImage ? new Float32Array(size * imageTokens * pd) : null;
  const hasImage = new Float32Array(size);
  const promptLen = Math.max(...prompts.map((p) => p.tokens.length));
  const textLen = promptLen + extraCols;
  const tokens = new Int32Array(size * textLen);
  const positions = new Int32Array(size * textLen);
  const valid = new Float32Array(size * textLen);
  prompts.forEach((p, r) => {
    if (p.patches && patches) {
      patches.set(p.patches, r * imageTokens * pd);
      hasImage[r] = 1;
    }
    const pad = promptLen - p.tokens.length;
    for (let c = 0; c < p.tokens.length; c++) {
      const i = r * textLen + pad + c;
      tokens[i] = p.tokens[c];
      positions[i] = c;
      valid[i] = 1;
    }
    for (let c = 0; c < extraCols; c++) {
      const i = r * textLen + promptLen + c;
      tokens[i] = extra ? extra(r, c) : PAD;
      positions[i] = Math.min(p.tokens.length + c, cfg.maxPositions - 1);
      valid[i] = 1;
    }
  });
  return { size, imageTokens, patches, hasImage, promptLen, textLen, tokens, positions, valid, promptLens: prompts.map((p) => p.tokens.length) };
}

export function promptBatch(cfg: ModelConfig, prompts: PromptInput[]): SeqBatch {
  return fill(cfg, prompts, 0);
}

/**
 * Prompts with responses (token ids, EOS included when the response ended). The text columns hold the
 * prompt and all but the last response token: the last prompt column predicts response token 0.
 */
export function trainBatch(cfg: ModelConfig, prompts: PromptInput[], responses: number[][]): TrainBatch {
  if (prompts.length !== responses.length) throw new Error('trainBatch: one response per prompt');
  const responseLen = Math.max(1, ...responses.map((r) => r.length));
  for (let r = 0; r < prompts.length; r++) {
    if (prompts[r].tokens.length + responses[r].length > cfg.maxPositions) {
      throw new Error(`prompt + response is ${prompts[r].tokens.length + responses[r].length} tokens; the model has ${cfg.maxPositions} positions`);
    }
  }
  const base = fill(cfg, prompts, responseLen - 1, (r, c) => responses[r][c] ?? PAD);
  const targets = new Int32Array(prompts.length * responseLen);
  const mask = new Float32Array(prompts.length * responseLen);
  responses.forEach((resp, r) => {
    for (let c = 0; c < resp.length; c++) {
      targets[r * responseLen + c] = resp[c];
      mask[r * responseLen + c] = 1;
    }
  });
  return { ...base, responseLen, targets, mask };
}

