// Visual reasoning (the paper's stage 3, CLEVR-Math-like): perception and arithmetic together. The working first
// states what it sees — the same perception unit a perception question's working is (percepts.ts) — then does the
// arithmetic on those counts: add objects to a group, take some away, add two groups, compare two groups.
import type { Rng } from '../util/rng';
import { COLORS, SHAPES, sceneSignature, type Scene } from './scenes';
import { countOf, perceptFor, scene, subjectOf, type Subject } from './perception';
import { templatedGenerator, type Draft, type Template } from './generator';
import { resolveTaskOptions } from './options';
import type { TaskGenerator, TaskOptions } from './types';

/** "red objects" / "circles": how a prompt names a group. */
const group = (s: Subject): string => (s.kind === 'color' ? `${s.name} objects` : `${s.name}s`);
/** "2 red objects" / "1 circle". */
const some = (n: number, s: Subject): string => (s.kind === 'color' ? `${n} ${s.name} object${n > 1 ? 's' : ''}` : `${n} ${s.name}${n > 1 ? 's' : ''}`);

const anyKind = (rng: Rng): Subject['kind'] => (rng.next() < 0.5 ? 'color' : 'shape');

/** Two different colours, or two different shapes. */
function pair(rng: Rng): [Subject, Subject] {
  const kind = anyKind(rng);
  const names: string[] = rng.shuffle([...(kind === 'color' ? COLORS : SHAPES)]);
  return [{ kind, name: names[0] }, { kind, name: names[1] }];
}

/** A draft whose working reads the given groups, then applies `op` to the counts it read. */
function sceneDraft(sc: Scene, subjects: Subject[], prompt: string, op: (counts: number[]) => { think: string; value: number }): Draft {
  return {
    prompt, scene: sc, splitKey: sceneSignature(sc), percepts: subjects.map((s) => perceptFor(sc, s)),
    reason: (counts) => {
      const r = op(counts);
      return { think: r.think, answer: String(r.value) };
    },
  };
}

const addObjects: Template = {
  id: 'add',
  draw(rng, o) {
    const sc = scene(rng, o);
    const s = subjectOf(rng, anyKind(rng));
    const n = rng.int(1, 3);
    return sceneDraft(sc, [s], `Add ${some(n, s)}. How many ${group(s)} are there now?`, ([k]) => ({ think: `${k}+${n}=${k + n}`, value: k + n }));
  },
};

const takeObjects: Template = {
  id: 'take',
  draw(rng, o) {
    const sc = scene(rng, o);
    const s = subjectOf(rng, anyKind(rng));
    const k = countOf(sc, s);
    if (k < 1) return null;
    const n = rng.int(1, k);
    // A reading that missed some may count fewer than it takes: the working then says so with a negative result.
    return sceneDraft(sc, [s], `Take away ${some(n, s)}. How many ${group(s)} are left?`, ([c]) => ({ think: `${c}-${n}=${c - n}`, value: c - n }));
  },
};

const sumTwo: Template = {
  id: 'sum-two',
  draw(rng, o) {
    const sc = scene(rng, o);
    const [a, b] = pair(rng);
    const prompt = a.kind === 'color' ? `How many objects are ${a.name} or ${b.name}?` : `How many ${a.name}s and ${b.name}s are there in total?`;
    return sceneDraft(sc, [a, b], prompt, ([x, y]) => ({ think: `${x}+${y}=${x + y}`, value: x + y }));
  },
};

const moreThan: Template = {
  id: 'more-than',
  draw(rng, o) {
    const sc = scene(rng, o);
    let [a, b] = pair(rng);
    if (countOf(sc, a) < countOf(sc, b)) [a, b] = [b, a];
    const prompt = a.kind === 'color'
      ? `How many more ${a.name} than ${b.name} objects are there?`
      : `How many more ${a.name}s than ${b.name}s are there?`;
    return sceneDraft(sc, [a, b], prompt, ([x, y]) => ({ think: `${x}-${y}=${x - y}`, value: x - y }));
  },
};

export const VISUAL_TEMPLATES: Template[] = [addObjects, takeObjects, sumTwo, moreThan];

export const visualGenerator = (opts: TaskOptions): TaskGenerator =>
  templatedGenerator('visual-reasoning', VISUAL_TEMPLATES, resolveTaskOptions(opts));
