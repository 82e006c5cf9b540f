// What could not be read of a run, as one line for the Runs view (shown on the run, never hidden): the run's
// own error and each stage's read error. Kept apart from the tree so it is testable without 'vscode'.
import type { RunSnapshot } from '../runs/runReader';

export function runProblem(run: RunSnapshot): string | undefined {
  const stages = run.stages.filter((s) => s.readError).map((s) => `stage '${s.id}': ${s.readError}`);
  return [run.error, ...stages].filter(Boolean).join('; ') || undefined;
}
