// Resume truncation streams the file and copies kept lines byte for byte: bytes that are not UTF-8 survive,
// lines that cross read chunks are judged whole, unparseable lines stay, a torn last line goes, and a file
// with nothing to drop is not rewritten.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { truncateJsonlAfterStep } from '../../core/rundir/truncateJsonl';

describe('truncateJsonlAfterStep (resume)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 's2t-trunc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('drops steps past the checkpoint and a torn tail, keeps other bytes exactly (not UTF-8 too)', () => {
    const file = join(dir, 'metrics.jsonl');
    const latin1 = Buffer.from([0x7b, 0x22, 0x73, 0x74, 0x65, 0x70, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d, 0x0a]); // {"step":1,"n":"\xe9\xff"}
    const kept = Buffer.concat([latin1, Buffer.from('not json at all\n{"step":2,"loss":NaN}\r\n')]);
    writeFileSync(file, Buffer.concat([kept, Buffer.from('{"step":3}\n{"step":4,"x":1}\n{"step":2.5}\n{"step":5,"torn')]));
    assert.equal(truncateJsonlAfterStep(file, 2), 4);
    assert.ok(readFileSync(file).equals(kept), 'kept lines byte for byte');
    assert.deepEqual(readdirSync(dir), ['metrics.jsonl'], 'no temp file left');
  });

  it('judges lines that cross 1 MiB read chunks whole; leaves a file with nothing to drop untouched', () => {
    const file = join(dir, 'traces.jsonl');
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ step: i, pad: 'p'.repeat(90000 + i) }));
    writeFileSync(file, lines.join('\n') + '\n');
    const ino = statSync(file).ino;
    assert.equal(truncateJsonlAfterStep(file, 100), 0);
    assert.equal(statSync(file).ino, ino, 'not rewritten');
    assert.equal(truncateJsonlAfterStep(file, 29), 10);
    assert.equal(readFileSync(file, 'utf8'), lines.slice(0, 30).join('\n') + '\n');
    assert.equal(truncateJsonlAfterStep(join(dir, 'missing.jsonl'), 1), 0);
  });
});
