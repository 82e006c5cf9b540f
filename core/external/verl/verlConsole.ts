// verl's console logger prints one line per step: `step:N - key:value - key:value …` (LocalLogger,
// concat_dict_to_str). Values come from pprint.pformat, so with NumPy 2 they read `np.float64(0.5)`; older
// versions format `0.500`. Ray may prefix the line with `(TaskRunner pid=…)`. Other lines are not metrics.
// The trainer also prints `Total training steps: N` before the first step: the planned step count.
// Source: verl verl/utils/logger/aggregate_logger.py, verl/trainer/ppo/ray_trainer.py; facts in ../upstream.ts.
import { parsePythonNumber } from '../pythonValues';

export interface VerlConsoleLine {
  step: number;
  data: Record<string, number>;
  /** Pairs whose value was not a number (kept out of data). */
  skipped: string[];
}

const START = /(?:^|\s)step:(\d+) - (.*)$/;

export function parseVerlConsoleLine(line: string): VerlConsoleLine | undefined {
  const m = START.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  const out: VerlConsoleLine = { step: Number(m[1]), data: {}, skipped: [] };
  for (const pair of m[2].split(' - ')) {
    // The value never holds a colon; a key may (rarely), so split at the last one.
    const at = pair.lastIndexOf(':');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    const value = at > 0 ? parsePythonNumber(pair.slice(at + 1)) : undefined;
    if (!key || value === undefined) out.skipped.push(pair);
    else out.data[key] = value;
  }
  return Object.keys(out.data).length ? out : undefined;
}

/** `Total training steps: N` (ray_trainer, after building the data loaders), anywhere on a line. */
export function parseVerlTotalSteps(line: string): number | undefined {
  const m = /Total training steps: (\d+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}
