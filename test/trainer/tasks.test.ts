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
import { answerFromPixels, answerFromText, checkedEquations, readScene } from './tasksOracle';

const OPTS: TaskOptions = { imageSize: 32, maxPromptLength: 64, maxResponseLength: 48 };
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
        assert.ok(ex.prompt.length <= 64 && ex.demonstration.length <= 48, `${ex.prompt} => ${ex.demonstration}`);
        assert.match(ex.prompt, /^[\x20-\x7e]+$/);
        assert.match(ex.demonstration, /^<think>[\x20-\x7e]+<\/think> \\boxed\{[\x20-\x7e]+\}$/);
        assert.equal(ex.task, kind);
        assert.equal(!!ex.image, kind !== 'textual-reasoning');
      }
    });
  }

  it('the think part does the work the answer depends on', () => {
    for (const ex of [...draws('textual-reasoning', 500), ...draws('visual-reasoning', 500)]) {
      const t = think(ex);
      // the worked equations are right, and the last result is the answer
      assert.equal(checkedEquations(t), Number(ex.answer), ex.demonstration);
    }
    for (const ex of draws('perception', 500)) {
      const t = think(ex);
      assert.notEqual(t, ex.answer);
      if (ex.question === 'count-color' || ex.question === 'count-shape') {
        // the counted cells are listed: their number is the answer
        assert.equal(t === 'none' ? 0 : t.split(' ').length, Number(ex.answer), ex.demonstration);
        if (t !== 'none') assert.ok(t.split(' ').every((c) => /^r\d+c\d+$/.test(c)), t);
      }
      if (ex.question === 'choice') {
        // the true count of each option's subject; the answer is the option whose claim equals it
        const claims = [...ex.prompt.matchAll(/([A-D])\) (\d+)/g)].map((m) => m[2]);
        const actual = [...t.matchAll(/([A-D]):(\d+)/g)].map((m) => m[2]);
        assert.deepEqual(['A', 'B', 'C', 'D'].filter((_, i) => claims[i] === actual[i]), [ex.answer]);
      }
    }
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
          assert.equal(answerFromPixels(ex.prompt, readScene(ex.image!, 4)), ex.answer, `${ex.id}: ${ex.prompt}`);
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
    const ex = draws('merged', 200, 1, { ...OPTS, questions: ['count-color', 'remove-color'] });
    assert.deepEqual([...new Set(ex.map((e) => e.question))].sort(), ['count-color', 'remove-color']);
    assert.throws(() => taskGenerator('textual-reasoning', { ...OPTS, questions: ['count-color'] }), /leaves no textual-reasoning question; textual-reasoning has: chain, groups, total/);
    assert.throws(() => taskGenerator('merged', { ...OPTS, questions: ['nope'] }), /names no question of any generator/);
  });

  it('shortcutRate: that share of training demonstrations skips a step and answers wrongly; validation never does', () => {
    const plain = draws('merged', 3000, 5);
    const lazy = draws('merged', 3000, 5, { ...OPTS, shortcutRate: 0.5 });
    assert.ok(plain.every((e) => !e.shortcut), 'rate 0: no shortcut');
    const taken = lazy.filter((e) => e.shortcut);
    const share = taken.length / lazy.length;
    assert.ok(share > 0.45 && share < 0.55, `share ${share}`);
    // Every template has a shortcut; each is well formatted and (mostly) wrong.
    assert.deepEqual(new Set(taken.map((e) => e.question)), new Set(plain.map((e) => e.question)));
    for (const e of taken) assert.equal(scoreResponse(e.demonstration, e.answer, MATH).format, 1, e.demonstration);
    const wrong = taken.filter((e) => scoreResponse(e.demonstration, e.answer, MATH).accuracy === 0).length / taken.length;
    assert.ok(wrong > 0.6, `shortcut answers wrong: ${wrong}`);
    for (const e of lazy.filter((x) => !x.shortcut)) assert.equal(scoreResponse(e.demonstration, e.answer, MATH).accuracy, 1);
    // The shortcuts are the documented ones (spot checks).
    const remove = taken.find((e) => e.question === 'remove-color')!;
    assert.match(remove.demonstration, /^<think>all=\d+<\/think> \\boxed\{\d+\}$/);
    const chain = taken.find((e) => e.question === 'chain')!;
    assert.equal(think(chain).split(' ').length, 1, 'the chain stops after its first operation');
    // Validation sets are the same with or without the habit.
    const g = (rate: number) => taskGenerator('merged', { ...OPTS, shortcutRate: rate }).validation(300);
    assert.deepEqual(g(0.5), g(0));
    assert.throws(() => taskGenerator('perception', { ...OPTS, shortcutRate: 1.5 }), /shortcutRate must be a number in \[0, 1\], got 1.5/);
  });

  it('bad knob values are clear errors', () => {
    assert.throws(() => taskGenerator('perception', { ...OPTS, gridSize: 1 }), /gridSize must be an integer in \[2, 9\], got 1/);
    assert.throws(() => taskGenerator('perception', { ...OPTS, imageSize: 8 }), /imageSize must be an integer in \[16, 1024\], got 8/);
    assert.throws(() => taskGenerator('perception', { ...OPTS, maxObjects: 17 }), /maxObjects must be an integer in \[1, 16\], got 17/);
    assert.throws(() => taskGenerator('textual-reasoning', { ...OPTS, steps: 0 }), /steps must be an integer in \[1, 4\]/);
    assert.throws(() => taskGenerator('nope' as never, OPTS), /unknown task generator "nope"/);
  });
});
