// The Runs view's experiments: runs whose run.json names an experiment arm and seed (`see2think experiment`)
// gathered as experiment → arm → seed runs, the way the dashboard draws them (one mean and band per arm).
// Node only (no 'vscode'), so it is unit-testable; the tree turns it into items.
import { runGroupOf } from '../../protocol/runRecords';
import type { RunSnapshot } from '../runs/runReader';

export interface ArmRuns {
  arm: string;
  /** The arm's runs by seed (then run id). */
  runs: { seed: number; run: RunSnapshot }[];
}

export interface ExperimentRuns {
  experiment: string;
  /** Arms in the order their first run was created. */
  arms: ArmRuns[];
  /** The newest run's creation time (experiments are listed newest first). */
  created: string;
}

/** The run's experiment arm and seed, when run.json carries a well-formed one. */
export const runGroup = (run: RunSnapshot) => runGroupOf(run.meta?.group);

export function experimentsOf(runs: readonly RunSnapshot[]): ExperimentRuns[] {
  const byId = new Map<string, ExperimentRuns>();
  const oldestFirst = [...runs].sort((a, b) => (a.created ?? '').localeCompare(b.created ?? ''));
  for (const run of oldestFirst) {
    const g = runGroup(run);
    if (!g) continue;
    let e = byId.get(g.experiment);
    if (!e) byId.set(g.experiment, (e = { experiment: g.experiment, arms: [], created: '' }));
    let arm = e.arms.find((a) => a.arm === g.arm);
    if (!arm) e.arms.push((arm = { arm: g.arm, runs: [] }));
    arm.runs.push({ seed: g.seed, run });
    if ((run.created ?? '') > e.created) e.created = run.created ?? '';
  }
  for (const e of byId.values()) for (const a of e.arms) a.runs.sort((x, y) => x.seed - y.seed || x.run.runId.localeCompare(y.run.runId));
  return [...byId.values()].sort((a, b) => b.created.localeCompare(a.created) || a.experiment.localeCompare(b.experiment));
}
