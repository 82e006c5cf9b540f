// The chart benchmark's main baseline, bundled for the page: uPlot (the fastest known library for large line
// charts; its line paths aggregate dense points per pixel column, so spikes are kept), one 900×300 chart of n
// series sharing one x array — the same data and size as the other sides. Draws synchronously (uPlot batch).
import uPlot from 'uplot';

let plot: uPlot | undefined;
let data: number[][] = [];

(globalThis as { benchUplot?: unknown }).benchUplot = {
  /** Builds the chart from [x, y0, y1, …] and draws it; returns ms. */
  firstDraw(columns: number[][]): number {
    const doc = (globalThis as any).document;
    const box = doc.createElement('div');
    doc.body.append(box);
    data = columns;
    const colors = ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700', '#17becf', '#e377c2', '#8c564b', '#bcbd22'];
    const t0 = performance.now();
    plot = new uPlot({
      width: 900, height: 300, pxAlign: 0,
      cursor: { show: false }, legend: { show: false },
      scales: { x: { time: false } },
      series: [{}, ...columns.slice(1).map((_, i) => ({ label: `run ${i}`, stroke: colors[i % 10], width: 1.5, points: { show: false } }))],
    }, columns as uPlot.AlignedData, box);
    plot.batch(() => plot!.redraw(false, true)); // the constructor commits on a microtask: draw now, inside the timing
    return performance.now() - t0;
  },
  /** Appends one point (x, one y per series) and redraws; returns ms. */
  update(x: number, ys: number[]): number {
    const t0 = performance.now();
    data[0].push(x);
    ys.forEach((y, i) => data[i + 1].push(y));
    plot!.batch(() => plot!.setData(data as uPlot.AlignedData));
    return performance.now() - t0;
  },
  /** Points per series uPlot holds, and the largest y it has in each series (all spikes are in its data). */
  counts(): number[] {
    return data.slice(1).map((s) => s.length);
  },
  /** Canvas pixels that are not background (the lines were drawn). */
  painted(): number {
    const c = (globalThis as any).document.querySelector('.uplot canvas') as { getContext(k: string): any; width: number; height: number };
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data as Uint8ClampedArray;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  },
};
