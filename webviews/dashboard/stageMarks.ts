// Stage boundaries and stage labels on a chart: a dashed line where each shown run's stage begins, in the
// run's colour — several runs' lines at one step interleave their dashes, so each colour shows — and each
// stage's name at the top of its span. Labels are laid out in lanes by their measured boxes, so two runs'
// labels never overlap, even at a boundary they share; a label several runs share (same stage, same step)
// is written once; each label is cut to its stage's span and drawn over a background halo.
import type { Chart } from 'chart.js';
import type { RunInfo } from '../../protocol/messages';
import { withAlpha, type Theme } from '../common/theme';

/** A label as drawn: its text and box in CSS pixels of the canvas. */
export interface StageLabel {
  text: string;
  stage: string;
  runs: string[];
  left: number;
  top: number;
  width: number;
  height: number;
}

const drawnLabels = new WeakMap<Chart, StageLabel[]>();

/** The labels drawn last on this chart (tests check their geometry). */
export function stageLabels(chart: Chart): StageLabel[] {
  return drawnLabels.get(chart) ?? [];
}

/** text, or its prefix with an ellipsis, within maxWidth px; '' when not even 2 characters fit. */
function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  for (let n = text.length - 1; n >= 2; n--) {
    const t = `${text.slice(0, n)}…`;
    if (ctx.measureText(t).width <= maxWidth) return t;
  }
  return '';
}

interface Mark {
  x: number;
  stage: string;
  /** Where the stage's span ends (the run's next boundary, or Infinity). */
  end: number;
  runs: string[];
  first: boolean;
}

const GAP = 6;

/** Draws the boundaries and labels of `runs` (those shown on this chart), in their colours. */
export function drawStageMarks(chart: Chart, runs: readonly RunInfo[], runColor: (key: string) => string, theme: Theme): void {
  const { ctx, chartArea: area } = chart;
  const xs = chart.scales.x;
  if (!xs || !area) return;
  // Every stage start, merged across runs where the same stage starts at the same step.
  const marks: Mark[] = [];
  for (const run of runs) {
    const stages = [...run.stages].sort((a, b) => a.globalOffset - b.globalOffset);
    stages.forEach((stage, k) => {
      const end = stages[k + 1]?.globalOffset ?? Infinity;
      const same = marks.find((m) => m.x === stage.globalOffset && m.stage === stage.id && m.end === end);
      if (same) same.runs.push(run.key);
      else marks.push({ x: stage.globalOffset, stage: stage.id, end, runs: [run.key], first: k === 0 });
    });
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  drawLines(ctx, marks, xs, area, runColor);
  drawLabels(chart, marks, runs.length, runColor, theme);
  ctx.restore();
}

type Scale = { min: number; max: number; getPixelForValue(v: number): number };
type Area = { left: number; right: number; top: number; bottom: number };

/** The dashed lines: one per run and boundary; runs sharing a pixel column alternate dashes there. */
function drawLines(ctx: CanvasRenderingContext2D, marks: Mark[], xs: Scale, area: Area, runColor: (key: string) => string): void {
  const byPixel = new Map<number, string[]>();
  for (const m of marks) {
    if (m.first || m.x < xs.min || m.x > xs.max) continue;
    const px = Math.round(xs.getPixelForValue(m.x)) + 0.5;
    const at = byPixel.get(px) ?? [];
    for (const r of m.runs) if (!at.includes(r)) at.push(r);
    byPixel.set(px, at);
  }
  ctx.lineWidth = 1;
  for (const [px, runKeys] of byPixel) {
    const k = runKeys.length;
    runKeys.forEach((run, i) => {
      ctx.strokeStyle = withAlpha(runColor(run), 0.85);
      ctx.setLineDash(k === 1 ? [5, 3] : [4, 4 * (k - 1) + 3]);
      ctx.lineDashOffset = -4 * i;
      ctx.beginPath();
      ctx.moveTo(px, area.top);
      ctx.lineTo(px, area.bottom);
      ctx.stroke();
    });
  }
  ctx.setLineDash([]);
  ctx.lineDashOffset = 0;
}

/** Labels in lanes: each goes in the first lane where its box meets no other label's. */
function drawLabels(chart: Chart, marks: Mark[], runCount: number, runColor: (key: string) => string, theme: Theme): void {
  const { ctx, chartArea: area } = chart;
  const xs = chart.scales.x;
  const fontPx = Math.max(10, theme.fontSize - 2);
  ctx.font = `${fontPx}px ${theme.fontFamily}`;
  ctx.textBaseline = 'top';
  // Glyph extent around the 'top' baseline of tall and descending letters: one lane's height.
  const probe = ctx.measureText('Mgjy…');
  const ascent = Math.ceil(probe.actualBoundingBoxAscent || 0);
  const descent = Math.ceil(probe.actualBoundingBoxDescent || fontPx);
  const lane = ascent + descent + 3;
  const lanes = Math.max(1, Math.floor(((area.bottom - area.top) * 0.4) / lane));
  const placed: (StageLabel & { lane: number; y: number })[] = [];
  for (const m of marks) {
    if (m.x > xs.max || m.end < xs.min) continue;
    const left = Math.round(xs.getPixelForValue(Math.max(m.x, xs.min))) + 4;
    // Within the stage's own span: cut to fit before its next boundary, or left out.
    const room = Math.min(xs.getPixelForValue(Math.min(m.end, xs.max)), area.right) - left - 2;
    const text = fitText(ctx, m.stage, room);
    if (!text) continue;
    const width = Math.ceil(ctx.measureText(text).width);
    const free = (l: number) => !placed.some((p) => p.lane === l && p.left < left + width + GAP && left < p.left + p.width + GAP);
    let at = 0;
    while (at < lanes && !free(at)) at++;
    if (at === lanes) continue; // no lane free here: the tooltip still names the stage
    const y = area.top + 3 + ascent + at * lane;
    placed.push({ text, stage: m.stage, runs: m.runs, left, top: y - ascent, width, height: ascent + descent, lane: at, y });
  }
  ctx.lineJoin = 'round';
  for (const p of placed) {
    // A halo in the background colour keeps the text readable over lines and grid.
    ctx.strokeStyle = theme.background;
    ctx.lineWidth = 3;
    ctx.strokeText(p.text, p.left, p.y);
    ctx.fillStyle = runCount > 1 && p.runs.length === 1 ? runColor(p.runs[0]) : theme.muted;
    ctx.fillText(p.text, p.left, p.y);
  }
  drawnLabels.set(chart, placed.map(({ lane: _l, y: _y, ...label }) => label));
}
