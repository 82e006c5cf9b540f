// The diff panel's webview→host messages are untrusted: malformed or oversized ones are dropped.
import { strict as assert } from 'node:assert';
import { MAX_DETAIL_IDS, parseWebviewMessage } from '../../protocol/messages';

describe('diff panel messages (validation of untrusted input)', () => {
  it('accepts well-formed detail requests and open-editor actions', () => {
    assert.ok(parseWebviewMessage({ method: 'diff/details', params: { ids: ['perception/val/000001', 'x'] } }));
    assert.ok(parseWebviewMessage({ method: 'diff/open-editor', params: { id: 'perception/val/000001' } }));
  });

  it('drops malformed, oversized or mistyped ones', () => {
    const bad = [
      { method: 'diff/details', params: { ids: 'p1' } },
      { method: 'diff/details', params: { ids: [1, 2] } },
      { method: 'diff/details', params: { ids: Array.from({ length: MAX_DETAIL_IDS + 1 }, (_, i) => `p${i}`) } },
      { method: 'diff/details', params: { ids: ['x'.repeat(1025)] } },
      { method: 'diff/open-editor', params: {} },
      { method: 'diff/open-editor', params: { id: { toString: 'p1' } } },
      { method: 'diff/open-editor', params: null },
      { method: 'diff/delete-everything', params: { id: 'p1' } },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m).slice(0, 80));
  });
});
