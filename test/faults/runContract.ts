// The run directory's contract, checked after faults: run.json and each stage's status.json readable, every
// JSONL line of metrics and traces a record (nothing torn, nothing unreadable), metric steps contiguous from the
// stage's first logged step with no duplicates and global steps chained across stages, traces only at logged
// steps, every checkpoint complete (its data files as long as meta.json says) and the last one named in
// status.json present, no temporary files left behind. Returns the problems found (empty = passes).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type MetricRecord, type StageStatus, type TraceRecord } from '../../protocol/runRecords';
import { readRunMeta, readStageStatus, stagePath } from '../../core/rundir/runDirReader';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { listCheckpoints } from '../../core/rundir/checkpointPaths';
import { openRun } from '../../core/rundir/runDir';
import { readCheckpointMeta } from '../../trainer/model/checkpoint';

function tmpFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tmpFiles(p));
    else if (/\.tmp$|\.partial$/.test(name)) out.push(p);
  }
  return out;
}

export function checkRunContract(runDir: string, o: { finished: boolean }): string[] {
  const problems: string[] = [];
  const meta = readRunMeta(runDir);
  if (!meta.value) return [`run.json: ${meta.error}`];
  const run = openRun(runDir);
  const lastGlobal = new Map<string, number>();
  for (const stage of run.recipe.stages) {
    const prevEnd = stage.initFrom ? lastGlobal.get(stage.initFrom) : undefined;
    const dir = stagePath(runDir, stage.id);
    const st = readStageStatus(runDir, stage.id);
    if (!st.value) {
      problems.push(`${stage.id}/status.json: ${st.error}`);
      continue;
    }
    const status: StageStatus = st.value;
    if (o.finished && status.state !== 'succeeded') problems.push(`${stage.id}: ${status.state}, not succeeded (${status.error ?? ''})`);
    const metrics = readJsonl<MetricRecord>(join(dir, RUN_FILES.metrics));
    const traces = readJsonl<TraceRecord>(join(dir, RUN_FILES.traces));
    for (const [name, chunk] of [['metrics', metrics], ['traces', traces]] as const) {
      for (const b of chunk.bad) problems.push(`${stage.id}/${name}.jsonl:${b.line}: ${b.reason}: ${b.excerpt}`);
    }
    const steps = metrics.records.map((r) => r.step);
    steps.forEach((s, i) => {
      if (i > 0 && s !== steps[i - 1] + 1) problems.push(`${stage.id}/metrics.jsonl: step ${s} follows step ${steps[i - 1]}`);
    });
    for (const r of metrics.records) {
      if (typeof r.global_step === 'number' && prevEnd !== undefined && r.global_step !== prevEnd + r.step) {
        problems.push(`${stage.id}: global_step ${r.global_step} at step ${r.step}, expected ${prevEnd + r.step}`);
        break;
      }
    }
    if (o.finished && steps[steps.length - 1] !== stage.steps) problems.push(`${stage.id}: last metric step ${steps[steps.length - 1]}, expected ${stage.steps}`);
    const logged = new Set(steps);
    const seen = new Set<string>();
    for (const t of traces.records) {
      const key = `${t.step}/${t.prompt_id}`;
      if (seen.has(key)) problems.push(`${stage.id}/traces.jsonl: step ${t.step} prompt ${t.prompt_id} twice`);
      seen.add(key);
      if (!logged.has(t.step) && t.step <= (steps[steps.length - 1] ?? -1)) problems.push(`${stage.id}/traces.jsonl: a trace at step ${t.step}, which has no metrics`);
    }
    for (const ck of listCheckpoints(dir)) {
      try {
        const m = readCheckpointMeta(ck.dir);
        const floats = m.params.reduce((a, [, shape]) => a + shape.reduce((x, y) => x * y, 1), 0);
        const size = statSync(join(ck.dir, 'weights.bin')).size;
        if (size !== floats * 4) problems.push(`${stage.id}/checkpoints/step-${ck.step}: weights.bin is ${size} bytes, meta.json says ${floats * 4}`);
      } catch (err) {
        problems.push(`${stage.id}/checkpoints/step-${ck.step}: ${(err as Error).message}`);
      }
    }
    if (status.last_checkpoint && !existsSync(join(dir, status.last_checkpoint, 'meta.json'))) problems.push(`${stage.id}: status.json names ${status.last_checkpoint}, which is not a complete checkpoint`);
    const end = metrics.records[metrics.records.length - 1]?.global_step;
    if (typeof end === 'number') lastGlobal.set(stage.id, end);
  }
  for (const f of tmpFiles(runDir)) problems.push(`left behind: ${f}`);
  return problems;
}
