// `see2think summary <run-dir>`: the per-stage table of a run directory.
import { existsSync, statSync } from 'node:fs';
import { summarizeRun, formatRunSummary } from '../core/rundir/runSummary';
import { isRunDir } from '../core/rundir/runDirReader';
import { UsageError } from './cliValidate';

export function summaryCommand(dirs: string[], out: (line: string) => void): number {
  if (!dirs.length) throw new UsageError('summary needs a run directory');
  let code = 0;
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      out(`${dir}: no such directory`);
      code = 1;
      continue;
    }
    if (!isRunDir(dir)) {
      out(`${dir}: not a run directory (no run.json and no stages/)`);
      code = 1;
      continue;
    }
    out(formatRunSummary(summarizeRun(dir)));
  }
  return code;
}
