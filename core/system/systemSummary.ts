// One line per stage for `see2think summary`: what the stage's GPUs and processes did (system/… metrics), or
// that it had no GPU metrics. Pure: from the stage's metric records.
import { METRICS } from '../../protocol/metrics';
import type { MetricRecord } from '../../protocol/runRecords';

const values = (rows: MetricRecord[], name: string): number[] =>
  rows.map((r) => r[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** "GPU 89 % · 78.2 GiB peak · 611 W; CPU 95 % · RSS 0.4 GiB peak", or undefined when the stage has no system metrics. */
export function systemLine(rows: MetricRecord[]): string | undefined {
  const util = values(rows, METRICS.systemGpuUtil);
  const mem = values(rows, METRICS.systemGpuMemory);
  const power = values(rows, METRICS.systemGpuPower);
  const cpu = values(rows, METRICS.systemCpu);
  const rss = values(rows, METRICS.systemRss);
  if (!util.length && !mem.length && !power.length && !cpu.length && !rss.length) return undefined;
  const gpu = [
    util.length ? `GPU ${Math.round(mean(util))} %` : '',
    mem.length ? `${Math.max(...mem).toFixed(1)} GiB peak` : '',
    power.length ? `${Math.round(mean(power))} W` : '',
  ].filter(Boolean);
  const proc = [cpu.length ? `CPU ${Math.round(mean(cpu))} %` : '', rss.length ? `RSS ${Math.max(...rss).toFixed(1)} GiB peak` : ''].filter(Boolean);
  return `${gpu.length ? gpu.join(' · ') : 'no GPU metrics'}${proc.length ? `; ${proc.join(' · ')}` : ''}`;
}
