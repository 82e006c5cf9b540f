import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineTail } from '../../core/rundir/lineTail';

describe('LineTail (growing text files: console logs, job output, log.txt)', () => {
  let file: string;
  beforeEach(() => (file = join(mkdtempSync(join(tmpdir(), 's2t-lines-')), 'log.txt')));

  it('returns complete lines only, CRLF trimmed; a torn line waits, or comes with flush', () => {
    const t = new LineTail(file);
    assert.deepEqual(t.read(), { lines: [], truncated: false });
    writeFileSync(file, 'a\r\nb\npart');
    assert.deepEqual(t.read().lines, ['a', 'b']);
    appendFileSync(file, 'ial\nlast');
    assert.deepEqual(t.read().lines, ['partial']);
    assert.deepEqual(t.read(true).lines, ['last']);
    assert.deepEqual(t.read(true).lines, []);
  });

  it('fromEnd skips what was there; a shrunk file is read again from its start', () => {
    writeFileSync(file, 'old 1\nold 2\n');
    const t = new LineTail(file, true);
    appendFileSync(file, 'new\n');
    assert.deepEqual(t.read().lines, ['new']);
    writeFileSync(file, 'restart\n');
    assert.deepEqual(t.read(), { lines: ['restart'], truncated: true });
  });

  it('keeps multi-byte characters whole across reads and across 1 MiB chunks', () => {
    const t = new LineTail(file);
    const line = Buffer.from('π 🟥\n');
    writeFileSync(file, line.subarray(0, 4));
    assert.deepEqual(t.read().lines, []);
    appendFileSync(file, line.subarray(4));
    assert.deepEqual(t.read().lines, ['π 🟥']);
    const big = 'x'.repeat((1 << 20) - 1) + '🟥\n';
    appendFileSync(file, big);
    assert.deepEqual(t.read().lines, [big.slice(0, -1)]);
  });
});
