// The baseline of the chart benchmark, bundled for the page: plain Chart.js 4 with its own min-max
// decimation (the best built-in option; docs/ARCHITECTURE.md#charts), one 900×300 line chart of n series. Points are
// pushed into the original data arrays, because with decimation on `dataset.data` is the decimated copy.
import { Chart, registerables } from 'chart.js';

Chart.register(...registerables);

interface XY { x: number; y: number }

let chart: Chart<'line', XY[]> | undefined;
let originals: XY[][] = [];

(globalThis as { benchBaseline?: unknown }).benchBaseline = {
  /** Builds the chart synchronously (animation off, so it renders in the constructor); returns ms. */
  firstDraw(series: XY[][]): number {
    // A page script compiled under the Node tsconfig (no DOM lib): the DOM through globalThis.
    const doc = (globalThis as any).document;
    const canvas = doc.createElement('canvas');
    const box = doc.createElement('div');
    box.className = 'box';
    box.append(canvas);
    doc.body.append(box);
    originals = series;
    const colors = ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700', '#17becf', '#e377c2', '#8c564b', '#bcbd22'];
    const t0 = performance.now();
    chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: series.map((data, i) => ({ label: `run ${i}`, data, borderColor: colors[i % 10], borderWidth: 1.5, pointRadius: 0 })) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
        scales: { x: { type: 'linear' } },
        plugins: { decimation: { enabled: true, algorithm: 'min-max' }, tooltip: { enabled: false } },
      },
    });
    return performance.now() - t0;
  },
  /** Appends one point per series and redraws; returns ms. */
  update(points: XY[]): number {
    const t0 = performance.now();
    points.forEach((p, i) => originals[i].push(p));
    chart!.update('none');
    return performance.now() - t0;
  },
  /** Points Chart.js holds per series after the updates (to prove no push was lost). */
  counts(): number[] {
    return chart!.data.datasets.map((d) => ((d as unknown as { _data?: XY[] })._data ?? d.data).length);
  },
};
