// verl's sample dumps: trainer.rollout_data_dir (training rollouts) and trainer.validation_data_dir
// (validation generations) each get one `<global_step>.jsonl` per step, lines
// `{"input", "output", "gts", "score", "step", …reward_extra_infos}` (older versions: no "gts"). Each file is
// written whole in one go, so a file is taken once its size held still between two reads (or the run ended).
// Source: volcengine/verl verl/trainer/ppo/ray_trainer.py (_dump_generations).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl } from '../../rundir/jsonlTail';
import type { ForeignSample } from '../samples';
import type { AdapterNote } from '../foreignRun';

export interface DumpStep {
  step: number;
  file: string;
  samples: ForeignSample[];
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : undefined;

export function verlSample(raw: Record<string, unknown>): ForeignSample | string {
  if (typeof raw.input !== 'string' || typeof raw.output !== 'string') return 'no "input"/"output" strings';
  const score = num(raw.score);
  if (score === undefined) return 'no numeric "score"';
  const gts = raw.gts ?? raw.ground_truth;
  return {
    prompt: raw.input,
    response: raw.output,
    ground_truth: typeof gts === 'string' ? gts : gts === undefined || gts === null ? '' : JSON.stringify(gts),
    score,
    accuracy: num(raw.acc ?? raw.accuracy),
    format: num(raw.format),
  };
}

export class VerlDumpDir {
  private readonly sizes = new Map<string, number>();
  private readonly done = new Set<string>();

  constructor(readonly dir: string) {}

  /** Steps whose dump file is complete and not returned before; `final` takes every file as it stands. */
  read(final = false): { steps: DumpStep[]; notes: AdapterNote[] } {
    const out = { steps: [] as DumpStep[], notes: [] as AdapterNote[] };
    if (!existsSync(this.dir)) return out;
    const files = readdirSync(this.dir)
      .map((name) => ({ name, m: /^(\d+)\.jsonl$/.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null && !this.done.has(x.name))
      .sort((a, b) => Number(a.m[1]) - Number(b.m[1]));
    for (const { name, m } of files) {
      const file = join(this.dir, name);
      const size = statSync(file).size;
      const settled = this.sizes.get(name) === size && size > 0;
      this.sizes.set(name, size);
      if (!settled && !final) continue;
      this.done.add(name);
      const chunk = readJsonl<Record<string, unknown>>(file);
      for (const b of chunk.bad) out.notes.push({ level: 'warn', file, line: b.line, message: `line skipped: ${b.reason}` });
      const samples: ForeignSample[] = [];
      chunk.records.forEach((r, i) => {
        const s = verlSample(r);
        if (typeof s === 'string') out.notes.push({ level: 'warn', file, message: `sample ${i + 1} skipped: ${s}` });
        else samples.push(s);
      });
      out.steps.push({ step: Number(m[1]), file, samples });
    }
    return out;
  }
}
