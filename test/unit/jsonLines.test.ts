import { strict as assert } from 'node:assert';
import { encodeJsonLine, parseJsonLoose } from '../../protocol/jsonLines';

describe('JSON lines with NaN and Infinity', () => {
  it('round-trips non-finite numbers as bare tokens, like Python writes them', () => {
    const line = encodeJsonLine({ step: 3, loss: NaN, kl: Infinity, m: -Infinity, s: 'NaN in a string' });
    assert.equal(line, '{"step":3,"loss":NaN,"kl":Infinity,"m":-Infinity,"s":"NaN in a string"}');
    const back = parseJsonLoose(line) as Record<string, unknown>;
    assert.ok(Number.isNaN(back.loss));
    assert.equal(back.kl, Infinity);
    assert.equal(back.m, -Infinity);
    assert.equal(back.s, 'NaN in a string');
  });

  it('leaves NaN inside strings (with escaped quotes) alone', () => {
    const v = parseJsonLoose('{"a": "say \\"NaN\\" Infinity", "b": NaN}') as Record<string, unknown>;
    assert.equal(v.a, 'say "NaN" Infinity');
    assert.ok(Number.isNaN(v.b));
  });

  it('still rejects text that is not JSON', () => {
    assert.throws(() => parseJsonLoose('{"a": nan}'), SyntaxError);
    assert.throws(() => parseJsonLoose('{"a": 1'), SyntaxError);
  });
});
