// The figure's data: each run's mean sampled response length per RL step, read from its RL stages'
// metrics.jsonl (step counted from the end of the shared warm-up), and the mean over seeds per step.
import { existsSync } from 'node:fs';
import { RUN_FILES, type MetricRecord } from '../../protocol/runRecords';
import { METRICS } from '../../protocol/metrics';
import { readJsonl } from '../rundir/jsonlTail';
import { stagePath } from '../rundir/runDirReader';
import { mean } from '../../protocol/stats';

/** Response length per RL step 1..rlSteps (NaN where the run has no record yet). */
export function runLengths(runDir: string, rlStages: readonly string[], warmupSteps: number, rlSteps: number): number[] {
  const out = new Array<number>(rlSteps).fill(NaN);
  for (const id of rlStages) {
    const file = stagePath(runDir, id, RUN_FILES.metrics);
    if (!existsSync(file)) continue;
    for (const r of readJsonl<MetricRecord>(file).records) {
      const v = r[METRICS.responseLength];
      const step = (typeof r.global_step === 'number' ? r.global_step : NaN) - warmupSteps;
      if (typeof v === 'number' && Number.isInteger(step) && step >= 1 && step <= rlSteps) out[step - 1] = v;
    }
  }
  return out;
}

/** Per step, the mean over the runs that have a value there. */
export function meanOverRuns(runs: readonly number[][]): number[] {
  const n = Math.max(0, ...runs.map((r) => r.length));
  return Array.from({ length: n }, (_, i) => {
    const xs = runs.map((r) => r[i]).filter(Number.isFinite);
    return mean(xs);
  });
}
