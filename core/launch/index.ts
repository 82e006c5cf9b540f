// Picks the launcher for a stage's launch target, and the argument vector that runs a stage.
import { join } from 'node:path';
import type { LaunchTarget } from '../../protocol/runRecords';
import type { Launcher } from './target';
import { LocalLauncher } from './local';
import { SlurmLauncher, type SlurmLauncherOptions } from './slurm';

/** `slurm` options (tool environment such as SLURM_CONF, poll interval) are used by the slurm target only. */
export function launcherFor(target: LaunchTarget, slurm?: SlurmLauncherOptions): Launcher {
  switch (target) {
    case 'local':
      return new LocalLauncher();
    case 'slurm':
      return new SlurmLauncher(slurm);
  }
}

/**
 * The argv that runs one stage of a run directory: `see2think stage <run-dir> <stage-id> [--resume]`, through
 * the given Node runtime (the extension passes its own, with ELECTRON_RUN_AS_NODE=1) and the bundled CLI.
 */
export function stageArgv(o: { runDir: string; stageId: string; resume?: boolean; node?: string; cliJs?: string }): string[] {
  const cli = o.cliJs ?? join(__dirname, 'cli.js');
  return [o.node ?? process.execPath, cli, 'stage', o.runDir, o.stageId, ...(o.resume ? ['--resume'] : [])];
}
