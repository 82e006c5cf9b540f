// Resume support: a stage killed after its last checkpoint may have written metrics and traces for steps
// the resumed run will redo. Dropping every line with step > the checkpoint's step (atomic rewrite) keeps
// the files contiguous with no duplicated steps. Unparseable lines are kept as they are, except a torn
// last line (no newline), which a crash leaves behind and nothing can read.
import { existsSync, readFileSync } from 'node:fs';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { writeFileAtomic } from './runDirWriter';

/** Rewrites a JSONL file without records whose `step` exceeds maxStep; returns how many lines were dropped. */
export function truncateJsonlAfterStep(path: string, maxStep: number): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  let dropped = tail.trim() ? 1 : 0;
  const kept: string[] = [];
  for (const line of lines) {
    let step: unknown;
    try {
      step = (parseJsonLoose(line) as { step?: unknown } | null)?.step;
    } catch {
      step = undefined;
    }
    if (typeof step === 'number' && step > maxStep) dropped++;
    else kept.push(line);
  }
  if (dropped) writeFileAtomic(path, kept.map((l) => l + '\n').join(''));
  return dropped;
}
