// Word-level diff of reasoning traces: exact segments on known inputs, each side rebuilt exactly from the
// segments (whitespace and newlines kept), and a coarse whole-trace fallback for very different traces.
import { strict as assert } from 'node:assert';
import { wordDiff, sideText } from '../../core/diff/wordDiff';
import { Rng } from '../../trainer/util/rng';

describe('compare: word-level diff of traces', () => {
  it('marks exactly the changed words of a reasoning trace and its boxed answer', () => {
    const { segments, coarse } = wordDiff('<think>red=2 blue=3, so 5-2=3</think> \\boxed{3}', '<think>red=2 blue=4, so 5-2=3</think> \\boxed{2}');
    assert.equal(coarse, false);
    assert.deepEqual(segments, [
      [0, '<think>red=2 blue='], [-1, '3'], [1, '4'], [0, ', so 5-2=3</think> \\boxed{'], [-1, '3'], [1, '2'], [0, '}'],
    ]);
  });

  it('shows a dropped and an added word as such', () => {
    assert.deepEqual(wordDiff('one two three four', 'one three four five').segments, [[0, 'one '], [-1, 'two '], [0, 'three four'], [1, ' five']]);
  });

  it('handles identical and empty traces', () => {
    assert.deepEqual(wordDiff('same text', 'same text').segments, [[0, 'same text']]);
    assert.deepEqual(wordDiff('', '').segments, []);
    assert.deepEqual(wordDiff('', 'new').segments, [[1, 'new']]);
    assert.deepEqual(wordDiff('old', '').segments, [[-1, 'old']]);
  });

  it('rebuilds both sides exactly from the segments (random edits, newlines, unicode)', () => {
    const rng = new Rng(11);
    const vocab = ['red', 'blue', '=', '2', '3+4', '\n', '  ', 'π', '🟥', '<think>', '</think>', '\\boxed{7}', 'so', ','];
    for (let t = 0; t < 200; t++) {
      const words = Array.from({ length: rng.int(0, 60) }, () => rng.pick(vocab));
      const a = words.join(rng.pick([' ', '']));
      const edited = words.filter(() => rng.next() > 0.2).map((w) => (rng.next() < 0.1 ? rng.pick(vocab) : w));
      const b = edited.join(' ');
      const { segments } = wordDiff(a, b);
      assert.equal(sideText(segments, 'a'), a);
      assert.equal(sideText(segments, 'b'), b);
      for (let i = 1; i < segments.length; i++) assert.notEqual(segments[i][0], segments[i - 1][0], 'runs are merged');
    }
  });

  it('falls back to a coarse whole-trace diff past the edit budget', () => {
    const r = wordDiff('a b c d e f', 'g h i j k l', 2);
    assert.equal(r.coarse, true);
    assert.deepEqual(r.segments, [[-1, 'a b c d e f'], [1, 'g h i j k l']]);
  });
});
