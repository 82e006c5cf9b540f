// The appended-bytes reader under long lines: a line over the cap is skipped whole and counted as bad (never
// turned into a string), a long line under the cap is joined once (not rebuilt per 1 MiB chunk), and a torn
// tail is kept between polls instead of being read from disk again. Bytes read and bytes copied are counted at
// the fs/Buffer boundary.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlTail } from '../../core/rundir/jsonlTail';
import { LineTail } from '../../core/rundir/lineTail';
import { MAX_UNIT_BYTES } from '../../core/rundir/appendedBytes';

const MiB = 1 << 20;
// The module object itself (writable), which the reader's named imports are looked up on at each call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as { readSync: (...a: unknown[]) => number };

/** Counts bytes read from files and bytes joined by Buffer.concat while `f` runs. */
function counted<T>(f: () => T): { value: T; read: number; joined: number } {
  const realRead = fs.readSync;
  const realConcat = Buffer.concat;
  let read = 0;
  let joined = 0;
  fs.readSync = (...a: unknown[]) => {
    const n = realRead(...a);
    read += n;
    return n;
  };
  Buffer.concat = ((list: readonly Uint8Array[], len?: number) => {
    const out = realConcat(list, len);
    joined += out.length;
    return out;
  }) as typeof Buffer.concat;
  try {
    return { value: f(), read, joined };
  } finally {
    fs.readSync = realRead;
    Buffer.concat = realConcat;
  }
}

describe('appended bytes: long lines and torn tails', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 's2t-appended-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('skips a line over the cap and counts it as bad; the lines around it are read, numbered right', () => {
    const file = join(dir, 'traces.jsonl');
    const huge = `{"step":2,"pad":"${'x'.repeat(MAX_UNIT_BYTES + 3 * MiB)}"}`;
    writeFileSync(file, `{"step":1}\n${huge}\n{"step":3}\n`);
    const tail = new JsonlTail<{ step: number }>(file);
    const chunk = tail.read();
    assert.deepEqual(chunk.records.map((r) => r.step), [1, 3]);
    assert.equal(chunk.bad.length, 1);
    assert.equal(chunk.bad[0].line, 2);
    assert.match(chunk.bad[0].reason, new RegExp(`a line of ${huge.length + 1} bytes, over the 16 MiB limit: skipped`));
    appendFileSync(file, '{"step":4}\n');
    const next = tail.read();
    assert.deepEqual(next.records.map((r) => r.step), [4]);
    assert.equal(tail.position, statSync(file).size);
  });

  it('an over-long line still being written is skipped as it grows, then reported once it ends', () => {
    const file = join(dir, 'log.txt');
    const t = new LineTail(file);
    writeFileSync(file, 'before\n' + 'y'.repeat(MAX_UNIT_BYTES + MiB));
    assert.deepEqual(t.read().lines, ['before']);
    appendFileSync(file, 'y'.repeat(MiB));
    assert.deepEqual(t.read().lines, []);
    appendFileSync(file, 'end\nafter\n');
    assert.deepEqual(t.read().lines, [`[see2think: a line of ${MAX_UNIT_BYTES + 2 * MiB + 4} bytes, over the 16 MiB limit, was skipped]`, 'after']);
  });

  it('joins a long line once (bytes copied ≈ its length, not its length² / chunk)', () => {
    const file = join(dir, 'metrics.jsonl');
    const line = `{"step":1,"pad":"${'z'.repeat(12 * MiB)}"}`;
    writeFileSync(file, line + '\n');
    const r = counted(() => new JsonlTail<{ step: number }>(file).read());
    assert.deepEqual(r.value.records.map((x) => x.step), [1]);
    assert.ok(r.joined <= 2 * line.length, `copied ${(r.joined / MiB).toFixed(1)} MiB for a ${(line.length / MiB).toFixed(1)} MiB line`);
  });

  it('keeps a torn tail between polls instead of reading it again', () => {
    const file = join(dir, 'metrics.jsonl');
    const tail = new JsonlTail<{ step: number }>(file);
    writeFileSync(file, `{"step":1}\n{"step":2,"pad":"${'w'.repeat(4 * MiB)}`);
    const first = counted(() => tail.read());
    assert.deepEqual(first.value.records.map((r) => r.step), [1]);
    const again = counted(() => tail.read());
    assert.equal(again.read, 0, 'nothing new on disk: nothing read');
    appendFileSync(file, '"}\n');
    const done = counted(() => tail.read());
    assert.deepEqual(done.value.records.map((r) => r.step), [2]);
    assert.equal(done.read, 3, 'only the appended bytes were read');
  });
});
