// `see2think attach <folder> [--into <dir>] [--once] [--interval <ms>]`: mirrors a run started outside
// See2Think (EasyR1, verl or TRL folder) into a run directory of ours, once or until it stops changing.
import { resolve } from 'node:path';
import { describeDetection, detectRunFolders } from '../core/external/detect';
import { AttachedRun } from '../core/external/attachRun';
import { UsageError } from './cliValidate';

const USAGE = 'usage: see2think attach <folder> [--into <runs-dir>] [--once] [--interval <ms>] [--idle-min <minutes>]';

export async function attachCommand(args: string[], out: (line: string) => void): Promise<number> {
  let folder: string | undefined;
  let into = 'runs';
  let once = false;
  let interval = 2000;
  let idleMin = 5;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--into') into = value();
    else if (a === '--once') once = true;
    else if (a === '--interval') interval = Number(value());
    else if (a === '--idle-min') idleMin = Number(value());
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\n${USAGE}`);
    else if (!folder) folder = a;
    else throw new UsageError(USAGE);
  }
  if (!folder) throw new UsageError(USAGE);
  if (!(interval > 0) || !(idleMin > 0)) throw new UsageError(`--interval and --idle-min must be positive numbers\n${USAGE}`);
  const rejected: string[] = [];
  const found = detectRunFolders(resolve(folder), 3, rejected);
  if (!found.length) {
    out(`${folder}: no EasyR1, verl or TRL run found here (looked for EasyR1's experiment_log.jsonl or console output, a verl file log or console, trainer_state.json …)`);
    for (const r of rejected) out(`  ${r}`);
    if (rejected.length) out("  (EasyR1 writes experiment_log.jsonl only with trainer.logger including 'file'; its console output, saved to a file, is read too)");
    return 1;
  }
  if (found.length > 1) {
    out(`${folder} holds ${found.length} runs; attach one of them:`);
    for (const d of found) out(`  ${describeDetection(d)}`);
    return 2;
  }
  const d = found[0];
  if (d.kind === 'see2think') {
    out(`${d.dir} is a See2Think run directory already: open it as it is (see2think summary ${d.dir})`);
    return 0;
  }
  const run = new AttachedRun(d, { into: resolve(into), idleMs: idleMin * 60000 });
  out(`attached ${describeDetection(d)} → ${run.runDir}`);
  let state = await run.poll();
  if (once) {
    out(`${state}`);
    return 0;
  }
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  process.once('SIGTERM', () => (stop = true));
  while (!stop && state === 'running') {
    await new Promise((r) => setTimeout(r, interval));
    state = await run.poll();
  }
  out(stop ? 'stopped' : state);
  return 0;
}
