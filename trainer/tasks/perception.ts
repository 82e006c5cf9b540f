// Visual perception (the paper's stage 1, DOCCI-like): questions answered by looking at the scene alone —
// counts of a colour or shape, the colour or shape in a cell, and four-option "which is true" choices.
import type { Rng } from '../util/rng';
import { COLORS, SHAPES, cellName, randomScene, sceneSignature, type Scene, type SceneObject } from './scenes';
import { templatedGenerator, type Template } from './generator';
import type { ResolvedTaskOptions } from './options';
import type { TaskGenerator, TaskOptions } from './types';
import { resolveTaskOptions } from './options';

export const scene = (rng: Rng, o: ResolvedTaskOptions): Scene =>
  randomScene(rng, { grid: o.gridSize, minObjects: o.minObjects, maxObjects: o.maxObjects });

/** "r1c2 r3c4", or "none": the think part of a count lists what it counted. */
export const listCells = (objects: SceneObject[]): string => (objects.length ? objects.map(cellName).join(' ') : 'none');

/** A colour or a shape, and how prompts name a group of them ("red objects", "circles"). */
export type Subject = { kind: 'color' | 'shape'; name: string };
export const SUBJECTS: Subject[] = [
  ...COLORS.map((name) => ({ kind: 'color' as const, name })),
  ...SHAPES.map((name) => ({ kind: 'shape' as const, name })),
];
export const matches = (o: SceneObject, s: Subject): boolean => (s.kind === 'color' ? o.color === s.name : o.shape === s.name);
export const countOf = (sc: Scene, s: Subject): number => sc.objects.filter((o) => matches(o, s)).length;
/** "2 red", "1 circle", "3 circles" (option text). */
const claim = (n: number, s: Subject): string => `${n} ${s.name}${s.kind === 'shape' && n !== 1 ? 's' : ''}`;

// Shortcuts (TaskOptions.shortcutRate): counting every object, or reading the first object listed.
const countEverything = (sc: Scene) => ({ think: listCells(sc.objects), answer: String(sc.objects.length) });
/** Reads the first other object instead of the one asked about. */
const readOther = (sc: Scene, x: SceneObject, what: 'color' | 'shape') => {
  const y = sc.objects.find((o) => o !== x) ?? x;
  return { think: `${y.color} ${y.shape}`, answer: y[what] };
};

const countColor: Template = {
  id: 'count-color',
  draw(rng, o) {
    const sc = scene(rng, o);
    const color = rng.pick(COLORS);
    const hits = sc.objects.filter((x) => x.color === color);
    return {
      prompt: `How many ${color} objects are there?`, think: listCells(hits), answer: String(hits.length), scene: sc, splitKey: sceneSignature(sc),
      shortcut: countEverything(sc),
    };
  },
};

const countShape: Template = {
  id: 'count-shape',
  draw(rng, o) {
    const sc = scene(rng, o);
    const shape = rng.pick(SHAPES);
    const hits = sc.objects.filter((x) => x.shape === shape);
    return {
      prompt: `How many ${shape}s are there?`, think: listCells(hits), answer: String(hits.length), scene: sc, splitKey: sceneSignature(sc),
      shortcut: countEverything(sc),
    };
  },
};

const colorAt: Template = {
  id: 'color-at',
  draw(rng, o) {
    const sc = scene(rng, o);
    const x = rng.pick(sc.objects);
    return {
      prompt: `What color is the shape at row ${x.row}, col ${x.col}?`,
      think: `${x.color} ${x.shape}`, answer: x.color, scene: sc, splitKey: sceneSignature(sc),
      shortcut: readOther(sc, x, 'color'),
    };
  },
};

const shapeAt: Template = {
  id: 'shape-at',
  draw(rng, o) {
    const sc = scene(rng, o);
    const x = rng.pick(sc.objects);
    return {
      prompt: `What shape is at row ${x.row}, col ${x.col}?`,
      think: `${x.color} ${x.shape}`, answer: x.shape, scene: sc, splitKey: sceneSignature(sc),
      shortcut: readOther(sc, x, 'shape'),
    };
  },
};

const LETTERS = ['A', 'B', 'C', 'D'] as const;

/** Four claims about four different colours/shapes; exactly one states the true count. */
const choice: Template = {
  id: 'choice',
  draw(rng, o) {
    const sc = scene(rng, o);
    const subjects = rng.shuffle([...SUBJECTS]).slice(0, 4);
    const truth = rng.int(0, 3);
    const actual = subjects.map((s) => countOf(sc, s));
    const claims = actual.map((n, i) => {
      if (i === truth) return n;
      const wrong = [n - 2, n - 1, n + 1, n + 2].filter((v) => v >= 0 && v <= o.maxObjects);
      return rng.pick(wrong);
    });
    const options = subjects.map((s, i) => `${LETTERS[i]}) ${claim(claims[i], s)}`).join(' ');
    return {
      prompt: `Which is true? ${options}`,
      think: actual.map((n, i) => `${LETTERS[i]}:${n}`).join(' '),
      answer: LETTERS[truth], scene: sc, splitKey: sceneSignature(sc),
      // Checks the first claim only and takes it.
      shortcut: { think: `A:${actual[0]}`, answer: 'A' },
    };
  },
};

export const PERCEPTION_TEMPLATES: Template[] = [countColor, countShape, colorAt, shapeAt, choice];

export const perceptionGenerator = (opts: TaskOptions): TaskGenerator =>
  templatedGenerator('perception', PERCEPTION_TEMPLATES, resolveTaskOptions(opts));
