// The dashboard's note where GPU metrics are missing: a run whose stages recorded CPU and memory (system/cpu,
// system/rss) but no GPU values ran where nvidia-smi was missing or saw no GPU — said in a note card beside the
// system charts, not left as charts that silently are not there.
import { METRICS } from '../../protocol/metrics';
import { el } from '../common/dom';

const GPU = [METRICS.systemGpuUtil, METRICS.systemGpuMemory, METRICS.systemGpuPower];
const PROC = [METRICS.systemCpu, METRICS.systemRss];

/** The runs (labels) with process metrics and no GPU metrics, given how many points each run has per metric. */
export function runsWithoutGpu(runs: readonly { label: string; count(metric: string): number }[]): string[] {
  return runs.filter((r) => PROC.some((m) => r.count(m) > 0) && GPU.every((m) => r.count(m) === 0)).map((r) => r.label);
}

/** Shows, updates or hides the note card (placed before the first system chart). */
export function showSystemNote(grid: HTMLElement, labels: readonly string[]): void {
  let card = grid.querySelector<HTMLElement>('.system-note');
  if (!labels.length) {
    card?.remove();
    return;
  }
  const text = `No GPU metrics for ${labels.join(', ')}: nvidia-smi was not found or saw no GPU where ${labels.length > 1 ? 'their stages' : 'its stages'} ran (the stage log says which). CPU and memory are shown.`;
  if (!card) {
    card = el('section', { class: 'card system-note', attrs: { role: 'note' } }, el('h2', { class: 'card-title', text: 'GPU metrics' }), el('p', { class: 'note-text' }));
    const first = grid.querySelector('[data-card^="system-"]');
    grid.insertBefore(card, first);
  }
  const p = card.querySelector('.note-text')!;
  if (p.textContent !== text) p.textContent = text;
}
