// Queries over a run's trace index on real files, against a naive evaluation of the same records: every
// filter, search, sort and direction gives the same rows in the same order; traces appended while a query is
// open enter at the top (a shift) or re-sort it (a reorder), and a page asked for in an older version comes
// back where its rows are now; a file truncated under an open query restarts it. Timelines gather a prompt
// from every stage and the run's evals in step order with word diffs.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { RunTraces } from '../../extension/runs/runTraces';
import { TraceResultSet } from '../../extension/runs/traceQuery';
import { TraceSession } from '../../extension/runs/traceSession';
import { assembleTimeline, checkpointPlace } from '../../core/diff/promptTimeline';
import { sideText } from '../../core/diff/wordDiff';
import { meanReward, groupMax, type TraceQuery, type TraceSortKey, type TracesResult, type TraceTimeline } from '../../protocol/traces';
import type { HostMessage, RunInfo, TraceItem } from '../../protocol/messages';
import type { TraceRecord } from '../../protocol/runRecords';
import { Rng } from '../../trainer/util/rng';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 50\n  - id: b\n    kind: perception\n    steps: 50\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORDS = ['red', 'blue', 'circle', 'Square', 'count', 'wait', 'so', 'answer', 'left', '"x"'];

function randomTrace(rng: Rng, stage: string, step: number, i: number): TraceRecord {
  const text = () => Array.from({ length: rng.int(2, 9) }, () => rng.pick(WORDS)).join(' ');
  return {
    step, time: i, stage, task: 't', prompt_id: `p${rng.int(0, 9)}`, prompt: text(), ground_truth: '1',
    responses: Array.from({ length: rng.int(0, 3) }, () => ({ text: text(), reward: rng.pick([0, 0.1, 1]), accuracy: 0, format: 1, length: rng.int(1, 60), advantage: rng.next() < 0.2 ? undefined : +(rng.next() * 2 - 1).toFixed(3) })),
  };
}

function makeRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 's2t-tquery-'));
  writeFileSync(join(dir, 'demo.recipe.yaml'), RECIPE);
  return createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: 'r1' }).runDir;
}
const tracesFile = (runDir: string, stage: string) => join(runDir, 'stages', stage, 'traces.jsonl');

/** What a query should return, computed the obvious way over all records (in time order: stage a, then b). */
function naive(recs: { r: TraceRecord; key: string }[], q: TraceQuery, runDir: string): string[] {
  const f = q.filter;
  const s = q.search?.toLowerCase();
  const keep = recs.filter(({ r }) => {
    if (f.run && f.run !== runDir) return false;
    if (f.stage && r.stage !== f.stage) return false;
    if (f.stepMin !== undefined && !(r.step >= f.stepMin)) return false;
    if (f.stepMax !== undefined && !(r.step <= f.stepMax)) return false;
    const m = meanReward(r.responses);
    if (f.rewardMin !== undefined && !(m >= f.rewardMin - 1e-6)) return false;
    if (f.rewardMax !== undefined && !(m <= f.rewardMax + 1e-6)) return false;
    return !s || [r.prompt, ...r.responses.map((x) => x.text)].some((t) => t.toLowerCase().includes(s));
  }).map((x, i) => ({ ...x, i }));
  if (q.sort === 'time') return (q.descending ? keep.reverse() : keep).map((x) => x.key);
  const key = (r: TraceRecord) => (q.sort === 'reward' ? Math.fround(meanReward(r.responses)) : Math.fround(groupMax(r.responses, q.sort === 'length' ? 'length' : 'advantage')));
  return keep.sort((x, y) => {
    const [a, b] = [key(x.r), key(y.r)];
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? y.i - x.i : Number.isNaN(a) ? 1 : -1;
    return a !== b ? (q.descending ? b - a : a - b) : y.i - x.i;
  }).map((x) => x.key);
}

async function resultKeys(traces: RunTraces, q: TraceQuery): Promise<string[]> {
  const r = new TraceResultSet(traces, q);
  await r.run();
  const refs = Array.from({ length: r.total }, (_, p) => r.refAt(p)!);
  const recs = await traces.records(refs);
  r.cancel();
  return recs.map((x) => `${x!.stage}/${x!.time}`);
}

describe('trace queries', () => {
  it('every filter, search, sort and direction gives what a naive evaluation gives', async () => {
    const runDir = makeRun();
    const rng = new Rng(21);
    const recs: { r: TraceRecord; key: string }[] = [];
    for (const [stage, n] of [['a', 900], ['b', 700]] as const) {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = randomTrace(rng, stage, Math.floor(i / 9), i);
        recs.push({ r, key: `${stage}/${i}` });
        lines.push(JSON.stringify(r));
        if (i % 97 === 5) lines.push('{torn garbage');
      }
      writeFileSync(tracesFile(runDir, stage), lines.join('\n') + '\n');
    }
    const traces = new RunTraces(runDir, ['a', 'b']);
    await traces.refresh();
    const sorts: TraceSortKey[] = ['time', 'length', 'reward', 'advantage'];
    for (let t = 0; t < 40; t++) {
      const q: TraceQuery = { filter: {}, sort: sorts[t % 4], descending: t % 8 < 4 };
      if (rng.next() < 0.3) q.filter.stage = rng.pick(['a', 'b', 'c']);
      if (rng.next() < 0.3) q.filter.stepMin = rng.int(0, 60);
      if (rng.next() < 0.3) q.filter.stepMax = rng.int(20, 100);
      if (rng.next() < 0.3) q.filter.rewardMin = rng.pick([0, 0.1, 0.5]);
      if (rng.next() < 0.2) q.filter.rewardMax = rng.pick([0.1, 0.55, 1]);
      if (rng.next() < 0.1) q.filter.run = rng.pick([runDir, '/elsewhere']);
      if (rng.next() < 0.6) q.search = rng.pick(['RED', 'so', 'wait so', 'squ', 'answer left', '"x"', 'nothing here']);
      assert.deepEqual(await resultKeys(traces, q), naive(recs, q, runDir), JSON.stringify(q));
    }
    assert.equal(traces.indexed, 1600);
    assert.match(traces.notices()[0], /^stages\/a\/traces\.jsonl: 10 line\(s\) skipped, e\.g\. line \d+: not valid JSON/);
    traces.dispose();
  });

  it('newest first: traces arriving later enter at the top as a shift; positions of an older version move with it', async () => {
    const runDir = makeRun();
    const rng = new Rng(5);
    writeFileSync(tracesFile(runDir, 'a'), Array.from({ length: 300 }, (_, i) => JSON.stringify(randomTrace(rng, 'a', i, i))).join('\n') + '\n');
    const traces = new RunTraces(runDir, ['a', 'b']);
    await traces.refresh();
    const r = new TraceResultSet(traces, { filter: {}, sort: 'time', descending: true });
    const changes: { shift?: number; reorder?: boolean }[] = [];
    r.onDidChange((c) => changes.push(c));
    await r.run();
    const v0 = r.version;
    const at10 = r.refAt(10);
    appendFileSync(tracesFile(runDir, 'b'), [0, 1, 2].map((i) => JSON.stringify(randomTrace(rng, 'b', i, 1000 + i))).join('\n') + '\n');
    traces.poke('b');
    for (let i = 0; i < 100 && r.total < 303; i++) await sleep(10);
    assert.equal(r.total, 303);
    assert.deepEqual(changes.at(-1), { version: r.version, shift: 3 });
    assert.equal(r.convert(10, v0), 13);
    assert.equal(r.refAt(13), at10, 'the row that was at 10 is at 13 now');
    assert.equal((await traces.records([r.refAt(0)!]))[0]!.time, 1002, 'the newest on top');
    r.cancel();

    // Sorted: a late trace is placed by its key, and the result says positions changed wholesale.
    const s = new TraceResultSet(traces, { filter: {}, sort: 'length', descending: true });
    await s.run();
    const sv = s.version;
    appendFileSync(tracesFile(runDir, 'a'), JSON.stringify({ ...randomTrace(rng, 'a', 999, 2000), responses: [{ text: 'long', reward: 1, accuracy: 1, format: 1, length: 10_000 }] }) + '\n');
    traces.poke('a');
    for (let i = 0; i < 100 && s.total < 304; i++) await sleep(10);
    assert.equal((await traces.records([s.refAt(0)!]))[0]!.time, 2000);
    assert.equal(s.convert(5, sv), undefined, 'an older version\'s positions are void after a reorder');
    s.cancel();
    traces.dispose();
  });

  it('the session answers pages in the page\'s version, flushes the result first, and restarts a query whose file was truncated', async () => {
    const runDir = makeRun();
    const rng = new Rng(8);
    const write = (n: number, from = 0) => Array.from({ length: n }, (_, i) => JSON.stringify(randomTrace(rng, 'a', from + i, from + i))).join('\n') + '\n';
    writeFileSync(tracesFile(runDir, 'a'), write(120));
    const traces = new RunTraces(runDir, ['a', 'b']);
    const posted: HostMessage[] = [];
    const info: RunInfo = { key: runDir, label: 'r1', recipe: 'demo', runId: 'r1', stages: [{ id: 'a', kind: 'sft', state: 'running', totalSteps: 50, globalOffset: 0 }, { id: 'b', kind: 'perception', state: 'pending', totalSteps: 50, globalOffset: 50 }] };
    // Result messages at most every 60 s after the first: a change after it waits, unless rows go out.
    const session = new TraceSession(traces, { post: (method, params) => posted.push({ method, params } as HostMessage), imageUri: (stage, img) => `img:${stage}/${img}`, info: () => info, warn: () => undefined }, { resultMs: 60_000 });
    const last = <M extends HostMessage['method']>(m: M) => posted.filter((x) => x.method === m).at(-1)?.params as Extract<HostMessage, { method: M }>['params'] | undefined;
    session.handle({ method: 'traces/query', params: { seq: 3, query: { filter: {}, sort: 'time', descending: true } } });
    for (let i = 0; i < 100 && !session.current()?.done; i++) await sleep(10);
    session.handle({ method: 'traces/rows', params: { seq: 3, version: last('traces/result')!.version, from: 0, to: 1 } });
    for (let i = 0; i < 100 && !last('traces/rows'); i++) await sleep(10);
    const v = last('traces/result')!.version;
    assert.equal(last('traces/result')!.total, 120, 'the first rows brought the result up to date');
    // Two traces arrive (their result message waits); the page still asks in version v for rows 0..4.
    appendFileSync(tracesFile(runDir, 'a'), write(2, 500));
    traces.poke('a');
    for (let i = 0; i < 100 && session.current()?.total !== 122; i++) await sleep(10);
    assert.equal(last('traces/result')!.total, 120, 'not posted yet');
    const n0 = posted.length;
    session.handle({ method: 'traces/rows', params: { seq: 3, version: v, from: 0, to: 5 } });
    for (let i = 0; i < 100 && posted.length < n0 + 2; i++) await sleep(10);
    assert.deepEqual(posted.slice(n0).map((m) => m.method), ['traces/result', 'traces/rows'], 'the result of the rows\' version went out first');
    const [res, rows] = posted.slice(n0).map((m) => m.params) as [TracesResult, Extract<HostMessage, { method: 'traces/rows' }>['params']];
    assert.deepEqual([res.total, res.shift, rows.version], [122, 2, res.version]);
    assert.equal(rows.from, 2, 'rows 0..4 of version v are rows 2..6 now');
    assert.deepEqual(rows.items.map((x) => (x as TraceItem).time), [119, 118, 117, 116, 115]);
    assert.deepEqual(rows.items.map((x) => (x as TraceItem).line), [120, 119, 118, 117, 116]);
    // A page of an older query is not answered.
    const n = posted.length;
    session.handle({ method: 'traces/rows', params: { seq: 2, version: 0, from: 0, to: 5 } });
    await sleep(50);
    assert.equal(posted.length, n);
    // The trainer restarted and rewrote the file: the query restarts, the page is told to drop its rows.
    writeFileSync(tracesFile(runDir, 'a'), write(7, 900));
    traces.poke('a');
    for (let i = 0; i < 100 && session.current()?.total !== 7; i++) await sleep(10);
    session.handle({ method: 'traces/rows', params: { seq: 3, version: last('traces/result')!.version, from: 0, to: 1 } });
    for (let i = 0; i < 100 && last('traces/result')?.total !== 7; i++) await sleep(10);
    const after = last('traces/result')!;
    assert.equal(after.seq, 3);
    assert.ok(posted.some((m) => m.method === 'traces/result' && (m.params as TracesResult).reorder), 'a reorder was sent');
    assert.ok(after.version > res.version, 'versions keep counting up');
    session.dispose();
    traces.dispose();
  });
});

describe('prompt timeline', () => {
  it('orders training steps and evaluations on the global axis and diffs consecutive shown responses', () => {
    const resp = (text: string, reward: number) => ({ text, reward, accuracy: reward, format: 1, length: text.length });
    const t = assembleTimeline({
      promptId: 'q1', stageOffsets: new Map([['warmup', 0], ['textual', 10]]),
      train: [
        { record: { step: 3, time: 0, stage: 'textual', task: 't', prompt_id: 'q1', prompt: 'How many?', ground_truth: '2', responses: [resp('so 3', 0), resp('so 2', 1)] }, stageOffset: 10 },
        { record: { step: 5, time: 0, stage: 'warmup', task: 't', prompt_id: 'q1', prompt: 'How many?', ground_truth: '2', responses: [resp('maybe 4', 0)] }, stageOffset: 0 },
      ],
      evals: [{ file: '/r/evals/x.jsonl', header: { type: 'header', checkpoint: 'demo/r1/textual/step-3', set: 'merged:24', sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 1, created: '' }, record: { prompt_id: 'q1', prompt: 'How many?', ground_truth: '2', response: 'so it is 2', answer: '2', correct: true, reward: 1, length: 4 } }],
    });
    assert.deepEqual(t.entries.map((e) => [e.kind, e.globalStep, e.label]), [
      ['train', 5, 'warmup step 5'], ['train', 13, 'textual step 3'], ['eval', 13, 'eval textual/step-3 (merged:24, t=0.6 top-p=0.95 n=1)'],
    ]);
    assert.equal(t.entries[1].shown, 1, 'the best of the group is shown');
    assert.equal(t.entries[0].diff, undefined);
    assert.equal(sideText(t.entries[1].diff!, 'a'), 'maybe 4');
    assert.equal(sideText(t.entries[1].diff!, 'b'), 'so 2');
    assert.equal(sideText(t.entries[2].diff!, 'b'), 'so it is 2');
    assert.equal(t.prompt, 'How many?');
    assert.deepEqual(checkpointPlace('a/b/visual/step-40'), { stage: 'visual', step: 40 });
    assert.equal(checkpointPlace('../x'), undefined);
  });

  it('the session gathers a prompt from every stage file and the run\'s evals, with bad eval lines positioned', async () => {
    const runDir = makeRun();
    const rng = new Rng(2);
    const mk = (stage: string, step: number, pid: string, text: string) => JSON.stringify({ ...randomTrace(rng, stage, step, step), prompt_id: pid, responses: [{ text, reward: 1, accuracy: 1, format: 1, length: 2 }] });
    writeFileSync(tracesFile(runDir, 'a'), [mk('a', 1, 'q', 'one two'), mk('a', 2, 'other', 'x'), mk('a', 3, 'q', 'one three')].join('\n') + '\n');
    writeFileSync(tracesFile(runDir, 'b'), [mk('b', 1, 'q', 'one three four')].join('\n') + '\n');
    mkdirSync(join(runDir, 'evals'));
    writeFileSync(join(runDir, 'evals', 'b.step-1.jsonl'), [
      JSON.stringify({ type: 'header', checkpoint: 'demo/r1/b/step-1', set: 'merged:4', sampling: { temperature: 0, top_p: 1, n: 1, greedy: true }, seed: 1, created: '' }),
      '{broken', JSON.stringify({ prompt_id: 'q', prompt: 'p', ground_truth: '1', response: 'four', answer: null, correct: false, reward: 0, length: 1 }),
    ].join('\n') + '\n');
    const traces = new RunTraces(runDir, ['a', 'b']);
    const posted: HostMessage[] = [];
    const info: RunInfo = { key: runDir, label: 'r1', recipe: 'demo', runId: 'r1', stages: [{ id: 'a', kind: 'sft', state: 'succeeded', totalSteps: 50, globalOffset: 0 }, { id: 'b', kind: 'perception', state: 'succeeded', totalSteps: 50, globalOffset: 50 }] };
    const session = new TraceSession(traces, { post: (method, params) => posted.push({ method, params } as HostMessage), imageUri: () => undefined, info: () => info, warn: () => undefined });
    session.handle({ method: 'traces/timeline', params: { promptId: 'q' } });
    for (let i = 0; i < 100 && !posted.length; i++) await sleep(10);
    const t = posted[0].params as TraceTimeline;
    assert.deepEqual(t.entries.map((e) => e.label), ['a step 1', 'a step 3', 'b step 1', 'eval b/step-1 (merged:4, greedy)']);
    assert.deepEqual(t.entries.map((e) => e.globalStep), [1, 3, 51, 51]);
    assert.deepEqual(t.entries.slice(1).map((e) => sideText(e.diff!, 'b')), ['one three', 'one three four', 'four']);
    assert.equal(t.problems.length, 1);
    assert.match(t.problems[0], /^evals\/b\.step-1\.jsonl:2: error: not valid JSON .*; line skipped$/);
    session.dispose();
    traces.dispose();
  });
});
