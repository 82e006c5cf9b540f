// The task generators: deterministic, fixed held-out validation sets disjoint from training draws, correct
// and well-formatted demonstrations within the model's lengths, and answers that agree with the pixels.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { schemaDefaults, type ResolvedReward, type Reward } from '../../protocol/recipe';
import { Rng } from '../../trainer/util/rng';
import { taskGenerator } from '../../trainer/tasks/index';
import { scoreResponse } from '../../core/reward/reward';
import { extractBoxed } from '../../core/reward/reward';
import type { TaskExample, TaskOptions } from '../../trainer/tasks/types';
import { answerFromPixels, answerFromText, cellsFromPixels, checkedEquations, readScene } from './tasksOracle';
import { parsePercepts, perceptionRight } from '../../trainer/tasks/percepts';

const OPTS: TaskOptions = { imageSize: 32, maxPromptLength: 64, maxResponseLength: 56 };
const KINDS = ['perception', 'textual-reasoning', 'visual-reasoning'] as const;
const MATH = schemaDefaults<Reward>('reward') as ResolvedReward;
const draws = (kind: (typeof KINDS)[number] | 'merged', n: number, seed = 1, opts: TaskOptions = OPTS): TaskExample[] => {
  const g = taskGenerator(kind, opts);
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => g.sample(rng));
};
const imageHash = (ex: TaskExample) => (ex.image ? createHash('sha1').update(ex.image.rgb).digest('hex') : '');
const think = (ex: TaskExample) => /<think>(.*)<\/think>/s.exec(ex.demonstration)![1];

describe('tasks: determinism', () => {
  for (const kind of [...KINDS, 'merged'] as const) {
    it(`${kind}: the same seed draws the same examples, byte-identical images`, () => {
      const a = draws(kind, 200, 7);
      const b = draws(kind, 200, 7);
      assert.deepEqual(a, b);
      assert.deepEqual(a.map(imageHash), b.map(imageHash));
      const c = draws(kind, 200, 8);
      assert.notDeepEqual(a.map((e) => e.prompt), c.map((e) => e.prompt));
    });
  }

  it('training draws continue exactly from a saved rng state (resume)', () => {
    const g = taskGenerator('merged', OPTS);
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) g.sample(rng);
    const state = rng.state();
    const after = Array.from({ length: 50 }, () => g.sample(rng));
    const resumedGen = taskGenerator('merged', OPTS);
    const resumed = new Rng(state);
    assert.deepEqual(Array.from({ length: 50 }, () => resumedGen.sample(resumed)), after);
  });
});

describe('tasks: validation sets', () => {
  for (const kind of [...KINDS, 'merged'] as const) {
    it(`${kind}: fixed, identical across generators and runs, a smaller set is a prefix, ids unique`, () => {
      const v1 = taskGenerator(kind, OPTS).validation(300);
      const g2 = taskGenerator(kind, OPTS);
      const small = g2.validation(120);
      const v2 = g2.validation(300);
      assert.deepEqual(v1, v2);
      assert.deepEqual(small, v1.slice(0, 120));
      assert.equal(new Set(v1.map((e) => e.id)).size, 300);
      assert.ok(v1.every((e) => /\/val\/\d{6}$/.test(e.id)), 'validation ids name their split');
      assert.equal(new Set(v1.map((e) => `${e.prompt}|${imageHash(e)}`)).size, 300, 'no repeated question');
    });
  }

  for (const kind of KINDS) {
    it(`${kind}: disjoint from the first 5000 training draws`, () => {
      const val = taskGenerator(kind, OPTS).validation(500);
      const train = draws(kind, 5000, 1);
      if (kind === 'textual-reasoning') {
        // held out by worded problem (its arithmetic may recur in other wording): no training prompt is a validation prompt
        const heldOut = new Set(val.map((e) => e.prompt));
        assert.deepEqual(train.filter((e) => heldOut.has(e.prompt)).map((e) => e.prompt), []);
      } else {
        // held out by scene: no training question shows a validation scene
        const heldOut = new Set(val.map(imageHash));
        assert.deepEqual(train.filter((e) => heldOut.has(imageHash(e))).map((e) => e.prompt), []);
      }
      assert.ok(train.every((e) => e.id.includes('/train/')));
    });
  }

  it('does not depend on the training seed or on training draws made before it', () => {
    const g = taskGenerator('visual-reasoning', OPTS);
    const rng = new Rng(99);
    for (let i = 0; i < 100; i++) g.sample(rng);
    assert.deepEqual(g.validation(50), taskGenerator('visual-reasoning', OPTS).validation(50));
  });

  it('merged interleaves the three validation sets', () => {
    const m = taskGenerator('merged', OPTS).validation(9);
    assert.deepEqual(m.map((e) => e.task), ['perception', 'textual-reasoning', 'visual-reasoning', 'perception',
      'textual-reasoning', 'visual-reasoning', 'perception', 'textual-reasoning', 'visual-reasoning']);
    assert.deepEqual(m[3], taskGenerator('perception', OPTS).validation(2)[1]);
  });
});

describe('tasks: demonstrations', () => {
  for (const kind of KINDS) {
    it(`${kind}: every demonstration earns reward 1.0, fits the lengths, printable ASCII`, () => {
      const all = [...draws(kind, 1500), ...taskGenerator(kind, OPTS).validation(500)];
      for (const ex of all) {
        assert.deepEqual(scoreResponse(ex.demonstration, ex.answer, MATH), { overall: 1, accuracy: 1, format: 1, answer: ex.answer }, ex.demonstration);
        assert.ok(ex.prompt.length <= 64 && ex.demonstration.length <= 56, `${ex.prompt} => ${ex.demonstration}`);
        assert.match(ex.prompt, /^[\x20-\x7e]+$/);
        assert.match(ex.demonstration, /^<think>[\x20-\x7e]+<\/think> \\boxed\{[\x20-\x7e]+\}$/);
        assert.equal(ex.task, kind);
        assert.equal(!!ex.image, kind !== 'textual-reasoning');
      }
    });
  }

  it('the think part does the work the answer depends on; scene workings first state what they see', () => {
    for (const ex of [...draws('textual-reasoning', 500), ...draws('visual-reasoning', 500)]) {
      const t = think(ex);
      // the worked equations are right, and the last result is the answer
      assert.equal(checkedEquations(t), Number(ex.answer), ex.demonstration);
    }
    for (const ex of [...draws('perception', 500), ...draws('visual-reasoning', 500)]) {
      const t = think(ex);
      // one perception unit per group the question is about, in the prompt's order: its cells, then their count
      const stated = parsePercepts(t);
      assert.deepEqual([...stated.keys()], ex.percepts!.map((p) => p.subject), ex.demonstration);
      for (const p of ex.percepts!) {
        assert.deepEqual(stated.get(p.subject), { cells: p.cells, count: p.cells.length }, ex.demonstration);
        assert.ok(p.cells.every((c) => /^[1-4][1-4]$/.test(c)), t);
        assert.ok(ex.prompt.includes(p.subject) || (p.subject === 'all' && ex.question === 'count-all'), `${p.subject} in ${ex.prompt}`);
      }
      assert.equal(perceptionRight(ex.demonstration, ex.percepts!), true);
      // perception answers the count itself; visual reasoning goes on from the counts it stated
      if (ex.task === 'perception') assert.equal(t, `${ex.percepts![0].subject}:${ex.percepts![0].cells.join(' ')}=${ex.answer}`);
    }
  });

  it('reads a response\'s stated perception back: right, wrong (cells or count), or not stated', () => {
    const truth = [{ subject: 'red', cells: ['12', '34'] }, { subject: 'blue', cells: [] }];
    const r = (think: string) => `<think>${think}</think> \\boxed{3}`;
    assert.equal(perceptionRight(r('red:34 12=2 blue:=0 2+1=3'), truth), true, 'cells in any order');
    assert.equal(perceptionRight(r('red:12=1 blue:=0 1+2=3'), truth), false, 'a missed object');
    assert.equal(perceptionRight(r('red:12 33=2 blue:=0 2+1=3'), truth), false, 'a wrong cell with the right count');
    assert.equal(perceptionRight(r('red:12 34=3 blue:=0'), truth), false, 'a miscount of the right cells');
    assert.equal(perceptionRight(r('red:12 check:12 34=2 blue:=0'), truth), true, 'a re-check: its listing counts');
    assert.equal(perceptionRight(r('red:12 34=2 2+1=3'), truth), null, 'a group not stated: cannot tell');
    assert.equal(perceptionRight('red:12 34=2 blue:=0 \\boxed{3}', truth), null, 'no think part');
    assert.deepEqual([...parsePercepts('all:11 12=2 red:=0').entries()], [['all', { cells: ['11', '12'], count: 2 }], ['red', { cells: [], count: 0 }]]);
  });

  it('respects tighter lengths, measured by the model\'s own length function', () => {
    const tokens = (s: string) => s.replace(/<think>|<\/think>|\\boxed\{/g, '#').length;
    const tight = { ...OPTS, maxPromptLength: 48, maxResponseLength: 24, lengthOf: tokens };
    for (const ex of draws('merged', 600, 2, tight)) {
      assert.ok(tokens(ex.prompt) <= 48 && tokens(ex.demonstration) <= 24, `${ex.prompt} => ${ex.demonstration}`);
    }
  });

  it('r1v response format: demonstrations earn 1.0 under the r1v reward', () => {
    for (const ex of draws('merged', 300, 4, { ...OPTS, responseFormat: 'r1v' })) {
      assert.match(ex.demonstration, /^<think>.+<\/think> <answer>.+<\/answer>$/);
      assert.equal(scoreResponse(ex.demonstration, ex.answer, { ...MATH, name: 'r1v' }).overall, 1);
    }
  });

  it('lengths nothing fits are a clear error', () => {
    assert.throws(() => draws('perception', 1, 1, { ...OPTS, maxResponseLength: 10 }), /no perception question fits maxPromptLength 64 and maxResponseLength 10/);
  });
});

describe('tasks: answers are right', () => {
  for (const size of [16, 32, 64]) {
    for (const kind of ['perception', 'visual-reasoning'] as const) {
      it(`${kind} at ${size}x${size}: the answer recomputed from the rendered pixels matches`, () => {
        const opts = { ...OPTS, imageSize: size };
        for (const ex of [...draws(kind, 400, size, opts), ...taskGenerator(kind, opts).validation(100)]) {
          assert.equal(ex.image!.size, size);
          const objs = readScene(ex.image!, 4);
          assert.equal(answerFromPixels(ex.prompt, objs), ex.answer, `${ex.id}: ${ex.prompt}`);
          // the percepts (the error analysis's truth) are what the pixels show
          for (const p of ex.percepts!) assert.deepEqual(p.cells, cellsFromPixels(objs, p.subject), `${ex.id}: ${p.subject}`);
        }
      });
    }
  }

  it('textual-reasoning: the answer recomputed from the problem text matches', () => {
    for (const ex of [...draws('textual-reasoning', 1000), ...taskGenerator('textual-reasoning', OPTS).validation(300)]) {
      assert.equal(answerFromText(ex.prompt), ex.answer, ex.prompt);
    }
  });

  it('the extracted box of each demonstration is exactly the canonical answer', () => {
    for (const ex of draws('merged', 300)) assert.equal(extractBoxed(ex.demonstration), ex.answer);
  });
});

describe('tasks: learnability and knobs', () => {
  for (const kind of KINDS) {
    it(`${kind}: no answer dominates the validation set (a constant guess stays low) and every question kind appears`, () => {
      const val = taskGenerator(kind, OPTS).validation(500);
      const freq = new Map<string, number>();
      for (const e of val) freq.set(e.answer, (freq.get(e.answer) ?? 0) + 1);
      const majority = Math.max(...freq.values()) / val.length;
      assert.ok(majority < 0.3, `majority answer covers ${(majority * 100).toFixed(1)} %`);
      const perQuestion = new Map<string, number>();
      for (const e of val) perQuestion.set(e.question!, (perQuestion.get(e.question!) ?? 0) + 1);
      for (const [q, n] of perQuestion) assert.ok(n >= 500 / perQuestion.size / 2, `${q}: only ${n} of 500`);
    });
  }

  it('merged draws each task about a third of the time', () => {
    const counts = new Map<string, number>();
    for (const e of draws('merged', 3000)) counts.set(e.task, (counts.get(e.task) ?? 0) + 1);
    for (const kind of KINDS) assert.ok(Math.abs(counts.get(kind)! / 3000 - 1 / 3) < 0.04, `${kind}: ${counts.get(kind)}`);
  });

  it('gridSize and object counts shape the scenes', () => {
    for (const ex of draws('perception', 300, 5, { ...OPTS, gridSize: 3, minObjects: 1, maxObjects: 3 })) {
      const objs = readScene(ex.image!, 3);
      assert.ok(objs.length >= 1 && objs.length <= 3, `${objs.length} objects`);
      assert.ok(objs.every((o) => o.row <= 3 && o.col <= 3));
      for (const m of ex.prompt.matchAll(/row (\d+), col (\d+)/g)) assert.ok(+m[1] <= 3 && +m[2] <= 3);
      assert.equal(answerFromPixels(ex.prompt, objs), ex.answer);
    }
  });

  it('steps and maxNumber set the arithmetic', () => {
    const opts = { ...OPTS, maxPromptLength: 120, maxResponseLength: 80, steps: 4, maxNumber: 5, questions: ['chain'] };
    for (const ex of draws('textual-reasoning', 300, 6, opts)) {
      assert.equal(ex.question, 'chain');
      assert.equal([...think(ex).matchAll(/=/g)].length, 4, ex.demonstration);
      const operands = [...ex.prompt.matchAll(/\d+/g)].map((m) => +m[0]);
      assert.ok(operands.every((n) => n >= 1 && n <= 5), ex.prompt);
      assert.equal(answerFromText(ex.prompt), ex.answer);
    }
  });

  it('questions filters the templates (merged keeps only parts that have one)', () => {
    const ex = draws('merged', 200, 1, { ...OPTS, questions: ['count-color', 'add'] });
    assert.deepEqual([...new Set(ex.map((e) => e.question))].sort(), ['add', 'count-color']);
    assert.throws(() => taskGenerator('textual-reasoning', { ...OPTS, questions: ['count-color'] }), /leaves no textual-reasoning question; textual-reasoning has: chain, groups, total/);
    assert.throws(() => taskGenerator('merged', { ...OPTS, questions: ['nope'] }), /names no question of any generator/);
  });

  it('slipRate: that share of scene demonstrations misses the last object of each group, then reasons from it; validation never does', () => {
    const plain = draws('merged', 3000, 5);
    const lazy = draws('merged', 3000, 5, { ...OPTS, slipRate: 0.5 });
    assert.ok(plain.every((e) => !e.slip && !e.recheck), 'rate 0: no slip, no re-check');
    const scenes = lazy.filter((e) => e.percepts);
    const slipped = scenes.filter((e) => e.slip);
    // groups that are all empty cannot slip, so a little under half
    const share = slipped.length / scenes.length;
    assert.ok(share > 0.4 && share < 0.52, `share ${share}`);
    assert.ok(lazy.every((e) => e.percepts || !e.slip), 'word problems never slip');
    // Perception and visual reasoning share the habit: it is in every scene template.
    assert.deepEqual(new Set(slipped.map((e) => e.question)), new Set(['count-color', 'count-shape', 'count-all', 'add', 'take', 'sum-two', 'more-than']));
    for (const e of slipped) {
      assert.equal(scoreResponse(e.demonstration, e.answer, MATH).format, 1, e.demonstration);
      assert.equal(perceptionRight(e.demonstration, e.percepts!), false, e.demonstration);
      const stated = parsePercepts(think(e));
      // each non-empty group is stated without its last object; the arithmetic after it is right for what it stated
      for (const p of e.percepts!) assert.deepEqual(stated.get(p.subject)!.cells, p.cells.slice(0, -1), e.demonstration);
      for (const m of think(e).matchAll(/(\d+)([-+])(\d+)=(-?\d+)/g)) assert.equal(+m[1] + (m[2] === '+' ? 1 : -1) * +m[3], +m[4], e.demonstration);
    }
    const wrong = slipped.filter((e) => scoreResponse(e.demonstration, e.answer, MATH).accuracy === 0).length / slipped.length;
    assert.ok(wrong > 0.7, `slipped answers wrong: ${wrong}`);
    for (const e of lazy.filter((x) => !x.slip)) assert.equal(scoreResponse(e.demonstration, e.answer, MATH).accuracy, 1);
    // Validation sets are the same with or without the habit.
    const g = (rate: number) => taskGenerator('merged', { ...OPTS, slipRate: rate, recheckRate: rate }).validation(300);
    assert.deepEqual(g(0.5), g(0));
    assert.throws(() => taskGenerator('perception', { ...OPTS, slipRate: 1.5 }), /slipRate must be a number in \[0, 1\], got 1.5/);
  });

  it('recheckRate: that share of scene demonstrations re-lists each group before counting (when it fits); the answer is unchanged', () => {
    const ex = draws('merged', 3000, 6, { ...OPTS, recheckRate: 0.4 }).filter((e) => e.percepts);
    const rechecked = ex.filter((e) => e.recheck);
    const share = rechecked.length / ex.length;
    assert.ok(share > 0.15 && share < 0.42, `share ${share} (long workings keep no re-check)`);
    for (const e of rechecked) {
      assert.match(think(e), / check:/);
      assert.equal(scoreResponse(e.demonstration, e.answer, MATH).overall, 1, e.demonstration);
      assert.equal(perceptionRight(e.demonstration, e.percepts!), true, e.demonstration);
      assert.ok(e.demonstration.length <= 56);
    }
    const red = rechecked.find((e) => e.question === 'add' && e.percepts![0].cells.length === 2)!;
    const [a, b] = red.percepts![0].cells;
    assert.ok(think(red).startsWith(`${red.percepts![0].subject}:${a} ${b} check:${a} ${b}=2 2+`), red.demonstration);
  });

  it('bad knob values are clear errors', () => {
    assert.throws(() => taskGenerator('perception', { ...OPTS, gridSize: 1 }), /gridSize must be an integer in \[2, 9\], got 1/);
    assert.throws(() => taskGenerator('perception', { ...OPTS, imageSize: 8 }), /imageSize must be an integer in \[16, 1024\], got 8/);
    assert.throws(() => taskGenerator('perception', { ...OPTS, maxObjects: 17 }), /maxObjects must be an integer in \[1, 16\], got 17/);
    assert.throws(() => taskGenerator('textual-reasoning', { ...OPTS, steps: 0 }), /steps must be an integer in \[1, 4\]/);
    assert.throws(() => taskGenerator('nope' as never, OPTS), /unknown task generator "nope"/);
  });
});
