// Gathers one prompt's timeline from a run: its traces in every stage's index (found by prompt hash, then
// checked) and its answers in the run's evals/*.jsonl, then assembles it (core/diff/promptTimeline.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import type { TraceTimeline } from '../../protocol/traces';
import { parseEvalText, formatEvalProblem } from '../../core/diff/evalFile';
import { assembleTimeline, type TimelineSources } from '../../core/diff/promptTimeline';
import { openError } from '../../core/rundir/runDirReader';
import { LineFlag, openNoFollow, promptHash } from '../../core/rundir/traceFileIndex';
import type { RunTraces } from './runTraces';

/** Eval files larger than this are left out of timelines (said so). */
const MAX_EVAL_BYTES = 64 << 20;
const BATCH = 4096;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export async function promptTimeline(traces: RunTraces, promptId: string, stageOffsets: ReadonlyMap<string, number>): Promise<TraceTimeline> {
  const src: TimelineSources = { promptId, train: [], evals: [], stageOffsets, problems: [] };
  const h = promptHash(promptId);
  for (const f of traces.files) {
    const cands: number[] = [];
    for (let a = f.base; a < f.count; a += BATCH) {
      const b = Math.min(a + BATCH, f.count);
      if (!(await f.ensureMeta(a, b))) break;
      for (let o = Math.max(a, f.base); o < b; o++) if (f.flags[o - f.base] === LineFlag.Meta && f.hash[o - f.base] === h) cands.push(o);
      await yieldToLoop();
    }
    const recs = await f.records(cands);
    for (const r of recs) if (r && String(r.prompt_id) === promptId) src.train.push({ record: r, stageOffset: stageOffsets.get(typeof r.stage === 'string' ? r.stage : f.stage) ?? stageOffsets.get(f.stage) ?? 0 });
  }
  const dir = join(traces.runDir, RUN_FILES.evals);
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    // No evaluations yet.
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      // A symbolic link is never followed in a run folder (opening it fails with ELOOP).
      const fh = await openNoFollow(file);
      let text: string;
      try {
        const st = await fh.stat();
        if (!st.isFile()) continue;
        if (st.size > MAX_EVAL_BYTES) {
          src.problems!.push(`${RUN_FILES.evals}/${name}: over ${MAX_EVAL_BYTES >> 20} MiB; left out of the timeline`);
          continue;
        }
        text = await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
      const parsed = parseEvalText(text, file);
      for (const p of parsed.problems) if (p.severity === 'error') src.problems!.push(formatEvalProblem(`${RUN_FILES.evals}/${name}`, p));
      for (const record of parsed.records) if (record.prompt_id === promptId) src.evals.push({ file, header: parsed.header, record });
    } catch (err) {
      src.problems!.push(`${RUN_FILES.evals}/${name}: ${openError(err)}`);
    }
  }
  src.problems = src.problems!.slice(0, 20);
  return assembleTimeline(src);
}
