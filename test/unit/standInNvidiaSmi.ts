// A stand-in `nvidia-smi` for tests (the boundary: this machine has no GPU): an executable in a temp folder to
// put first on PATH, which logs the arguments it was called with and prints the given output.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder with an executable `nvidia-smi` that logs its arguments and prints `output` (or fails). */
export function standInNvidiaSmi(output: string, exitCode = 0): { dir: string; argsLog: string } {
  const dir = mkdtempSync(join(tmpdir(), 's2t-nvsmi-'));
  const argsLog = join(dir, 'args.log');
  writeFileSync(join(dir, 'out.txt'), output);
  writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\necho "$@" >> '${argsLog}'\ncat '${join(dir, 'out.txt')}'\nexit ${exitCode}\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return { dir, argsLog };
}

