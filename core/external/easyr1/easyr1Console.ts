// EasyR1's console logger (trainer.logger has "console", the default with wandb): every Tracker.log() prints
// `Step {step}` and then yaml.dump(unflatten_dict(metrics)) — nested `key:` / `  key: value` lines. Under Ray
// each line carries its actor's prefix, `(Runner pid=123) ` (colours and `ip=` too), and lines of other
// actors may come in between, so a block is collected per prefix and ends at that actor's next line that is
// not YAML. `Total training steps: N` (ray_trainer) gives the planned step count. Validation samples are
// not in this format's metrics: they need the file logger (trainer.logger with "file").
// Source: hiyouga/EasyR1 verl/utils/logger/logger.py (ConsoleLogger), verl/utils/py_functional.py
// (convert_dict_to_str); facts in ../upstream.ts.
import YAML from 'yaml';
import { flattenMetrics, type FlatMetrics } from '../metricNames';

export interface ConsoleBlock {
  step: number;
  metrics: FlatMetrics;
}

// Colour codes Ray adds around prefixes.
const ANSI = /\x1b\[[0-9;]*m/g;
const RAY_PREFIX = /^\(([\w.-]+(?: pid=\d+)?(?:, ip=[\w.:-]+)?)\)\s?/;
const STEP = /^Step (\d+)\s*$/;
const YAML_LINE = /^( *)[A-Za-z_][\w./@-]*:(?: .*)?$/;
const TOTAL = /Total training steps: (\d+)/;
/** Ray's de-duplication suffix. */
const REPEATED = /\s*\[repeated \d+x across cluster\]\s*$/;

export class EasyR1ConsoleParser {
  private readonly open = new Map<string, { step: number; lines: string[] }>();
  totalSteps?: number;

  /** Feeds one console line; returns the blocks it completed. */
  push(raw: string): ConsoleBlock[] {
    const clean = raw.replace(ANSI, '').replace(/\r$/, '').replace(REPEATED, '');
    const m = RAY_PREFIX.exec(clean);
    const source = m ? m[1].replace(/, ip=.*/, '') : '';
    const line = m ? clean.slice(m[0].length) : clean;
    const total = TOTAL.exec(line);
    if (total) this.totalSteps = Number(total[1]);
    const out: ConsoleBlock[] = [];
    const cur = this.open.get(source);
    if (cur && YAML_LINE.test(line)) {
      cur.lines.push(line);
      return out;
    }
    if (cur) out.push(...this.close(source));
    const step = STEP.exec(line);
    if (step) this.open.set(source, { step: Number(step[1]), lines: [] });
    return out;
  }

  /** Ends every open block (the output ended). */
  flush(): ConsoleBlock[] {
    return [...this.open.keys()].flatMap((s) => this.close(s));
  }

  private close(source: string): ConsoleBlock[] {
    const b = this.open.get(source)!;
    this.open.delete(source);
    if (!b.lines.length) return [];
    let parsed: unknown;
    try {
      parsed = YAML.parse(b.lines.join('\n'));
    } catch {
      return [];
    }
    const metrics = flattenMetrics(parsed);
    return Object.keys(metrics).length ? [{ step: b.step, metrics }] : [];
  }
}

/** Whether text looks like EasyR1 console output: at least one `Step N` block of YAML metrics. */
export function isEasyR1Console(text: string): boolean {
  const p = new EasyR1ConsoleParser();
  for (const line of text.split('\n')) if (p.push(line).length) return true;
  return p.flush().length > 0;
}
