// The diff panel's pieces: each side's text rebuilt exactly, with diff ops and think/boxed flags overlaid.
import { strict as assert } from 'node:assert';
import { sidePieces } from '../../webviews/diff/pieces';
import { wordDiff } from '../../core/diff/wordDiff';

const fmt = (ps: ReturnType<typeof sidePieces>) => ps.map((p) => `${p.op}${p.tag ? 'T' : p.think ? 't' : ''}${p.boxed ? 'B' : ''}:${p.text}`);

describe('diff panel: pieces of one side (diff ops × think/boxed highlights)', () => {
  const a = '<think>red=2 blue=3, so 5-2=3</think> \\boxed{3}';
  const b = '<think>red=2 blue=4, so 5-2=3</think> \\boxed{2}';
  const { segments } = wordDiff(a, b);

  it('cuts side A at diff and highlight boundaries', () => {
    assert.deepEqual(fmt(sidePieces(segments, 'a')), [
      '0T:<think>', '0t:red=2 blue=', '-1t:3', '0t:, so 5-2=3', '0T:</think>', '0: ', '0B:\\boxed{', '-1B:3', '0B:}',
    ]);
  });

  it('cuts side B the same way with added pieces', () => {
    const ps = sidePieces(segments, 'b');
    assert.equal(ps.map((p) => p.text).join(''), b);
    assert.deepEqual(fmt(ps).filter((s) => s.startsWith('1')), ['1t:4', '1B:2']);
  });

  it('keeps hostile text as plain text pieces (no parsing beyond the two markers)', () => {
    const evil = '<img src=x onerror=alert(1)><think><script>alert(2)</script></think>\\boxed{<b>}';
    const ps = sidePieces(wordDiff(evil, evil).segments, 'a');
    assert.equal(ps.map((p) => p.text).join(''), evil);
    assert.ok(ps.every((p) => p.op === 0));
    assert.deepEqual(ps.filter((p) => p.boxed).map((p) => p.text), ['\\boxed{<b>}']);
  });

  it('handles a truncated response (unclosed think, unbalanced box)', () => {
    const ps = sidePieces([[0, '<think>2+2'], [1, '=4 \\boxed{4']], 'b');
    assert.deepEqual(fmt(ps), ['0T:<think>', '0t:2+2', '1t:=4 ', '1tB:\\boxed{4']);
  });
});
