// The byte-offset index of a traces.jsonl on real files: complete lines only (a torn last line waits), blank,
// corrupt and over-long lines skipped, counted and positioned, a file truncated, rewritten or replaced under
// the index starts it over, a resume's truncation at a line boundary keeps what is unchanged, and hostile
// strings come back verbatim. Search: case-insensitive over prompts and responses only, JSON escapes of any
// writer, and the Bloom-filter skip — trigrams and word-boundary keys — never loses a match (checked against a
// naive search on random text).
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, renameSync, symlinkSync, truncateSync, unlinkSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceFileIndex, LineFlag, promptHash, BLOCK_LINES } from '../../core/rundir/traceFileIndex';
import { compileSearch, lowerPart, mayContain, traceContains } from '../../core/rundir/traceText';
import { linesContaining } from '../../core/rundir/traceSearch';
import type { TraceRecord } from '../../protocol/runRecords';
import { Rng } from '../../trainer/util/rng';

export const trace = (i: number, over: Partial<TraceRecord> = {}): TraceRecord => ({
  step: i, time: 1000 + i, stage: 'a', task: 'count', prompt_id: `p${i}`, prompt: `prompt ${i}`, ground_truth: '2',
  responses: [{ text: `<think>resp ${i}</think> \\boxed{2}`, reward: i % 2, accuracy: i % 2, format: 1, advantage: (i % 3) - 1, length: 10 + i }],
  ...over,
});
export const line = (r: unknown) => JSON.stringify(r) + '\n';

describe('trace file index', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-tindex-'));
    file = join(dir, 'traces.jsonl');
  });

  const all = async (ix: TraceFileIndex) => {
    await ix.ensureMeta(ix.base, ix.count);
    const ords = Array.from({ length: ix.count - ix.base }, (_, k) => ix.base + k);
    return (await ix.records(ords)).map((r) => r?.prompt_id ?? null);
  };

  it('indexes complete lines only: a torn last line waits for its newline', async () => {
    writeFileSync(file, line(trace(0)) + line(trace(1)) + '{"step": 2, "resp');
    const ix = new TraceFileIndex(file, 'a');
    assert.deepEqual(await ix.update(), { from: 0, to: 2, reset: false });
    assert.deepEqual(await all(ix), ['p0', 'p1']);
    assert.equal(await ix.update(), undefined, 'nothing changed');
    appendFileSync(file, 'onses": [], "prompt_id": "p2"}\n');
    assert.deepEqual(await ix.update(), { from: 2, to: 3, reset: false });
    assert.deepEqual(await all(ix), ['p0', 'p1', 'p2']);
    assert.equal(ix.traces, 3);
  });

  it('skips blank, corrupt and wrongly shaped lines, counts them and says where', async () => {
    writeFileSync(file, line(trace(0)) + '\n   \r\n' + '{not json\n' + '[1,2]\n' + line({ step: 'x', responses: [] }) + line(trace(6)) + 'NaN\n');
    const ix = new TraceFileIndex(file, 'a');
    await ix.update();
    assert.deepEqual(await all(ix), ['p0', null, null, null, null, null, 'p6', null]);
    assert.equal(ix.badLines, 4);
    assert.deepEqual(ix.problems.map((p) => p.line), [4, 5, 6, 8]);
    assert.match(ix.problems[0].reason, /not valid JSON/);
    assert.match(ix.problems[1].reason, /not a trace record/);
    assert.equal(ix.problems[0].excerpt, '{not json');
    assert.equal(ix.traces, 2);
  });

  it('skips a line over the cap without holding it, counted, also while it is still being written', async () => {
    const ix = new TraceFileIndex(file, 'a', { lineCap: 1000 });
    writeFileSync(file, line(trace(0)) + '{"step": 1, "prompt": "' + 'x'.repeat(600));
    await ix.update();
    appendFileSync(file, 'y'.repeat(3000));
    await ix.update();
    appendFileSync(file, '", "responses": []}\n' + line(trace(2)));
    await ix.update();
    assert.deepEqual(await all(ix), ['p0', null, 'p2']);
    assert.equal(ix.longLines, 1);
    assert.equal(ix.flagsOf(1), LineFlag.Long);
    assert.match(ix.problems[0].reason, /line cap/);
    assert.equal(ix.problems[0].line, 2);
  });

  it('starts over when the file is truncated, replaced, rewritten in place or removed', async () => {
    writeFileSync(file, line(trace(0)) + line(trace(1)) + line(trace(2)));
    const ix = new TraceFileIndex(file, 'a');
    await ix.update();
    await ix.ensureMeta(0, 3);
    const gen = ix.generation;
    // Truncated (a trainer restarted), then a new line: ordinals restart.
    writeFileSync(file, line(trace(7)));
    assert.deepEqual(await ix.update(), { from: 0, to: 1, reset: true });
    assert.ok(ix.generation > gen);
    assert.deepEqual(await all(ix), ['p7']);
    // Replaced by a new file (rename over it).
    writeFileSync(join(dir, 'new'), line(trace(8)) + line(trace(9)));
    renameSync(join(dir, 'new'), file);
    assert.deepEqual(await ix.update(), { from: 0, to: 2, reset: true });
    assert.deepEqual(await all(ix), ['p8', 'p9']);
    // Rewritten in place, longer, with other content before the old end.
    writeFileSync(file, line(trace(10, { prompt: 'other words entirely' })) + line(trace(11)) + line(trace(12)));
    assert.equal((await ix.update())?.reset, true);
    assert.deepEqual(await all(ix), ['p10', 'p11', 'p12']);
    // Emptied, then removed.
    truncateSync(file, 0);
    assert.equal((await ix.update())?.reset, true);
    assert.equal(ix.count, 0);
    writeFileSync(file, line(trace(13)));
    await ix.update();
    unlinkSync(file);
    assert.deepEqual(await ix.update(), { from: 0, to: 0, reset: true });
    assert.equal(ix.count, 0);
  });

  it('a resume that cuts the file at a line boundary and appends keeps the lines before the cut', async () => {
    const head = line(trace(0)) + line(trace(1));
    writeFileSync(file, head + line(trace(2)) + line(trace(3)));
    const ix = new TraceFileIndex(file, 'a');
    await ix.update();
    // A torn tail the trainer never finished, cut away with the steps after the checkpoint, then new steps.
    appendFileSync(file, '{"step": 4, "res');
    await ix.update();
    truncateSync(file, Buffer.byteLength(head) + Buffer.byteLength(line(trace(2))) + Buffer.byteLength(line(trace(3))));
    appendFileSync(file, line(trace(5)));
    assert.deepEqual(await ix.update(), { from: 4, to: 5, reset: false });
    assert.deepEqual(await all(ix), ['p0', 'p1', 'p2', 'p3', 'p5']);
  });

  it('hostile strings come back verbatim; odd fields never throw; metadata is what filters and sorts use', async () => {
    const evil = '"\\\u2028\u0000\u202e<script>alert(1)</script>é😀';
    const recs = [
      trace(0, { prompt: evil, prompt_id: '__proto__', stage: 'x'.repeat(500) }),
      trace(1, { responses: [{ text: 5 as unknown as string, reward: NaN, accuracy: 0, format: 0, length: Infinity, advantage: -Infinity }] }),
      { ...trace(2), responses: [null, 'str', { reward: 'high' }] } as unknown as TraceRecord,
      trace(3, { stage: 'b', responses: [{ text: 'a', reward: 1, accuracy: 1, format: 1, length: 3, advantage: 2 }, { text: 'b', reward: 0, accuracy: 0, format: 1, length: 9, advantage: -2 }] }),
    ];
    writeFileSync(file, recs.map((r) => JSON.stringify(r).replace('null,"str"', 'null,"str"')).join('\n').replace('"reward":null', '"reward":NaN') + '\n');
    const ix = new TraceFileIndex(file, 'a');
    await ix.update();
    await ix.ensureMeta(0, 4);
    const got = await ix.records([3, 0, 1, 2]);
    assert.equal(got[1]!.prompt, evil);
    assert.equal(got[1]!.prompt_id, '__proto__');
    assert.ok(Number.isNaN(got[2]!.responses[0].reward), 'NaN kept');
    assert.equal(ix.stages[ix.stageOf[0]], 'a', 'an absurd stage name falls back to the file\'s');
    assert.equal(ix.stages[ix.stageOf[3]], 'b');
    assert.deepEqual([ix.reward[3], ix.length[3], ix.advantage[3]], [0.5, 9, 2]);
    assert.ok(Number.isNaN(ix.reward[1]) && Number.isNaN(ix.length[1]) && Number.isNaN(ix.advantage[1]));
    assert.ok(Number.isNaN(ix.reward[2]));
    assert.equal(ix.hash[0], promptHash('__proto__'));
  });

  it('never follows a symbolic link in a run folder: the file is not read, and says why', async () => {
    const outside = join(dir, 'outside.jsonl');
    writeFileSync(outside, line(trace(0)));
    symlinkSync(outside, file);
    const ix = new TraceFileIndex(file, 'a');
    assert.equal(await ix.update(), undefined);
    assert.equal(ix.count, 0);
    assert.match(ix.unreadable ?? '', /symbolic link/);
  });

  it('keeps the newest lines beyond its cap and says how many it dropped', async () => {
    writeFileSync(file, Array.from({ length: 1000 }, (_, i) => line(trace(i))).join(''));
    const ix = new TraceFileIndex(file, 'a', { maxLines: 256 });
    await ix.update();
    assert.equal(ix.count, 1000);
    assert.ok(ix.count - ix.base <= 256, `${ix.count - ix.base} held`);
    assert.equal(ix.dropped, ix.base);
    const ords = [999, ix.base, ix.base - 1];
    await ix.ensureMeta(ix.base, ix.count);
    assert.deepEqual((await ix.records(ords)).map((r) => r?.prompt_id), ['p999', `p${ix.base}`, undefined]);
  });
});

describe('trace search text', () => {
  const rec = (prompt: string, ...texts: string[]): TraceRecord => ({ ...trace(0), prompt, ground_truth: 'needle', task: 'needle', responses: texts.map((text) => ({ text, reward: 0, accuracy: 0, format: 0, length: 1 })) });

  it('matches prompts and responses case-insensitively, never other fields or keys', () => {
    const q = compileSearch('WAIT, LET')!;
    assert.ok(traceContains(rec('x', 'Hmm. Wait, let me recount.'), q));
    assert.ok(!traceContains(rec('x', 'wait let'), q));
    assert.ok(!traceContains(rec('x', 'y'), compileSearch('needle')!), 'ground truth and task are not searched');
    assert.ok(!traceContains(rec('x', 'y'), compileSearch('responses')!), 'keys are not searched');
    assert.ok(traceContains(rec('Quote " and back\\slash </think>', 'y'), compileSearch('" and back\\slash </')!));
  });

  it('the byte prefilter never drops a match, whoever escaped the JSON', () => {
    const text = 'Ünïcode "quoted" path/to <b>&amp; it\'s = ok';
    const writers = [
      JSON.stringify({ t: text }),
      // Python's json.dumps (ensure_ascii) and writers that escape / < > & = ' as well.
      JSON.stringify({ t: text }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      JSON.stringify({ t: text }).replace(/[/<>&=']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/'),
    ];
    for (const query of ['ünïcode "QUOTED" path/to', 'to <B>&amp; IT\'s = ok', 'e "q', '"quoted"']) {
      const q = compileSearch(query)!;
      for (const raw of writers) {
        assert.equal(JSON.parse(raw).t, text);
        if (q.prefilter) {
          q.prefilter.lastIndex = 0;
          assert.ok(q.prefilter.test(Buffer.from(raw).toString('latin1')), `${query} in ${raw}`);
        }
      }
    }
    // The two characters that lower-case into ASCII: "İ" (into "i" and a dot) and the Kelvin sign (into "k").
    for (const [query, text] of [['stanbul, i', 'İstanbul, İzmir'], ['5 k', '5 \u212a']]) {
      assert.ok(text.toLowerCase().includes(query));
      const q = compileSearch(query)!;
      for (const raw of [JSON.stringify(text), JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)]) {
        q.prefilter!.lastIndex = 0;
        assert.ok(q.prefilter!.test(Buffer.from(raw).toString('latin1')), `${query} in ${raw}`);
      }
    }
    assert.equal(compileSearch('é')!.prefilter, undefined, 'no plain run: no prefilter (every candidate is parsed)');
  });

  /** A parsed index of these records' file, and all its ordinals. */
  const indexOf = async (recs: TraceRecord[]) => {
    const file = join(mkdtempSync(join(tmpdir(), 's2t-tsearch-')), 'traces.jsonl');
    writeFileSync(file, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ix = new TraceFileIndex(file, 'a');
    await ix.update();
    await ix.ensureMeta(0, ix.count);
    return { ix, all: Array.from({ length: ix.count }, (_, i) => i) };
  };

  it('the filtered search over random text finds exactly what a naive search finds, capitals or not', async () => {
    const rng = new Rng(11);
    const words = ['alpha', 'beta', 'Gamma', 'delta', 'ÉPSILON', 'zeta', 'eta', 'theta', 'iota', 'kappa', '"q"', 'x\\y', '日本', 'İstanbul'];
    // Most lines lower case (the native byte search), some with capitals (the case-insensitive expression).
    const cased = (w: string) => { const r = rng.next(); return r < 0.85 ? w.toLowerCase() : r < 0.95 ? w[0].toUpperCase() + w.slice(1) : w.toUpperCase(); };
    const recs = Array.from({ length: 700 }, (_, i) => {
      const caps = i % 64 < 40 ? (w: string) => w.toLowerCase() : cased;
      const text = () => Array.from({ length: rng.int(1, 12) }, () => caps(rng.pick(words))).join(rng.pick([' ', ', ', '\n']));
      return trace(i, { prompt: text(), responses: [{ text: text(), reward: 0, accuracy: 0, format: 0, length: 1 }, { text: text(), reward: 1, accuracy: 1, format: 1, length: 2 }] });
    });
    const { ix, all } = await indexOf(recs);
    let native = 0;
    for (let t = 0; t < 200; t++) {
      const w = rng.pick(words);
      const a = rng.int(0, w.length - 1);
      const pick = rng.next();
      const query = pick < 0.4 ? w.slice(a, rng.int(a + 1, w.length)) : pick < 0.8 ? `${rng.pick(words)} ${rng.pick(words)}` : cased(rng.pick(words));
      const q = compileSearch(query)!;
      const want = recs.map((r, i) => (traceContains(r, q) ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(await linesContaining(ix, all, q), want, `query ${JSON.stringify(query)}`);
      if (all.some((o) => lowerPart(ix.upper, ix.upperAt(o), q, 4))) native++;
    }
    assert.ok(native > 50, `the native path was taken for ${native} queries`);
  });

  it('the word-boundary filter never drops a match: queries cut mid-word, runs of spaces, capitals, escapes, non-ASCII', async () => {
    const rng = new Rng(23);
    const words = ['information', 'documents', 'at', 'a', 'the', 'Station', 'DOCS', 'x"y', 'back\\slash', '</think>', 'Ünïcode', 'İstanbul', 'ΟΔΟΣ', '日本語', 'naïve', 'é', '3+4=7.'];
    const sep = () => rng.pick([' ', ' ', ' ', '  ', '   ', ', ', '\n', ' \t ']);
    const text = () => Array.from({ length: rng.int(1, 40) }, () => rng.pick(words)).map((w, i) => (i ? sep() : '') + w).join('');
    const recs = Array.from({ length: 640 }, (_, i) => trace(i, { prompt: text(), responses: [0, 1].map((k) => ({ text: text(), reward: k, accuracy: k, format: 1, length: 1 })) }));
    const { ix, all } = await indexOf(recs);
    let keyed = 0;
    let skipped = 0;
    for (let t = 0; t < 400; t++) {
      // A piece of a real text (so it has matches), cut anywhere and re-cased at random.
      const r = rng.pick(recs);
      const src = rng.next() < 0.3 ? r.prompt : rng.pick(r.responses).text;
      const a = rng.int(0, src.length - 1);
      const cut = src.slice(a, rng.int(a + 1, Math.min(src.length, a + 24)));
      const query = [...cut].map((c) => (rng.next() < 0.3 ? c.toUpperCase() : rng.next() < 0.3 ? c.toLowerCase() : c)).join('');
      const q = compileSearch(query)!;
      const want = recs.map((x, i) => (traceContains(x, q) ? i : -1)).filter((i) => i >= 0);
      for (const o of want) assert.ok(mayContain(ix.bloom, ix.bloomAt(o), ix.boundary, ix.boundaryAt(o), q), `block of line ${o} dropped ${JSON.stringify(query)}`);
      assert.deepEqual(await linesContaining(ix, all, q), want, `query ${JSON.stringify(query)}`);
      if (q.boundaries.length) keyed++;
      const trigramsOnly = { ...q, boundaries: [] };
      for (let o = 0; o < ix.count; o += BLOCK_LINES) if (mayContain(ix.bloom, ix.bloomAt(o), ix.boundary, ix.boundaryAt(o), trigramsOnly) && !mayContain(ix.bloom, ix.bloomAt(o), ix.boundary, ix.boundaryAt(o), q)) skipped++;
    }
    assert.ok(keyed > 100, `${keyed} queries had word-boundary keys`);
    assert.ok(skipped > 0, 'the word-boundary filter skipped blocks the trigram filter let through');
  });
});
