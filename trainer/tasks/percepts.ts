// The perception unit every scene question's working starts with — what the model says it sees: "red:12 34=2" is
// the red objects at row 1 col 2 and row 3 col 4, two of them (optionally re-checked: "red:12 34 check:12 34=2").
// Perception and visual-reasoning demonstrations share it, so a better perceiver is a better visual reasoner; the
// same parser reads a response's stated perception back for the error analysis (perception vs reasoning errors).
import type { AnsweredPrompt } from '../../protocol/answerStats';
import { cellName, type Scene, type SceneObject } from './scenes';

/** One thing the working reads off the scene: a colour or shape, and the cells ("rc", e.g. "12") it occupies. */
export interface Percept {
  subject: string;
  cells: string[];
}

/** How a demonstration states a percept: `slip` misses the last object (the weak perceiver's habit), `recheck` re-lists. */
export interface PerceptStyle {
  slip?: boolean;
  recheck?: boolean;
}

/** "12" for row 1, column 2 (grids are at most 9×9). */
export const cellKey = (o: Pick<SceneObject, 'row' | 'col'>): string => cellName(o).replace(/[rc]/g, '');

export function perceptOf(scene: Scene, subject: string, matches: (o: SceneObject) => boolean): Percept {
  return { subject, cells: scene.objects.filter(matches).map(cellKey) };
}

/** The unit's text and the count it states (one less than the truth when it slips on a non-empty group). */
export function formatPercept(p: Percept, style: PerceptStyle = {}): { text: string; count: number } {
  const cells = style.slip ? p.cells.slice(0, -1) : p.cells;
  const list = cells.join(' ');
  return { text: `${p.subject}:${list}${style.recheck ? ` check:${list}` : ''}=${cells.length}`, count: cells.length };
}

/** A percept as a response states it: the cells of its last listing and the count after '='. */
export interface StatedPercept {
  cells: string[];
  count: number;
}

const UNIT = /([a-z]+):((?:\d\d(?: \d\d)*)?)(?: check:((?:\d\d(?: \d\d)*)?))?=(\d+)/g;

/** Every unit in a think part, by subject (a subject stated twice keeps its last statement). */
export function parsePercepts(think: string): Map<string, StatedPercept> {
  const out = new Map<string, StatedPercept>();
  for (const m of think.matchAll(UNIT)) {
    const list = m[3] ?? m[2];
    out.set(m[1], { cells: list ? list.split(' ') : [], count: Number(m[4]) });
  }
  return out;
}

/** The <think> content of a response, or null when it has none. */
export function thinkOf(response: string): string | null {
  const m = /<think>(.*?)<\/think>/s.exec(response);
  return m ? m[1] : null;
}

const sameCells = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * Whether a response's stated perception is right: every percept the question needs is stated with exactly the
 * true cells and their count. null when it cannot be told (no think part, or a needed subject is not stated).
 */
export function perceptionRight(response: string, truth: readonly Percept[]): boolean | null {
  const think = thinkOf(response);
  if (think === null) return null;
  const stated = parsePercepts(think);
  let right = true;
  for (const p of truth) {
    const s = stated.get(p.subject);
    if (!s) return null;
    if (s.count !== p.cells.length || !sameCells(s.cells, p.cells)) right = false;
  }
  return right;
}

/** An answered example as the error analysis counts it (perception judged only where the example has percepts). */
export function answeredPrompt(ex: { task: string; percepts?: readonly Percept[] }, response: string, correct: boolean, length: number): AnsweredPrompt {
  return { task: ex.task, correct, length, ...(ex.percepts ? { perception_ok: perceptionRight(response, ex.percepts) } : {}) };
}
