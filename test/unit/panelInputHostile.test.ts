// What a webview page sends (messages, saved state) is untrusted: method names that are Object.prototype
// properties are dropped, not looked up (or thrown on); a restored diff panel opens only a pair of eval files
// the host opened itself, never whatever two files the page's state names.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWebviewMessage } from '../../protocol/messages';
import { forgetPair, knownPairs, MAX_PAIRS, pairFromState, pairKey, rememberPair } from '../../extension/panels/diffPairs';

describe('untrusted panel input', () => {
  it('drops messages whose method is an inherited property name', () => {
    for (const method of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      assert.equal(parseWebviewMessage({ method, params: {} }), undefined, method);
    }
    const sneaky = JSON.parse('{"method":"__proto__","params":{"__proto__":{"x":1}}}');
    assert.equal(parseWebviewMessage(sneaky), undefined);
    const throwing = { method: 'log', params: { get level(): string { throw new Error('boom'); }, message: 'x' } };
    assert.equal(parseWebviewMessage(throwing), undefined);
    assert.deepEqual(parseWebviewMessage({ method: 'log', params: { level: 'warn', message: 'ok' } }), { method: 'log', params: { level: 'warn', message: 'ok' } });
  });

  it('restores a diff panel only onto a pair the host opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-pairs-'));
    try {
      const a = join(dir, 'a.jsonl');
      const b = join(dir, 'b.jsonl');
      for (const f of [a, b]) writeFileSync(f, '{}\n');
      let known = rememberPair([], { a, b });
      assert.deepEqual(pairFromState({ key: pairKey({ a, b }) }, known), { a, b });
      // A page state naming any other two (existing) files opens nothing.
      assert.equal(pairFromState({ key: JSON.stringify(['/etc/hostname', '/etc/passwd']) }, known), undefined);
      assert.equal(pairFromState({ key: JSON.stringify([b, a]) }, known), undefined);
      assert.equal(pairFromState({ key: 7 }, known), undefined);
      rmSync(b);
      assert.equal(pairFromState({ key: pairKey({ a, b }) }, known), undefined, 'a file that is gone');
      known = forgetPair(known, { a, b });
      assert.deepEqual(known, []);
      for (let i = 0; i < MAX_PAIRS + 5; i++) known = rememberPair(known, { a: `${i}`, b: 'x' });
      assert.equal(known.length, MAX_PAIRS);
      assert.equal(known[0].a, '5', 'oldest dropped');
      assert.deepEqual(knownPairs([{ a: 'x', b: 'y' }, { a: 1 }, null, 'z']), [{ a: 'x', b: 'y' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
