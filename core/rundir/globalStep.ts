// A stage's place on the run's global step axis, decided once: a stage continues the global steps of the
// checkpoint it starts from, so the stages of a run (and staged vs merged runs) share one x axis. Writers (the
// built-in trainer, the external bridge) stamp global_step = offset + step on every record from `startPoint`;
// readers take x from the records, and place a stage that has logged nothing yet at its planned offset.
// docs/ARCHITECTURE.md#the-global-step
import { join } from 'node:path';
import { CHECKPOINT_META, latestCheckpoint } from './checkpointPaths';
import { readJsonFile, stagePath } from './runDirReader';

/** The checkpoint a stage starts from, and the global step it ends at: the stage's global offset. */
export interface StartPoint {
  dir: string;
  step: number;
  /** "<init stage>/step-<N>", as checkpoint metadata records a parent. */
  parent: string;
  globalOffset: number;
}

/** The latest complete checkpoint of the init stage (undefined when it has none yet). */
export function startPoint(runDir: string, initFrom: string): StartPoint | undefined {
  const ck = latestCheckpoint(stagePath(runDir, initFrom));
  if (!ck) return undefined;
  const meta = readJsonFile<{ global_step?: unknown; step?: unknown }>(join(ck.dir, CHECKPOINT_META)).value;
  const globalOffset = typeof meta?.global_step === 'number' ? meta.global_step : typeof meta?.step === 'number' ? meta.step : ck.step;
  return { dir: ck.dir, step: ck.step, parent: `${initFrom}/step-${ck.step}`, globalOffset };
}

/** Each stage's offset as the recipe plans it: where its init stage's planned steps end (0 from scratch). */
export function plannedOffsets(stages: readonly { id: string; initFrom: string | null; steps: number }[]): Map<string, number> {
  const ends = new Map<string, number>();
  const endOf = (id: string | null, depth = 0): number => {
    const s = id === null || depth > stages.length ? undefined : stages.find((x) => x.id === id);
    if (!s) return 0;
    if (!ends.has(s.id)) ends.set(s.id, endOf(s.initFrom, depth + 1) + s.steps);
    return ends.get(s.id)!;
  };
  return new Map(stages.map((s) => [s.id, endOf(s.initFrom)]));
}
