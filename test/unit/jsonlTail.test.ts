import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlTail } from '../../core/rundir/jsonlTail';

describe('JsonlTail (incremental tolerant reader)', () => {
  let file: string;
  beforeEach(() => {
    file = join(mkdtempSync(join(tmpdir(), 's2t-tail-')), 'metrics.jsonl');
  });

  it('reads a missing file as empty, then only what was appended since', () => {
    const tail = new JsonlTail(file);
    assert.deepEqual(tail.read().records, []);
    writeFileSync(file, '{"step":1}\n{"step":2}\n');
    assert.deepEqual(tail.read().records, [{ step: 1 }, { step: 2 }]);
    assert.deepEqual(tail.read().records, []);
    appendFileSync(file, '{"step":3}\n');
    assert.deepEqual(tail.read().records, [{ step: 3 }]);
  });

  it('holds a torn last line until its newline arrives', () => {
    const tail = new JsonlTail(file);
    writeFileSync(file, '{"step":1}\n{"step":2,"reward');
    assert.deepEqual(tail.read().records, [{ step: 1 }]);
    assert.equal(tail.position, '{"step":1}\n'.length);
    appendFileSync(file, '":0.5}\n');
    const chunk = tail.read();
    assert.deepEqual(chunk.records, [{ step: 2, reward: 0.5 }]);
    assert.equal(chunk.bad.length, 0);
  });

  it('splits multi-byte UTF-8 safely across reads', () => {
    const tail = new JsonlTail(file);
    const line = Buffer.from('{"prompt":"π≈3.14 🟥"}\n');
    writeFileSync(file, line.subarray(0, 14));
    assert.deepEqual(tail.read().records, []);
    appendFileSync(file, line.subarray(14));
    assert.deepEqual(tail.read().records, [{ prompt: 'π≈3.14 🟥' }]);
  });

  it('counts and reports corrupt lines with their line numbers, never throws', () => {
    const tail = new JsonlTail(file);
    writeFileSync(file, '{"step":1}\nnot json\n\n{"step":2,"loss":NaN}\n[1,2]\n{"step":3}\r\n');
    const chunk = tail.read();
    assert.equal(chunk.records.length, 3);
    assert.ok(Number.isNaN((chunk.records[1] as { loss: number }).loss));
    assert.deepEqual(chunk.bad.map((b) => b.line), [2, 5]);
    assert.equal(tail.badLines, 2);
  });

  it('applies a shape guard and reports records that fail it', () => {
    const tail = new JsonlTail(file, (v): v is { step: number } => typeof (v as { step?: unknown }).step === 'number');
    writeFileSync(file, '{"step":1}\n{"nostep":true}\n"a string"\n');
    const chunk = tail.read();
    assert.deepEqual(chunk.records, [{ step: 1 }]);
    assert.deepEqual(chunk.bad.map((b) => b.line), [2, 3]);
  });

  it('detects truncation (a restarted trainer) and rereads from the start', () => {
    const tail = new JsonlTail(file);
    writeFileSync(file, '{"step":1}\n{"step":2}\n{"step":3}\n');
    assert.equal(tail.read().records.length, 3);
    truncateSync(file, 0);
    appendFileSync(file, '{"step":1,"r":2}\n');
    const chunk = tail.read();
    assert.equal(chunk.truncated, true);
    assert.deepEqual(chunk.records, [{ step: 1, r: 2 }]);
  });

  it('reads a file larger than one read chunk', () => {
    const lines = Array.from({ length: 30000 }, (_, i) => JSON.stringify({ step: i, pad: 'x'.repeat(40) }));
    writeFileSync(file, lines.join('\n') + '\n');
    const chunk = new JsonlTail(file).read();
    assert.equal(chunk.records.length, 30000);
    assert.equal((chunk.records[29999] as { step: number }).step, 29999);
  });
});
