// TRL GRPOTrainer with log_completions=True writes <output_dir>/completions/completions_{step:05d}.parquet
// (pandas to_parquet) at every Trainer.log() call, training and evaluation alike: an evaluation at step N
// rewrites step N's file. Columns: step, prompt, completion, one column per reward function (its name), the
// extra columns reward functions log (log_extra, numeric too), advantage. The logged reward is the nansum of
// the reward columns weighted by reward_weights: so the score here is that, over the reward columns only
// (known when we launched the run; else the reward functions trainer_state.json names, at weight 1 — TRL's
// default; else every numeric column but step/advantage). A file is taken once a later step's file exists
// (its step is over, evaluation included) or the run ended. Read with hyparquet (pure JS).
// Source: huggingface/trl trl/trainer/grpo_trainer.py (GRPOTrainer.log, _generate_and_score_completions);
// facts in ../upstream.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import type { ForeignSample } from '../samples';
import type { AdapterNote } from '../foreignRun';

export const TRL_COMPLETIONS_DIR = 'completions';

export interface CompletionsFile {
  /** TRL's global step. */
  step: number;
  file: string;
  samples: ForeignSample[];
}

const NOT_REWARDS = new Set(['step', 'prompt', 'completion', 'advantage', 'mode', 'image', 'images']);

/** Text of a prompt/completion cell: a string, or the last message's content of a conversation. */
export function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const last = v[v.length - 1] as { content?: unknown } | undefined;
    if (last && typeof last === 'object' && 'content' in last) return cellText(last.content);
    return v.map(cellText).join('');
  }
  if (v && typeof v === 'object' && 'text' in v) return cellText((v as { text: unknown }).text);
  return v === null || v === undefined ? '' : String(v);
}

const toNum = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : undefined;

/**
 * Rows of one completions table → samples. `weights` names the reward function columns and their
 * reward_weights; without it every numeric column but step/advantage counts at weight 1.
 */
export function completionSamples(rows: Record<string, unknown>[], weights?: Record<string, number>): ForeignSample[] {
  return rows.map((row) => {
    const rewards = Object.entries(row)
      .filter(([k, v]) => (weights ? k in weights : !NOT_REWARDS.has(k)) && toNum(v) !== undefined)
      .map(([k, v]) => [k, toNum(v)!] as const);
    const present = rewards.filter(([, x]) => !Number.isNaN(x));
    const pick = (re: RegExp) => {
      const hit = rewards.find(([k]) => re.test(k));
      return hit === undefined || Number.isNaN(hit[1]) ? undefined : hit[1];
    };
    return {
      prompt: cellText(row.prompt),
      response: cellText(row.completion),
      ground_truth: '',
      // nansum(w · r); a row no reward function scored stays NaN, as TRL marks it unscorable.
      score: present.length ? present.reduce((s, [k, x]) => s + (weights?.[k] ?? 1) * x, 0) : NaN,
      accuracy: pick(/acc/i),
      format: pick(/format/i),
      advantage: toNum(row.advantage),
    };
  });
}

export async function readCompletionsParquet(file: string): Promise<Record<string, unknown>[]> {
  const bytes = readFileSync(file);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
}

export class TrlCompletionsDir {
  private readonly done = new Set<string>();

  /** Reward function column → weight, when known (see the top comment). */
  weights?: Record<string, number>;

  constructor(readonly outputDir: string, weights?: Record<string, number>) {
    this.weights = weights;
  }

  private files(): { file: string; step: number }[] {
    const root = join(this.outputDir, TRL_COMPLETIONS_DIR);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .map((name) => ({ name, m: /^completions_(\d+)\.parquet$/.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ file: join(root, x.name), step: Number(x.m[1]) }))
      .sort((a, b) => a.step - b.step);
  }

  /** Files whose step is over (a later one exists), or every file when `final`. */
  async read(final = false): Promise<{ files: CompletionsFile[]; notes: AdapterNote[] }> {
    const out = { files: [] as CompletionsFile[], notes: [] as AdapterNote[] };
    const all = this.files();
    const newest = all.length ? all[all.length - 1].step : -1;
    for (const f of all) {
      if (this.done.has(f.file) || (!final && f.step === newest)) continue;
      this.done.add(f.file);
      try {
        const rows = await readCompletionsParquet(f.file);
        out.files.push({ step: f.step, file: f.file, samples: completionSamples(rows, this.weights) });
      } catch (err) {
        out.notes.push({ level: 'warn', file: f.file, message: `not a readable Parquet file (${(err as Error).message}); skipped (${statSync(f.file).size} bytes)` });
      }
    }
    return out;
  }
}
