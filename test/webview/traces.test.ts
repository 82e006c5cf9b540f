// The sample traces bundle in headless Chromium under the panel CSP, answered by the real host side (the
// TraceSession over a real run folder's traces.jsonl files; only VS Code's postMessage is played by the
// harness): 100 k traces with a screenful of rows in the DOM and only the pages in view asked for, both ends
// reachable, filters, search and sort run on the host (also over traces written later), appends that keep
// the rows in view, an expanded trace (image, responses highlighted, untrusted text kept as text), a prompt's
// timeline with word diffs, and state restored.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdirSync, mkdtempSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { openPanel, panelSuite, wrap, type PanelPage } from './harness/harness';
import { parseWebviewMessage, type RunInfo } from '../../protocol/messages';
import { createRun } from '../../core/rundir/runDir';
import { RunTraces } from '../../extension/runs/runTraces';
import { TraceSession } from '../../extension/runs/traceSession';
import type { Page } from 'playwright-core';

const shots = join(__dirname, '../../test-results/webview');

/** A w×h RGB PNG, one colour (a real image file for the img-src path). */
function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(Array(h).fill(row)))), chunk('IEND', Buffer.alloc(0))]);
}

const RECIPE = 'name: demo\nstages:\n  - id: perception\n    kind: perception\n    steps: 6250\n  - id: textual\n    kind: textual-reasoning\n    init_from: perception\n    steps: 6250\n';

/**
 * Trace i: stage perception below 50 000, step ⌊i/8⌋, 5 responses, the correct one (i mod 5) rewarded 1, odd
 * wrong ones 0.1 — so the mean reward is 0.22 when i mod 5 is odd, else 0.24. Response k is 17 + k + (i mod 7)
 * tokens long; prompts recur every 1000 traces.
 */
function traceLine(i: number, over: Record<string, unknown> = {}): string {
  const rec = {
    step: Math.floor(i / 8), time: 1.7e9 + i, stage: i < 50_000 ? 'perception' : 'textual', task: 'count-shapes',
    prompt_id: `p${i % 1000}`, prompt: `How many red shapes are in image ${i}?`, ground_truth: String(i % 5),
    responses: [0, 1, 2, 3, 4].map((k) => ({
      text: `<think>I count ${k} red shapes${i % 1000 === 7 ? ` in round ${Math.floor(i / 1000)}` : ''}.</think> So the answer is \\boxed{${k}}.`,
      reward: k === i % 5 ? 1 : 0.1 * (k % 2), accuracy: k === i % 5 ? 1 : 0, format: 1, advantage: k === i % 5 ? 1.79 : -0.45, length: 17 + k + (i % 7), answer: String(k),
    })),
    ...over,
  };
  return JSON.stringify(rec) + '\n';
}

interface Host {
  p: PanelPage;
  runDir: string;
  traces: RunTraces;
  session: TraceSession;
  /** Appends traces [from, to) to their stage files and lets the index read them. */
  append(from: number, to: number): Promise<void>;
}

describe('traces webview (headless chromium, real host session)', function () {
  this.timeout(120000);
  const suite = panelSuite((h) => h.fixtures.set('shape.png', { type: 'image/png', body: png(32, 32, [220, 40, 40]) }));
  before(() => mkdirSync(shots, { recursive: true }));
  const hosts: Host[] = [];
  afterEach(() => {
    for (const h of hosts.splice(0)) {
      h.session.dispose();
      h.traces.dispose();
    }
  });

  /** A run folder with traces [0, n) (or the given lines per stage). */
  function makeRun(n: number, lines?: Record<string, string[]>): string {
    const dir = mkdtempSync(join(tmpdir(), 's2t-wv-traces-'));
    writeFileSync(join(dir, 'demo.recipe.yaml'), RECIPE);
    const runDir = createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: 'r1' }).runDir;
    for (const stage of ['perception', 'textual']) {
      const fd = openSync(join(runDir, 'stages', stage, 'traces.jsonl'), 'w');
      if (lines) writeSync(fd, (lines[stage] ?? []).join(''));
      else {
        const [a, b] = stage === 'perception' ? [0, Math.min(n, 50_000)] : [50_000, n];
        for (let s = a; s < b; s += 5000) writeSync(fd, Array.from({ length: Math.min(b, s + 5000) - s }, (_, k) => traceLine(s + k)).join(''));
      }
      closeSync(fd);
    }
    return runDir;
  }

  const runInfo = (runDir: string): RunInfo => ({
    key: runDir, label: 'r1', recipe: 'demo', runId: 'r1', stages: [
      { id: 'perception', kind: 'perception', state: 'succeeded', totalSteps: 6250, globalOffset: 0 },
      { id: 'textual', kind: 'textual-reasoning', state: 'running', totalSteps: 6250, globalOffset: 6250 },
    ],
  });

  /** Opens the page answered by a real session over `runDir` (a reload gets a new page on the same session). */
  async function open(runDir: string, imageUri: (stage: string, image: string) => string | undefined = () => undefined, existing?: Host): Promise<Host> {
    const traces = existing?.traces ?? new RunTraces(runDir, ['perception', 'textual']);
    let page!: Page;
    const queue: unknown[] = [];
    let sending = Promise.resolve();
    const deliver = (m: unknown) => {
      queue.push(m);
      sending = sending.then(() => page.evaluate((x) => (globalThis as any).__deliver(x), queue.shift()).catch(() => undefined));
    };
    const session = existing?.session ?? new TraceSession(traces, { post: (method, params) => deliver({ method, params }), imageUri, info: () => runInfo(runDir), warn: () => undefined });
    const bind = async (pg: Page) => {
      page = pg;
      await pg.exposeFunction('__toHost', (raw: unknown) => {
        const m = parseWebviewMessage(raw);
        assert.ok(m, `the page posted a message the host rejects: ${JSON.stringify(raw).slice(0, 200)}`);
        if (m.method === 'ready') {
          session.reset();
          deliver({ method: 'traces/runs', params: { runs: [runInfo(runDir)] } });
        }
        session.handle(m);
      });
    };
    const p = await openPanel(suite.browser, suite.h, 'traces', { height: 800, beforeLoad: bind });
    suite.panels.push(p);
    const h: Host = {
      p, runDir, traces, session,
      async append(from, to) {
        for (let i = from; i < to; i++) appendFileSync(join(runDir, 'stages', i < 50_000 ? 'perception' : 'textual', 'traces.jsonl'), traceLine(i));
        await traces.refresh();
      },
    };
    if (!existing) hosts.push(h);
    return h;
  }

  const listState = (p: PanelPage) => p.page.evaluate(() => {
    const g = globalThis as any;
    const root = g.document.querySelector('.list');
    const rows = [...root.querySelectorAll('.row:not(.pending)')].map((r: any) => ({
      pos: Number(r.dataset.pos), prompt: r.querySelector('.prompt').textContent, stage: r.querySelector('.stage').textContent,
      len: r.querySelector('.len').textContent, mean: r.querySelector('.mean').textContent,
      top: r.getBoundingClientRect().top - root.getBoundingClientRect().top, height: r.offsetHeight,
    })).sort((a, b) => a.pos - b.pos);
    return {
      rows, pending: root.querySelectorAll('.row.pending').length, scrollTop: root.scrollTop, scrollHeight: root.scrollHeight, clientHeight: root.clientHeight,
      count: g.document.querySelector('.toolbar .count').textContent, stats: { ...g.s2tDebug.list.stats }, held: g.s2tDebug.list.cache.size,
    };
  });
  /** Rows actually on screen (inside the list's box). */
  const onScreen = (s: Awaited<ReturnType<typeof listState>>) => s.rows.filter((r) => r.top + r.height > 0 && r.top < s.clientHeight);
  /** Waits until the count reads `text` and the rows in view have arrived. */
  const settled = async (p: PanelPage, text: string | RegExp) => {
    await p.frames(2);
    await p.page.waitForFunction(([t, isRe]) => {
      const g = globalThis as any;
      const c = g.document.querySelector('.toolbar .count')?.textContent ?? '';
      const list = g.s2tDebug.list;
      const rows = g.document.querySelectorAll('.list .row:not(.pending)').length;
      return !g.s2tDebug.typing() && list.frame === 0 && (isRe ? new RegExp(t).test(c) : c === t)
        && g.document.querySelectorAll('.list .row.pending').length === 0 && (rows > 0) === (list.count > 0);
    }, [typeof text === 'string' ? text : text.source, typeof text !== 'string'] as const, { timeout: 30000 });
    await p.frames(2);
    return listState(p);
  };
  const setField = async (p: PanelPage, name: string, value: string) => {
    await p.page.locator(`[data-filter="${name}"] input`).fill(value);
  };
  const num = (prompt: string) => Number(prompt.match(/\d+/)![0]);

  it('pages 100 k traces: a screenful of rows in the DOM, only the pages in view asked for; both ends reachable in both orders', async () => {
    const { p } = await open(makeRun(100_000));
    let s = await settled(p, '100,000 traces');
    assert.ok(s.rows.length > 10 && s.rows.length <= 60, `${s.rows.length} rows in the DOM`);
    assert.equal(onScreen(s)[0].prompt, 'How many red shapes are in image 99999?', 'newest first');
    assert.ok(s.stats.requests <= 4, `${s.stats.requests} pages asked for`);

    // Jump through the whole list: the DOM stays small, the page holds a bounded number of rows.
    for (let k = 1; k <= 20; k++) {
      await p.page.evaluate((f) => {
        const root = (globalThis as any).document.querySelector('.list');
        root.scrollTop = f * (root.scrollHeight - root.clientHeight);
      }, k / 20);
      await p.frames(2);
      assert.ok((await p.page.locator('.row').count()) <= 60);
    }
    s = await settled(p, '100,000 traces');
    assert.equal(onScreen(s).pop()!.prompt, 'How many red shapes are in image 0?', 'the end of the list is the oldest trace');
    assert.ok(s.held <= 1000, `the page holds ${s.held} rows`);
    console.log(`      pages asked for while jumping through 100 k traces: ${s.stats.requests}; rows held by the page: ${s.held}`);

    // Oldest first while following: the view goes to the newest end, at the bottom; the top is trace 0.
    await p.page.click('[data-action="order"]');
    await p.page.waitForFunction(() => (globalThis as any).document.querySelector('.list').scrollTop > 0);
    s = await settled(p, '100,000 traces');
    assert.equal(onScreen(s).pop()!.prompt, 'How many red shapes are in image 99999?', 'the end of the list shows the last trace');
    assert.ok(s.rows.length <= 60);
    await p.page.screenshot({ path: join(shots, 'traces-100k-end.png') });
    await p.page.evaluate(() => ((globalThis as any).document.querySelector('.list').scrollTop = 0));
    s = await settled(p, '100,000 traces');
    assert.equal(onScreen(s)[0].prompt, 'How many red shapes are in image 0?', 'oldest first');
  });

  it('filters by stage, step range and mean reward on the host — also traces written later', async () => {
    const h = await open(makeRun(100_000));
    const { p } = h;
    await settled(p, '100,000 traces');
    await p.page.locator('select[data-filter="stage"]').selectOption('textual');
    let s = await settled(p, '50,000 of 100,000 traces');
    assert.ok(s.rows.every((r) => r.stage === 'textual'));

    await p.page.locator('select[data-filter="stage"]').selectOption('');
    await setField(p, 'stepMin', '100');
    await setField(p, 'stepMax', '101');
    s = await settled(p, '16 of 100,000 traces');
    assert.deepEqual(s.rows.map((r) => num(r.prompt)).sort((a, b) => a - b), Array.from({ length: 16 }, (_, k) => 800 + k), 'steps 100 and 101, 8 traces each');

    await setField(p, 'stepMin', '');
    await setField(p, 'stepMax', 'not a number');
    await settled(p, '100,000 traces');
    assert.equal(await p.page.locator('[data-filter="stepMax"]').evaluate((e: any) => e.invalid), true, 'a junk bound is no bound, marked invalid');
    await setField(p, 'stepMax', '');
    await setField(p, 'rewardMin', '0.23');
    await settled(p, '60,000 of 100,000 traces');

    await h.append(100_000, 100_010);
    await settled(p, '60,006 of 100,010 traces');
  });

  it('searches prompts and responses on the host, case-insensitively, marking matches; sorts by length, reward and advantage', async () => {
    const { p } = await open(makeRun(20_000));
    await settled(p, '20,000 traces');
    await setField(p, 'search', 'IN ROUND 1');
    let s = await settled(p, '11 of 20,000 traces');
    assert.deepEqual(s.rows.map((r) => num(r.prompt)), [19007, 18007, 17007, 16007, 15007, 14007, 13007, 12007, 11007, 10007, 1007], '"in round 1" and "in round 1x", newest first');
    await p.page.locator('.row[data-pos="0"] .summary').click();
    await p.page.locator('.row.expanded mark.match').first().waitFor();
    assert.deepEqual([...new Set(await p.page.locator('.row.expanded mark.match').allTextContents())], ['in round 1'], 'matches marked in the responses');
    await p.page.locator('.row[data-pos="0"] .summary').click();

    await setField(p, 'search', 'image 1999');
    s = await settled(p, '11 of 20,000 traces');
    assert.deepEqual(s.rows.map((r) => num(r.prompt)), [19999, 19998, 19997, 19996, 19995, 19994, 19993, 19992, 19991, 19990, 1999]);
    await setField(p, 'search', 'Image 1999?');
    s = await settled(p, '1 of 20,000 traces');
    assert.equal(await p.page.locator('.row[data-pos="0"] mark.match').textContent(), 'image 1999?', 'matches marked in the prompt');

    // Sort the whole run by the longest response: 21 + 6 tokens when i mod 7 is 6, highest first.
    await setField(p, 'search', '');
    await p.page.locator('select[data-filter="sort"]').selectOption('length');
    s = await settled(p, '20,000 traces');
    assert.equal(await p.page.locator('[data-action="order"]').innerText(), 'Highest first');
    assert.ok(s.rows.every((r) => r.len === '27 tok'), s.rows.map((r) => r.len).join());
    assert.ok(onScreen(s).every((r) => num(r.prompt) % 7 === 6));
    await p.page.click('[data-action="order"]');
    s = await settled(p, '20,000 traces');
    assert.ok(onScreen(s).every((r) => r.len === '21 tok' && num(r.prompt) % 7 === 0), 'lowest first');
    await p.page.locator('select[data-filter="sort"]').selectOption('reward');
    s = await settled(p, '20,000 traces');
    assert.ok(onScreen(s).every((r) => r.mean === '0.22'), 'lowest mean reward first');
    assert.equal(onScreen(s)[0].prompt, 'How many red shapes are in image 19998?', 'ties: newest first (19998 mod 5 is odd: mean 0.22)');
  });

  it('traces written while the view is open stream in without rebuilding the rows in view, following or holding still', async () => {
    const h = await open(makeRun(100_000));
    const { p } = h;
    await settled(p, '100,000 traces');
    const mark = () => p.page.evaluate(() => {
      for (const r of (globalThis as any).document.querySelectorAll('.row')) r.__kept = true;
    });
    const kept = () => p.page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.row')].map((r: any) => r.__kept === true));
    await mark();
    const before = await listState(p);
    await h.append(100_000, 100_001);
    const after = await settled(p, '100,001 traces');
    assert.equal(after.stats.rowsBuilt - before.stats.rowsBuilt, 1, 'one row built: the new one');
    assert.equal((await kept()).filter((k) => !k).length, 1, 'every other row is the same element');
    assert.equal(onScreen(after)[0].prompt, 'How many red shapes are in image 100000?', 'following: the new trace is at the top');

    // Not following, scrolled into the middle: new traces arrive above without moving what is being read.
    await p.page.click('[data-action="follow"]');
    await p.page.evaluate(() => ((globalThis as any).document.querySelector('.list').scrollTop = 500_000));
    const reading = onScreen(await settled(p, '100,001 traces'))[1].prompt;
    await h.append(100_001, 100_006);
    assert.equal(onScreen(await settled(p, '100,006 traces'))[1].prompt, reading, 'the view holds still');
  });

  it('expands a trace: image, prompt, truth, every response with <think> and \\boxed{} highlighted; untrusted text stays text', async () => {
    const evil = '<img src=x onerror="globalThis.__pwned=1"><script>globalThis.__pwned=2</script>';
    const mk = (i: number, image: string) => JSON.stringify({
      step: i, time: i, stage: 'perception', task: 'count', prompt_id: `q${i}`, prompt: `prompt ${i} ${evil}`, ground_truth: '3', image,
      responses: [
        { text: `<think>two red and ${evil} one more</think> \\boxed{\\frac{6}{2}} done`, reward: 1, accuracy: 1, format: 1, advantage: 0.8, length: 21, answer: '3' },
        { text: 'no format at all', reward: 0, accuracy: 0, format: 0, advantage: -0.8, length: 4, answer: null },
      ],
    }) + '\n';
    const runDir = makeRun(0, { perception: [mk(1, 'samples/js.png'), mk(2, 'samples/far.png'), mk(3, 'samples/shape.png'), mk(4, '')] });
    // The host's image URIs: the served fixture for one, and what a compromised host could send for the others.
    const uris: Record<string, string> = { 'samples/js.png': 'javascript:globalThis.__pwned=3', 'samples/far.png': 'http://evil.example/x.png', 'samples/shape.png': `${suite.h.origin}/fixtures/shape.png` };
    const { p } = await open(runDir, (_stage, image) => uris[image]);
    await settled(p, '4 traces');
    const row = (pos: number) => p.page.locator(`.row[data-pos="${pos}"]`);
    // Newest first: prompt 4, 3, 2, 1. Expand the one with the served image (prompt 3).
    await row(1).locator('.summary').click();
    const detail = p.page.locator('.row.expanded .detail');
    await detail.waitFor();
    const img = detail.locator('img.trace-image');
    await p.page.waitForFunction(() => (globalThis as any).document.querySelector('img.trace-image')?.complete);
    assert.equal(await img.evaluate((e: any) => e.naturalWidth), 32, 'the image loaded under img-src');
    assert.equal(await detail.locator('.prompt-full').textContent(), `prompt 3 ${evil}`);
    assert.equal(await detail.locator('.truth').textContent(), '3');
    assert.match(await detail.locator('.meta-line').innerText(), /task count · prompt q3 · step 3 · line 3/);
    const first = detail.locator('.response').first();
    assert.deepEqual(await first.locator('.tag').allTextContents(), ['<think>', '</think>']);
    assert.equal(await first.locator('.boxed').textContent(), '\\boxed{\\frac{6}{2}}');
    assert.equal((await first.locator('.think').allTextContents()).join(''), `<think>two red and ${evil} one more</think>`);
    assert.match(await first.locator('.resp-meta').innerText(), /reward 1.*acc 1.*format 1.*adv 0\.8.*21 tokens.*answer 3 ✓/s);
    assert.match(await detail.locator('.response').nth(1).locator('.answer').innerText(), /no \\boxed\{\} answer/);
    assert.equal(await p.page.locator('img').count(), 1, 'the only image is the trace image');
    assert.equal(await p.page.evaluate(() => (globalThis as any).__pwned), undefined);

    // The expanded row's measured height moves the rows below it.
    const s = await listState(p);
    const [r1, r2] = [s.rows.find((r) => r.pos === 1)!, s.rows.find((r) => r.pos === 2)!];
    assert.ok(r1.height > 150, `expanded height ${r1.height}`);
    assert.equal(Math.round(r2.top), Math.round(r1.top + r1.height), 'next row right below the expanded one');
    await p.page.screenshot({ path: join(shots, 'traces-expanded.png') });

    // The unsafe image URIs were never set; the other rows expand without an image.
    for (const n of [2, 3]) await row(n).locator('.summary').click();
    await p.frames(3);
    assert.equal(await p.page.locator('img').count(), 1);
    await row(1).locator('.summary').click();
    await p.frames(2);
    assert.equal(await p.page.locator('.row.expanded').count(), 2, 'collapsed again');
  });

  it('shows a prompt\'s timeline: every step that sampled it and every evaluation, with the word diff from the one before', async () => {
    const runDir = makeRun(12_000);
    mkdirSync(join(runDir, 'evals'));
    writeFileSync(join(runDir, 'evals', 'textual.step-1500.jsonl'), [
      JSON.stringify({ type: 'header', checkpoint: 'demo/r1/textual/step-1500', set: 'merged:24', sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 1, created: '' }),
      JSON.stringify({ prompt_id: 'p7', prompt: 'How many red shapes?', ground_truth: '2', response: '<think>I count 2 red shapes in the end.</think> \\boxed{2}', answer: '2', correct: true, reward: 1, length: 12 }),
    ].join('\n') + '\n');
    const { p } = await open(runDir);
    await settled(p, '12,000 traces');
    await setField(p, 'search', 'image 11007?');
    await settled(p, '1 of 12,000 traces');
    await p.page.locator('.row[data-pos="0"] .summary').click();
    await p.page.locator('.row.expanded [data-action="timeline"]').click();
    await p.page.locator('.tl-entry').first().waitFor();
    const entries = await p.page.locator('.tl-entry').evaluateAll((els) => els.map((e: any) => ({ kind: e.dataset.kind, label: e.querySelector('.tl-label').textContent })));
    // Prompt p7 is sampled every 1000 traces (steps 0, 125, …, 1375) and was evaluated at textual/step-1500.
    assert.deepEqual(entries.map((e) => e.label), [...Array.from({ length: 12 }, (_, k) => `${k * 1000 + 7 < 50_000 ? 'perception' : 'textual'} step ${Math.floor((k * 1000 + 7) / 8)}`), 'eval textual/step-1500 (merged:24, t=0.6 top-p=0.95 n=1)']);
    assert.equal(entries.at(-1)!.kind, 'eval');
    // Entry 2 (round 2) against entry 1 (round 1): the round number changed, the rest is kept.
    const second = p.page.locator('.tl-entry[data-index="2"] .resp-text.diff');
    assert.deepEqual(await second.locator('del').allTextContents(), ['1']);
    assert.deepEqual(await second.locator('ins').allTextContents(), ['2']);
    assert.equal(await p.page.locator('.tl-entry[data-index="0"] .resp-text.diff').count(), 0, 'the first entry is shown whole');
    assert.match(await p.page.locator('.timeline-pane .count').textContent() ?? '', /^12 training step\(s\), 1 evaluation\(s\)$/);
    await p.page.screenshot({ path: join(shots, 'traces-timeline.png') });
    const drawn = (await p.posted('traces/drawn')).map((m) => m.params.timeline).filter((x) => x !== undefined);
    assert.deepEqual(drawn, [13], 'the page acknowledged drawing the timeline');
    await p.page.click('[data-action="close-timeline"]');
    await p.page.locator('.list:not(.hidden) .row').first().waitFor();
  });

  it('restores filters, search, sort, follow, expanded rows and an open timeline when the panel comes back', async () => {
    const h = await open(makeRun(200));
    const { p } = h;
    await settled(p, '200 traces');
    await p.page.locator('select[data-filter="stage"]').selectOption('perception');
    await setField(p, 'rewardMax', '0.22');
    await setField(p, 'search', 'red');
    await p.page.click('[data-action="order"]');
    await p.page.click('[data-action="follow"]');
    const s = await settled(p, '80 of 200 traces');
    const pos = onScreen(s)[2].pos;
    await p.page.locator(`.row[data-pos="${pos}"] .summary`).click();
    await p.frames(2);
    const expandedPrompt = await p.page.locator('.row.expanded .prompt').textContent();
    await p.page.locator('.row.expanded [data-action="timeline"]').click();
    await p.page.locator('.tl-entry').first().waitFor();
    const saved = await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')));
    assert.deepEqual(saved.filter, { stage: 'perception', rewardMax: 0.22 });
    assert.equal(saved.search, 'red');
    assert.equal(saved.descending, false);
    assert.equal(saved.follow, false);
    assert.equal(saved.expanded.length, 1);
    assert.match(saved.timeline, /^p\d+$/);

    await p.page.reload();
    await p.page.waitForFunction(() => (globalThis as any).__posted.some((m: { method: string }) => m.method === 'ready'));
    const q = wrap(p.page, p.consoleErrors);
    suite.panels[0] = q;
    await q.page.locator('.tl-entry').first().waitFor();
    await q.page.click('[data-action="close-timeline"]');
    await settled(q, '80 of 200 traces');
    assert.equal(await q.page.locator('select[data-filter="stage"]').inputValue(), 'perception');
    assert.equal(await q.page.locator('[data-filter="rewardMax"] input').inputValue(), '0.22');
    assert.equal(await q.page.locator('[data-filter="search"] input').inputValue(), 'red');
    assert.equal(await q.page.locator('[data-action="order"]').innerText(), 'Oldest first');
    assert.equal(await q.page.locator('.row.expanded .prompt').textContent(), expandedPrompt);
  });
});
