// Visual perception (the paper's stage 1): questions answered by looking at the scene alone — how many objects
// of a colour, of a shape, or in all. The working is the perception unit (percepts.ts) that visual-reasoning questions start
// with too, so what RL teaches here is what they reuse.
import type { Rng } from '../util/rng';
import { COLORS, SHAPES, randomScene, sceneSignature, type Scene, type SceneObject } from './scenes';
import { templatedGenerator, type Draft, type Template } from './generator';
import { perceptOf } from './percepts';
import type { ResolvedTaskOptions } from './options';
import type { TaskGenerator, TaskOptions } from './types';
import { resolveTaskOptions } from './options';

export const scene = (rng: Rng, o: ResolvedTaskOptions): Scene =>
  randomScene(rng, { grid: o.gridSize, minObjects: o.minObjects, maxObjects: o.maxObjects });

/** A colour or a shape, and how prompts name a group of them ("red objects", "circles"). */
export type Subject = { kind: 'color' | 'shape'; name: string };
export const matches = (o: SceneObject, s: Subject): boolean => (s.kind === 'color' ? o.color === s.name : o.shape === s.name);
export const countOf = (sc: Scene, s: Subject): number => sc.objects.filter((o) => matches(o, s)).length;
export const perceptFor = (sc: Scene, s: Subject) => perceptOf(sc, s.name, (o) => matches(o, s));

/** A colour or a shape to ask about, uniformly (with the default 4–9 objects no count is the answer to 30 % of questions). */
export function subjectOf(rng: Rng, kind: Subject['kind']): Subject {
  return { kind, name: rng.pick(kind === 'color' ? COLORS : SHAPES) };
}

/** A draft whose working reads one group and answers its count. */
const countDraft = (sc: Scene, s: Subject, prompt: string): Draft => ({
  prompt, scene: sc, splitKey: sceneSignature(sc), percepts: [perceptFor(sc, s)],
  reason: ([k]) => ({ think: '', answer: String(k) }),
});

/** How many objects of one colour (or one shape) the scene holds. */
const countTemplate = (kind: 'color' | 'shape', question: (name: string) => string): Template => ({
  id: `count-${kind}`,
  draw(rng, o) {
    const sc = scene(rng, o);
    const s = subjectOf(rng, kind);
    return countDraft(sc, s, question(s.name));
  },
});
const countColor = countTemplate('color', (name) => `How many ${name} objects are there?`);
const countShape = countTemplate('shape', (name) => `How many ${name}s are there?`);

/** Every object: the unit lists them all ("all:12 23 34=3"). */
const countAll: Template = {
  id: 'count-all',
  draw(rng, o) {
    const sc = scene(rng, o);
    return { ...countDraft(sc, { kind: 'color', name: 'all' }, 'How many objects are there?'), percepts: [perceptOf(sc, 'all', () => true)] };
  },
};

export const PERCEPTION_TEMPLATES: Template[] = [countColor, countShape, countAll];

export const perceptionGenerator = (opts: TaskOptions): TaskGenerator =>
  templatedGenerator('perception', PERCEPTION_TEMPLATES, resolveTaskOptions(opts));
