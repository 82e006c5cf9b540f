// What the traces page may send the host, checked as untrusted input: a query with known keys, bounded
// strings and finite numbers only; page requests of at most MAX_PAGE_ROWS rows; a bounded prompt id.
import { strict as assert } from 'node:assert';
import { parseWebviewMessage } from '../../protocol/messages';
import { MAX_PAGE_ROWS, MAX_SEARCH_CHARS } from '../../protocol/traces';

const query = (q: Record<string, unknown>) => ({ method: 'traces/query', params: { seq: 1, query: { filter: {}, sort: 'time', descending: true, ...q } } });

describe('traces messages from the page', () => {
  it('accepts well-formed queries, pages and timeline requests', () => {
    assert.ok(parseWebviewMessage(query({ search: 'wait', filter: { stage: 'a', stepMin: 3, rewardMax: 0.5, run: '/r' } })));
    assert.ok(parseWebviewMessage(query({ sort: 'advantage', descending: false })));
    assert.ok(parseWebviewMessage({ method: 'traces/rows', params: { seq: 0, version: 4, from: 0, to: MAX_PAGE_ROWS } }));
    assert.ok(parseWebviewMessage({ method: 'traces/timeline', params: { promptId: 'visual/train/12' } }));
    assert.ok(parseWebviewMessage({ method: 'traces/drawn', params: { seq: 0, version: 0, rows: 3, total: 3, timeline: 2 } }));
  });

  it('drops hostile or malformed ones', () => {
    const bad = [
      query({ sort: 'constructor' }), query({ sort: '__proto__' }), query({ descending: 'yes' }), query({ search: 'x'.repeat(MAX_SEARCH_CHARS + 1) }),
      query({ search: 5 }), query({ filter: { stepMin: 'NaN' } }), query({ filter: { stepMin: Infinity } }), query({ filter: { evil: 1 } }),
      query({ filter: { stage: { toString: 1 } } }), query({ filter: null }), { method: 'traces/query', params: { seq: -1, query: { filter: {}, sort: 'time', descending: true } } },
      { method: 'traces/query', params: { seq: 1.5, query: { filter: {}, sort: 'time', descending: true } } },
      { method: 'traces/rows', params: { seq: 0, version: 0, from: 0, to: MAX_PAGE_ROWS + 1 } },
      { method: 'traces/rows', params: { seq: 0, version: 0, from: 5, to: 5 } },
      { method: 'traces/rows', params: { seq: 0, version: 0, from: -1, to: 5 } },
      { method: 'traces/rows', params: { seq: 0, version: 0, from: 1e300, to: 1e300 + 5 } },
      { method: 'traces/timeline', params: { promptId: 'x'.repeat(1025) } },
      { method: 'traces/timeline', params: { promptId: ['a'] } },
      { method: 'traces/drawn', params: { seq: 0, version: 0, rows: -1, total: 0 } },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m).slice(0, 120));
  });
});
