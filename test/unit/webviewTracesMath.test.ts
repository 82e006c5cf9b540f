// The traces panel's pure pieces: response highlighting (think blocks, \boxed{} with nested braces,
// hostile text kept verbatim), the virtual list geometry, and the filters.
import { strict as assert } from 'node:assert';
import { highlightResponse } from '../../webviews/traces/highlight';
import { RowLayout } from '../../webviews/traces/rowLayout';
import { matchesFilter, meanReward, parseBound } from '../../webviews/traces/filter';
import type { TraceItem } from '../../protocol/messages';
import { Rng } from '../../trainer/util/rng';

const kinds = (text: string) => highlightResponse(text).map((s) => `${s.tag ? 'T' : s.boxed ? 'B' : s.think ? 'k' : 't'}:${s.text}`);

describe('response highlighting', () => {
  it('cuts a well-formed response into think tags, think body, answer text and the boxed answer', () => {
    assert.deepEqual(kinds('<think>2 red, so \\boxed{2}?</think> The answer is \\boxed{\\frac{1}{2}}.'), [
      'T:<think>', 'k:2 red, so ', 'B:\\boxed{2}', 'k:?', 'T:</think>', 't: The answer is ', 'B:\\boxed{\\frac{1}{2}}', 't:.',
    ]);
  });

  it('an unclosed think runs to the end; a stray close tag is a tag; an unbalanced box runs to the end', () => {
    assert.deepEqual(kinds('<think>cut off'), ['T:<think>', 'k:cut off']);
    assert.deepEqual(kinds('a</think>b'), ['t:a', 'T:</think>', 't:b']);
    assert.deepEqual(kinds('x \\boxed{1{2}'), ['t:x ', 'B:\\boxed{1{2}']);
  });

  it('keeps every character of hostile text, in order (the view writes it with textContent)', () => {
    const rng = new Rng(5);
    const alphabet = ['<think>', '</think>', '\\boxed{', '{', '}', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '&amp;', 'é', '\u202e', 'a'];
    for (let t = 0; t < 200; t++) {
      const text = Array.from({ length: 30 }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
      assert.equal(highlightResponse(text).map((s) => s.text).join(''), text);
    }
    assert.deepEqual(highlightResponse(''), []);
  });
});

describe('virtual row layout', () => {
  it('offsets and hit-tests agree with a naive prefix sum, with expanded rows', () => {
    const rng = new Rng(9);
    const l = new RowLayout(28);
    l.setCount(1000);
    const extras: [number, number][] = [[999, 50], [0, 100], [500, 300], [501, 7]];
    l.setExtras(extras);
    const heights = Array.from({ length: 1000 }, (_, i) => 28 + (extras.find((e) => e[0] === i)?.[1] ?? 0));
    const offsets = [0];
    for (const h of heights) offsets.push(offsets[offsets.length - 1] + h);
    for (let i = 0; i <= 1000; i++) assert.equal(l.offsetOf(i), offsets[i]);
    assert.equal(l.total(), offsets[1000]);
    for (let t = 0; t < 2000; t++) {
      const y = rng.next() * l.total();
      const i = l.indexAt(y);
      assert.ok(offsets[i] <= y && y < offsets[i + 1], `y ${y} → ${i}`);
    }
    assert.equal(l.indexAt(-5), 0);
    assert.equal(l.indexAt(1e9), 999);
    assert.equal(l.heightOf(500), 328);
    assert.equal(l.extraOf(2), 0);
  });

  it('100 k rows cost O(log) per lookup and shrinking the count drops extras past the end', () => {
    const l = new RowLayout(30);
    l.setCount(100_000);
    assert.equal(l.total(), 3_000_000);
    assert.equal(l.indexAt(2_999_999), 99_999);
    l.setExtras([[99_998, 100]]);
    l.setCount(50);
    assert.equal(l.total(), 1500);
    l.setCount(0);
    assert.equal(l.indexAt(0), -1);
  });
});

const trace = (over: Partial<TraceItem>): TraceItem => ({
  run: '/r/a', step: 10, time: 0, stage: 'perception', task: 'perception', prompt_id: 'p', prompt: 'q', ground_truth: '2',
  responses: [{ text: '', reward: 1, accuracy: 1, format: 1, length: 3 }, { text: '', reward: 0, accuracy: 0, format: 0, length: 3 }],
  ...over,
});

describe('trace filters', () => {
  it('by run, stage, step range and mean reward range', () => {
    const t = trace({});
    assert.equal(meanReward(t), 0.5);
    assert.ok(matchesFilter(t, {}));
    assert.ok(matchesFilter(t, { run: '/r/a', stage: 'perception', stepMin: 10, stepMax: 10, rewardMin: 0.5, rewardMax: 0.5 }));
    assert.ok(!matchesFilter(t, { run: '/r/b' }));
    assert.ok(!matchesFilter(t, { stage: 'visual' }));
    assert.ok(!matchesFilter(t, { stepMin: 11 }));
    assert.ok(!matchesFilter(t, { stepMax: 9 }));
    assert.ok(!matchesFilter(t, { rewardMin: 0.6 }));
    assert.ok(!matchesFilter(t, { rewardMax: 0.4 }));
    assert.ok(!matchesFilter(trace({ responses: [] }), { rewardMin: 0 }), 'no responses has no reward');
  });

  it('parses bounds: empty or junk means no bound', () => {
    assert.deepEqual(['', ' 3 ', '-0.5', 'abc', '1e2', 'Infinity'].map(parseBound), [undefined, 3, -0.5, undefined, 100, undefined]);
  });
});
