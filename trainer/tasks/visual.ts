// Visual reasoning (the paper's stage 3, CLEVR-Math-like): perception and arithmetic together — remove a
// group and count what is left, compare two groups, add two groups, add objects to a group.
import type { Rng } from '../util/rng';
import { COLORS, SHAPES, sceneSignature, type Scene } from './scenes';
import { countOf, scene, type Subject } from './perception';
import { templatedGenerator, type Template } from './generator';
import { resolveTaskOptions } from './options';
import type { TaskGenerator, TaskOptions } from './types';

/** "red objects" / "circles": how a prompt names a group. */
const group = (s: Subject): string => (s.kind === 'color' ? `${s.name} objects` : `${s.name}s`);

/** Two different colours, or two different shapes. */
function pair(rng: Rng): [Subject, Subject] {
  const kind = rng.next() < 0.5 ? 'color' : 'shape';
  const names: string[] = rng.shuffle([...(kind === 'color' ? COLORS : SHAPES)]);
  return [{ kind, name: names[0] }, { kind, name: names[1] }];
}

const oneSubject = (rng: Rng, kind: Subject['kind']): Subject => ({ kind, name: rng.pick(kind === 'color' ? COLORS : SHAPES) });

const withScene = (sc: Scene) => ({ scene: sc, splitKey: sceneSignature(sc) });

function removeTemplate(kind: Subject['kind']): Template {
  return {
    id: kind === 'color' ? 'remove-color' : 'remove-shape',
    draw(rng, o) {
      const sc = scene(rng, o);
      const s = oneSubject(rng, kind);
      const all = sc.objects.length;
      const k = countOf(sc, s);
      return {
        prompt: `Remove all ${group(s)}. How many objects are left?`,
        think: `all=${all} ${s.name}=${k} ${all}-${k}=${all - k}`,
        answer: String(all - k), ...withScene(sc),
        shortcut: { think: `all=${all}`, answer: String(all) }, // forgets to remove
      };
    },
  };
}

const moreThan: Template = {
  id: 'more-than',
  draw(rng, o) {
    const sc = scene(rng, o);
    let [a, b] = pair(rng);
    let [x, y] = [countOf(sc, a), countOf(sc, b)];
    if (x < y) [a, b, x, y] = [b, a, y, x];
    const prompt = a.kind === 'color'
      ? `How many more ${a.name} than ${b.name} objects are there?`
      : `How many more ${a.name}s than ${b.name}s are there?`;
    return { prompt, think: `${a.name}=${x} ${b.name}=${y} ${x}-${y}=${x - y}`, answer: String(x - y), ...withScene(sc), shortcut: { think: `${a.name}=${x}`, answer: String(x) } };
  },
};

const sumTwo: Template = {
  id: 'sum-two',
  draw(rng, o) {
    const sc = scene(rng, o);
    const [a, b] = pair(rng);
    const [x, y] = [countOf(sc, a), countOf(sc, b)];
    const prompt = a.kind === 'color'
      ? `How many objects are ${a.name} or ${b.name}?`
      : `How many ${a.name}s and ${b.name}s are there in total?`;
    return { prompt, think: `${a.name}=${x} ${b.name}=${y} ${x}+${y}=${x + y}`, answer: String(x + y), ...withScene(sc), shortcut: { think: `${a.name}=${x}`, answer: String(x) } };
  },
};

const addObjects: Template = {
  id: 'add',
  draw(rng, o) {
    const sc = scene(rng, o);
    const s = oneSubject(rng, rng.next() < 0.5 ? 'color' : 'shape');
    const n = rng.int(1, 3);
    const k = countOf(sc, s);
    const added = s.kind === 'color' ? `${n} ${s.name} object${n > 1 ? 's' : ''}` : `${n} ${s.name}${n > 1 ? 's' : ''}`;
    return {
      prompt: `Add ${added}. How many ${group(s)} are there now?`,
      think: `${s.name}=${k} ${k}+${n}=${k + n}`, answer: String(k + n), ...withScene(sc),
      shortcut: { think: `${s.name}=${k}`, answer: String(k) }, // forgets the added ones
    };
  },
};

export const VISUAL_TEMPLATES: Template[] = [removeTemplate('color'), removeTemplate('shape'), moreThan, sumTwo, addObjects];

export const visualGenerator = (opts: TaskOptions): TaskGenerator =>
  templatedGenerator('visual-reasoning', VISUAL_TEMPLATES, resolveTaskOptions(opts));
