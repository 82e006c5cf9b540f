// TRL GRPOTrainer with log_completions=True writes <output_dir>/completions/completions_{step:05d}.parquet
// (pandas to_parquet): columns step, prompt, completion, one column per reward function, advantage (the set
// varies by version: some write only step/prompt/completion). Read with hyparquet (pure JS). A file is taken
// once it parses; one that is still being written fails to parse and is tried again while it grows.
// Source: huggingface/trl trl/trainer/grpo_trainer.py (GRPOTrainer.log).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import type { ForeignSample } from '../samples';
import type { AdapterNote } from '../foreignRun';

export const TRL_COMPLETIONS_DIR = 'completions';

export interface CompletionsFile {
  step: number;
  file: string;
  /** Sub-folder mode (e.g. "eval") when the trainer splits completions by mode. */
  mode: string;
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

/** Rows of one completions table → samples; reward columns are every numeric column but step/advantage. */
export function completionSamples(rows: Record<string, unknown>[]): ForeignSample[] {
  return rows.map((row) => {
    const rewards = Object.entries(row).filter(([k, v]) => !NOT_REWARDS.has(k) && toNum(v) !== undefined);
    const finite = rewards.map(([, v]) => toNum(v)!).filter((x) => !Number.isNaN(x));
    const pick = (re: RegExp) => {
      const hit = rewards.find(([k]) => re.test(k));
      const x = hit && toNum(hit[1]);
      return x === undefined || Number.isNaN(x) ? undefined : x;
    };
    return {
      prompt: cellText(row.prompt),
      response: cellText(row.completion),
      ground_truth: '',
      score: finite.length ? finite.reduce((a, b) => a + b, 0) : NaN,
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
  private readonly failedAt = new Map<string, number>();

  constructor(readonly outputDir: string) {}

  private files(): { file: string; step: number; mode: string }[] {
    const root = join(this.outputDir, TRL_COMPLETIONS_DIR);
    if (!existsSync(root)) return [];
    const found: { file: string; step: number; mode: string }[] = [];
    const walk = (dir: string, depth: number) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        const m = /^completions_(\d+)\.parquet$/.exec(name);
        if (m) found.push({ file: p, step: Number(m[1]), mode: relative(root, dir) || 'train' });
        else if (depth < 1 && statSync(p).isDirectory()) walk(p, depth + 1);
      }
    };
    walk(root, 0);
    return found.sort((a, b) => a.step - b.step);
  }

  async read(final = false): Promise<{ files: CompletionsFile[]; notes: AdapterNote[] }> {
    const out = { files: [] as CompletionsFile[], notes: [] as AdapterNote[] };
    for (const f of this.files()) {
      if (this.done.has(f.file)) continue;
      const size = statSync(f.file).size;
      try {
        const rows = await readCompletionsParquet(f.file);
        this.done.add(f.file);
        out.files.push({ step: f.step, file: f.file, mode: f.mode, samples: completionSamples(rows) });
      } catch (err) {
        // Still being written (no footer yet) unless it stopped growing, or the run is over.
        if (final || this.failedAt.get(f.file) === size) {
          this.done.add(f.file);
          out.notes.push({ level: 'warn', file: f.file, message: `not a readable Parquet file (${(err as Error).message}); skipped` });
        }
        this.failedAt.set(f.file, size);
      }
    }
    return out;
  }
}
