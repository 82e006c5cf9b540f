// The experiment's figure as a PNG (pngjs): mean sampled response length per RL step for each arm (averaged
// over seeds, then a centred moving average of 5 steps), dashed lines where arm A's stages end, axes with tick
// labels and a legend, drawn with a 3×5 pixel font so the file needs no fonts or canvas.
import { PNG } from 'pngjs';
import { mean } from '../../protocol/stats';

export interface FigureSeries {
  name: string;
  /** Value per RL step (index 0 = step 1); NaN where no seed has one. */
  values: number[];
}

export interface LengthFigure {
  title: string;
  series: FigureSeries[];
  /** Vertical dashed lines: RL step and label. */
  marks: { step: number; label: string }[];
  width?: number;
  height?: number;
}

/** 3×5 glyphs, rows top to bottom ('#' = ink); letters are drawn upper-case. */
const GLYPHS: Record<string, string> = {
  A: '.#. #.# ### #.# #.#', B: '##. #.# ##. #.# ##.', C: '.## #.. #.. #.. .##', D: '##. #.# #.# #.# ##.',
  E: '### #.. ##. #.. ###', F: '### #.. ##. #.. #..', G: '.## #.. #.# #.# .##', H: '#.# #.# ### #.# #.#',
  I: '### .#. .#. .#. ###', J: '..# ..# ..# #.# .#.', K: '#.# #.# ##. #.# #.#', L: '#.. #.. #.. #.. ###',
  M: '#.# ### ### #.# #.#', N: '##. #.# #.# #.# #.#', O: '.#. #.# #.# #.# .#.', P: '##. #.# ##. #.. #..',
  Q: '.#. #.# #.# ##. .##', R: '##. #.# ##. #.# #.#', S: '.## #.. .#. ..# ##.', T: '### .#. .#. .#. .#.',
  U: '#.# #.# #.# #.# ###', V: '#.# #.# #.# #.# .#.', W: '#.# #.# ### ### #.#', X: '#.# #.# .#. #.# #.#',
  Y: '#.# #.# .#. .#. .#.', Z: '### ..# .#. #.. ###', 0: '### #.# #.# #.# ###', 1: '.#. ##. .#. .#. ###',
  2: '##. ..# .#. #.. ###', 3: '##. ..# .#. ..# ##.', 4: '#.# #.# ### ..# ..#', 5: '### #.. ##. ..# ##.',
  6: '.## #.. ### #.# ###', 7: '### ..# .#. .#. .#.', 8: '### #.# ### #.# ###', 9: '### #.# ### ..# ##.',
  '-': '... ... ### ... ...', '.': '... ... ... ... .#.', '/': '..# ..# .#. #.. #..', '%': '#.# ..# .#. #.. #.#',
  '(': '.#. #.. #.. #.. .#.', ')': '.#. ..# ..# ..# .#.', ':': '... .#. ... .#. ...', ' ': '... ... ... ... ...',
  '+': '... .#. ### .#. ...', ',': '... ... ... .#. #..',
};
const glyph = (c: string): string => (GLYPHS[c.toUpperCase()] ?? GLYPHS[' ']).replace(/ /g, '');

const PALETTE: [number, number, number][] = [[214, 39, 40], [31, 119, 180], [44, 160, 44], [148, 103, 189], [255, 127, 14], [140, 86, 75]];

class Canvas {
  readonly png: PNG;
  constructor(readonly w: number, readonly h: number) {
    this.png = new PNG({ width: w, height: h });
    this.png.data.fill(255);
  }
  px(x: number, y: number, c: readonly number[]): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (y * this.w + x) * 4;
    this.png.data[i] = c[0];
    this.png.data[i + 1] = c[1];
    this.png.data[i + 2] = c[2];
    this.png.data[i + 3] = 255;
  }
  line(x0: number, y0: number, x1: number, y1: number, c: readonly number[], width = 1, dash = 0): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) {
      if (dash && Math.floor(i / dash) % 2) continue;
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      for (let d = 0; d < width; d++) this.px(x, y + d - Math.floor(width / 2), c);
    }
  }
  text(x: number, y: number, s: string, c: readonly number[] = [0, 0, 0], scale = 2): number {
    for (const ch of s) {
      const g = glyph(ch);
      for (let r = 0; r < 5; r++) for (let k = 0; k < 3; k++) {
        if (g[r * 3 + k] === '#') for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) this.px(x + k * scale + a, y + r * scale + b, c);
      }
      x += 4 * scale;
    }
    return x;
  }
}

export const textWidth = (s: string, scale = 2): number => s.length * 4 * scale;

/** Centred moving average over `k` points, skipping NaN. */
export function smooth(values: readonly number[], k = 5): number[] {
  const h = Math.floor(k / 2);
  return values.map((_, i) => {
    const w = values.slice(Math.max(0, i - h), i + h + 1).filter(Number.isFinite);
    return mean(w);
  });
}

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

export function drawLengthFigure(f: LengthFigure): Buffer {
  const W = f.width ?? 960;
  const H = f.height ?? 420;
  // The legend's column is as wide as the longest arm name.
  const L = 70, T = 40, B = 50;
  const R = Math.max(120, 60 + Math.max(0, ...f.series.map((s) => textWidth(s.name))));
  const cv = new Canvas(W, H);
  const series = f.series.map((s) => ({ ...s, values: smooth(s.values) }));
  const steps = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1) [lo, hi] = [lo - 0.5, hi + 0.5];
  const tick = niceStep(hi - lo, 5);
  lo = Math.floor(lo / tick) * tick;
  hi = Math.ceil(hi / tick) * tick;
  const X = (step: number) => L + ((step - 1) / Math.max(1, steps - 1)) * (W - L - R);
  const Y = (v: number) => H - B - ((v - lo) / (hi - lo)) * (H - T - B);
  const grey = [150, 150, 150];
  cv.text(L, 12, f.title);
  cv.line(L, H - B, W - R, H - B, [0, 0, 0]);
  cv.line(L, T, L, H - B, [0, 0, 0]);
  for (let v = lo; v <= hi + 1e-9; v += tick) {
    cv.line(L - 5, Y(v), L, Y(v), [0, 0, 0]);
    cv.line(L + 1, Y(v), W - R, Y(v), [235, 235, 235]);
    const label = String(+v.toFixed(2));
    cv.text(L - 8 - textWidth(label), Y(v) - 5, label);
  }
  const xt = niceStep(steps, 8);
  for (let s = xt; s <= steps; s += xt) {
    cv.line(X(s), H - B, X(s), H - B + 5, [0, 0, 0]);
    cv.text(X(s) - textWidth(String(s)) / 2, H - B + 9, String(s));
  }
  cv.text(L + (W - L - R) / 2 - textWidth('RL STEP') / 2, H - B + 28, 'RL STEP');
  for (const m of f.marks) {
    cv.line(X(m.step), T, X(m.step), H - B, grey, 1, 4);
    cv.text(X(m.step) - textWidth(m.label) - 3, T + 2, m.label, grey);
  }
  series.forEach((s, k) => {
    const c = PALETTE[k % PALETTE.length];
    for (let i = 1; i < s.values.length; i++) {
      if (Number.isFinite(s.values[i - 1]) && Number.isFinite(s.values[i])) cv.line(X(i), Y(s.values[i - 1]), X(i + 1), Y(s.values[i]), c, 2);
    }
    const ly = T + 10 + k * 20;
    cv.line(W - R + 15, ly + 4, W - R + 40, ly + 4, c, 3);
    cv.text(W - R + 46, ly, s.name, c);
  });
  return PNG.sync.write(cv.png);
}
