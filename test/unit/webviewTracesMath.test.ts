// The traces panel's pure pieces: response highlighting (think blocks, \boxed{} with nested braces,
// hostile text kept verbatim), search marks, the virtual list geometry, the page cache of the host's paged
// result (shifts, reorders, rows answered for an older version), and the bounds and group statistics.
import { strict as assert } from 'node:assert';
import { highlightResponse } from '../../webviews/traces/highlight';
import { RowLayout } from '../../webviews/traces/rowLayout';
import { markMatches } from '../../webviews/traces/searchMarks';
import { PageCache, PAGE_ROWS, MAX_HELD } from '../../webviews/traces/pageCache';
import { groupMax, meanReward, parseBound, shownResponse } from '../../protocol/traces';
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

const item = (i: number): TraceItem => ({ run: '/r/a', step: i, time: 0, stage: 'a', task: 't', prompt_id: `p${i}`, prompt: `q${i}`, ground_truth: '2', responses: [], line: i + 1 });
const result = (over: Partial<import('../../protocol/traces').TracesResult>) => ({ seq: 1, version: 0, total: 0, indexed: 0, done: true, ...over });

describe('search marks', () => {
  it('cuts every case-insensitive match and keeps every character', () => {
    assert.deepEqual(markMatches('Wait, wait. WAIT', 'wait'), [
      { text: 'Wait', match: true }, { text: ', ', match: false }, { text: 'wait', match: true }, { text: '. ', match: false }, { text: 'WAIT', match: true },
    ]);
    assert.deepEqual(markMatches('abc', undefined), [{ text: 'abc', match: false }]);
    assert.deepEqual(markMatches('', 'x'), []);
    const rng = new Rng(3);
    for (let t = 0; t < 200; t++) {
      const text = Array.from({ length: 20 }, () => rng.pick(['a', 'A', 'b', '<', 'é', '\u0000', ' '])).join('');
      assert.equal(markMatches(text, rng.pick(['a', 'ab', 'A b', '<'])).map((m) => m.text).join(''), text);
    }
    assert.deepEqual(markMatches('İx', 'x'), [{ text: 'İx', match: false }], 'lower-casing that changes length: unmarked');
  });
});

describe('page cache of the host\'s result', () => {
  it('asks for the pages in view once, again when the result grew, never beyond the end', () => {
    const c = new PageCache();
    c.start(1);
    c.result(result({ total: 120, done: false }));
    assert.deepEqual(c.want(0, 60), [[0, 50], [50, 100]]);
    assert.deepEqual(c.want(0, 60), [], 'asked already');
    c.put(1, 0, 0, Array.from({ length: 50 }, (_, i) => item(i)));
    c.result(result({ version: 1, total: 300 }));
    assert.deepEqual(c.want(0, 500), [[100, 150], [150, 200], [200, 250], [250, 300]]);
  });

  it('rows entering at the top move held rows down; rows answered for an older version land where they are now', () => {
    const c = new PageCache();
    c.start(1);
    c.result(result({ total: 100 }));
    c.put(1, 0, 0, [item(0), item(1)]);
    c.result(result({ version: 1, total: 103, shift: 3 }));
    assert.equal(c.get(3)?.prompt_id, 'p0');
    assert.equal(c.has(0), false);
    assert.ok(c.put(1, 0, 10, [item(10)]), 'an answer for version 0');
    assert.equal(c.get(13)?.prompt_id, 'p10');
    assert.ok(c.put(1, 1, 20, [item(20)]));
    assert.equal(c.get(20)?.prompt_id, 'p20');
    assert.equal(c.put(2, 1, 0, [item(9)]), false, 'another query');
    c.result(result({ version: 2, total: 103, reorder: true }));
    assert.equal(c.size, 0, 'a reorder drops every row');
    assert.equal(c.put(1, 1, 0, [item(0)]), false, 'rows of before the reorder are not placed');
    assert.ok(c.put(1, 2, 0, [item(0), null]));
    assert.equal(c.get(1), null, 'a row the host could not read');
  });

  it('holds at most MAX_HELD rows, keeping those near the view', () => {
    const c = new PageCache();
    c.start(1);
    c.result(result({ total: 100_000 }));
    for (let p = 0; p < 30_000; p += PAGE_ROWS) c.put(1, 0, p, Array.from({ length: PAGE_ROWS }, (_, i) => item(p + i)));
    c.want(20_000, 20_040);
    assert.ok(c.size <= MAX_HELD);
    assert.ok(c.has(20_000) && c.has(20_040) && !c.has(0));
  });
});

describe('trace group statistics and bounds', () => {
  it('mean reward, largest length/advantage, the shown response; NaN for what is not a number', () => {
    const rs = [{ text: '', reward: 1, accuracy: 1, format: 1, length: 3, advantage: 0.5 }, { text: '', reward: 0, accuracy: 0, format: 0, length: 9 }];
    assert.equal(meanReward(rs), 0.5);
    assert.equal(groupMax(rs, 'length'), 9);
    assert.equal(groupMax(rs, 'advantage'), 0.5);
    assert.ok(Number.isNaN(meanReward([])) && Number.isNaN(meanReward('x')) && Number.isNaN(groupMax([null, { length: 'x' }], 'length')));
    assert.equal(shownResponse(rs), 0);
    assert.equal(shownResponse([{ ...rs[1] }, { ...rs[0] }, { ...rs[0] }]), 1, 'highest reward, first of ties');
  });

  it('parses bounds: empty or junk means no bound', () => {
    assert.deepEqual(['', ' 3 ', '-0.5', 'abc', '1e2', 'Infinity'].map(parseBound), [undefined, 3, -0.5, undefined, 100, undefined]);
  });
});
