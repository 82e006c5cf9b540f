// The dashboard's toolbar: layout (all metrics / the paper's response-length figure), smoothing slider, how
// seed groups are drawn (when runs carry one), reset zoom, export CSV, choose runs, and a status line. DOM
// only; the controller owns the behaviour.
import { el } from '../common/dom';
import type { Layout } from './state';
import type { SeedMode } from './seedGroups';

export interface ToolbarActions {
  setLayout(layout: Layout): void;
  setSmoothing(weight: number): void;
  setSeeds(mode: SeedMode): void;
  resetZoom(): void;
  exportCsv(): void;
  pickRuns(): void;
}

export interface Toolbar {
  root: HTMLElement;
  showLayout(layout: Layout): void;
  showSmoothing(weight: number): void;
  /** The seed-group control: its mode, shown only while some run belongs to an experiment arm. */
  showSeeds(mode: SeedMode, available: boolean): void;
  showStatus(text: string): void;
  showError(text: string | undefined): void;
}

type VscButton = HTMLElement & { secondary: boolean };

export function buildToolbar(a: ToolbarActions): Toolbar {
  const button = (label: string, icon: string, onClick: () => void, id: string) => {
    const b = el('vscode-button', { text: label, attrs: { icon, 'data-action': id } }) as VscButton;
    b.addEventListener('click', onClick);
    return b;
  };
  const all = button('All metrics', 'dashboard', () => a.setLayout('all'), 'layout-all');
  const paper = button('Response length: staged vs merged', 'graph-line', () => a.setLayout('paper'), 'layout-paper');
  paper.title = "The paper's figure: response length of two runs on one axis of global step, stage boundaries marked";

  const slider = el('input', { class: 'smoothing', attrs: { type: 'range', min: '0', max: '0.999', step: '0.001', 'aria-label': 'Smoothing' } });
  const value = el('span', { class: 'smoothing-value' });
  slider.addEventListener('input', () => {
    value.textContent = Number(slider.value).toFixed(3);
    a.setSmoothing(Number(slider.value));
  });
  const seedButtons: [SeedMode, VscButton][] = [
    ['std', button('mean ± std', 'graph-line', () => a.setSeeds('std'), 'seeds-std')],
    ['minmax', button('min–max', 'fold', () => a.setSeeds('minmax'), 'seeds-minmax')],
    ['off', button('each run', 'list-flat', () => a.setSeeds('off'), 'seeds-off')],
  ];
  seedButtons[0][1].title = "Each experiment arm: the mean over its seeds, with a band of ± one standard deviation (sample, n − 1)";
  seedButtons[1][1].title = 'Each experiment arm: the mean over its seeds, with a band from the lowest to the highest seed';
  seedButtons[2][1].title = 'Every run as its own line';
  const seeds = el('div', { class: 'group seeds-group hidden', attrs: { role: 'group', 'aria-label': 'Seeds' } },
    el('span', { class: 'group-label', text: 'Seeds' }), ...seedButtons.map(([, b]) => b));
  const status = el('span', { class: 'status', attrs: { 'aria-live': 'polite' } });
  const error = el('div', { class: 'error hidden', attrs: { role: 'alert' } });

  const root = el('div', { class: 'toolbar-wrap' },
    el('div', { class: 'toolbar', attrs: { role: 'toolbar' } },
      el('div', { class: 'group' }, all, paper),
      el('label', { class: 'group smoothing-group', title: 'Debiased exponential moving average, as TensorBoard (0 = off)' }, 'Smoothing', slider, value),
      seeds,
      el('div', { class: 'group' },
        button('Reset zoom', 'discard', a.resetZoom, 'reset-zoom'),
        button('Export CSV', 'table', a.exportCsv, 'export-csv'),
        button('Choose runs…', 'list-selection', a.pickRuns, 'pick-runs')),
      status),
    error);
  for (const b of root.querySelectorAll<VscButton>('[data-action="reset-zoom"], [data-action="export-csv"], [data-action="pick-runs"]')) b.secondary = true;

  return {
    root,
    showLayout(layout) {
      all.secondary = layout !== 'all';
      paper.secondary = layout !== 'paper';
    },
    showSmoothing(w) {
      slider.value = String(w);
      value.textContent = w.toFixed(3);
    },
    showSeeds(mode, available) {
      for (const [m, b] of seedButtons) b.secondary = m !== mode;
      seeds.classList.toggle('hidden', !available);
    },
    showStatus(text) {
      if (status.textContent !== text) status.textContent = text;
    },
    showError(text) {
      error.textContent = text ?? '';
      error.classList.toggle('hidden', !text);
    },
  };
}
