// Autoregressive sampling with a KV cache: one prefill per distinct prompt, the cache repeated for the
// group, then one decoder step per token for every unfinished row (on the native kernels when loaded, else
// the tfjs model). Temperature and nucleus (top-p) filtering run in JS on each step's logits with the seeded
// Rng, so a run's samples are reproducible.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng';
import type { ModelConfig } from './config';
import { type PromptInput, type SeqBatch, promptBatch } from './batch';
import { EOS, PAD } from './tokenizer';
import { type Params, type KvCache, prefill, repeatCache, repeatLogits, decodeStep, disposeCache, disposeGenerated } from './vlm';
import { type Decoder, nativeDecoder, nativeModel } from './nativeVlm';

export interface SamplingOptions {
  /** Softmax temperature (ignored when greedy). */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches top_p. */
  topP: number;
  /** Most response tokens (EOS included). */
  maxTokens: number;
  /** Always take the most likely token. */
  greedy?: boolean;
  /** Rows decoded together (bounds memory for large validation sets). */
  maxRows?: number;
}

export interface Rollout {
  /** Response token ids; ends with EOS when `finished`. */
  tokens: number[];
  /** log π(token) under softmax(logits / temperature) without top-p truncation (what training recomputes). */
  logprobs: number[];
  finished: boolean;
}

/** Index of the sampled token, and its log-probability under the untruncated tempered distribution. */
export function pickToken(logits: Float32Array, offset: number, vocab: number, o: SamplingOptions, rng: Rng, scratch: Float64Array): { token: number; logprob: number } {
  const t = o.greedy ? 1 : o.temperature;
  let max = -Infinity;
  let arg = 0;
  for (let i = 0; i < vocab; i++) {
    const l = logits[offset + i];
    if (l > max) {
      max = l;
      arg = i;
    }
  }
  let z = 0;
  for (let i = 0; i < vocab; i++) {
    scratch[i] = Math.exp((logits[offset + i] - max) / t);
    z += scratch[i];
  }
  const logZ = Math.log(z);
  const logprobOf = (i: number) => (logits[offset + i] - max) / t - logZ;
  if (o.greedy) return { token: arg, logprob: logprobOf(arg) };
  let chosen = vocab - 1;
  if (o.topP >= 1) {
    let u = rng.next() * z;
    for (let i = 0; i < vocab; i++) {
      u -= scratch[i];
      if (u < 0) {
        chosen = i;
        break;
      }
    }
  } else {
    const order = Array.from({ length: vocab }, (_, i) => i).sort((a, b) => scratch[b] - scratch[a] || a - b);
    let kept = 0;
    let n = 0;
    while (n < vocab && kept < o.topP * z) kept += scratch[order[n++]];
    let u = rng.next() * kept;
    chosen = order[n - 1];
    for (let k = 0; k < n; k++) {
      u -= scratch[order[k]];
      if (u < 0) {
        chosen = order[k];
        break;
      }
    }
  }
  return { token: chosen, logprob: logprobOf(chosen) };
}

/** n responses for each prompt: result[i][j] is prompt i's j-th response. */
export function sample(params: Params, cfg: ModelConfig, prompts: PromptInput[], n: number, o: SamplingOptions, rng: Rng): Rollout[][] {
  const out: Rollout[][] = prompts.map(() => []);
  const perChunk = Math.max(1, Math.floor((o.maxRows ?? 512) / n));
  for (let start = 0; start < prompts.length; start += perChunk) {
    const chunk = prompts.slice(start, start + perChunk);
    const rows = sampleChunk(params, cfg, chunk, n, o, rng);
    rows.forEach((r, i) => out[start + Math.floor(i / n)].push(r));
  }
  return out;
}

/** The tfjs model's KV-cache decoder (every row is computed at each step; `active` is not needed). */
function tfjsDecoder(params: Params, cfg: ModelConfig, batch: SeqBatch, n: number): Decoder {
  const first = prefill(params, cfg, batch);
  let cache: KvCache = repeatCache(first.cache, n);
  if (cache !== first.cache) disposeCache(first.cache);
  let logits: Tensor = repeatLogits(first.logits, batch.size, n);
  if (logits !== first.logits) first.logits.dispose();
  const rows = batch.size * n;
  return {
    rows,
    get logits() {
      return logits.dataSync() as Float32Array;
    },
    step: (tokens, positions) => {
      const next = decodeStep(params, cfg, cache, tokens, positions);
      disposeGenerated(cache);
      logits.dispose();
      cache = next.cache;
      logits = next.logits;
    },
    dispose: () => {
      disposeCache(cache);
      logits.dispose();
    },
  };
}

function sampleChunk(params: Params, cfg: ModelConfig, prompts: PromptInput[], n: number, o: SamplingOptions, rng: Rng): Rollout[] {
  const batch = promptBatch(cfg, prompts);
  const maxTokens = Math.min(o.maxTokens, cfg.maxPositions - Math.max(...prompts.map((p) => p.tokens.length)));
  const native = nativeModel();
  const dec = native ? nativeDecoder(native, params, cfg, batch, n, Math.max(0, maxTokens - 1)) : tfjsDecoder(params, cfg, batch, n);
  const B = dec.rows;
  const V = cfg.vocabSize;
  const rows: Rollout[] = Array.from({ length: B }, () => ({ tokens: [], logprobs: [], finished: false }));
  const scratch = new Float64Array(V);
  const tokens = new Int32Array(B);
  const positions = new Int32Array(B);
  const active = new Uint8Array(B);
  try {
    for (let step = 0; step < maxTokens; step++) {
      const data = dec.logits;
      let open = 0;
      for (let r = 0; r < B; r++) {
        const row = rows[r];
        if (row.finished) {
          tokens[r] = PAD;
        } else {
          const { token, logprob } = pickToken(data, r * V, V, o, rng, scratch);
          row.tokens.push(token);
          row.logprobs.push(logprob);
          tokens[r] = token;
          if (token === EOS) row.finished = true;
          else open++;
        }
        active[r] = row.finished ? 0 : 1;
        positions[r] = Math.min(prompts[Math.floor(r / n)].tokens.length + step, cfg.maxPositions - 1);
      }
      if (!open || step === maxTokens - 1) break;
      dec.step(tokens, positions, active);
    }
  } finally {
    dec.dispose();
  }
  return rows;
}
