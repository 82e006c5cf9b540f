// The sample traces bundle in headless Chromium under the panel CSP: 100 k streamed traces with only a
// screenful of rows in the DOM, both ends of the list reachable, filters (also for traces that arrive
// later), incremental appends that keep the rows in view, an expanded trace (image, prompt, responses with
// <think> and \boxed{} highlighted, untrusted text kept as text), and state restored.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { openPanel, panelSuite, wrap, type PanelPage } from './harness/harness';
import type { RunInfo } from '../../protocol/messages';

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

const run: RunInfo = {
  key: '/ws/runs/demo/r1', label: 'r1', recipe: 'demo', runId: 'r1', stages: [
    { id: 'perception', kind: 'perception', state: 'succeeded', totalSteps: 6250, globalOffset: 0 },
    { id: 'textual', kind: 'textual-reasoning', state: 'running', totalSteps: 6250, globalOffset: 6250 },
  ],
};

/**
 * Delivers traces [from, to) made in the page, in host-sized batches, as VS Code would (JSON). Trace i:
 * stage perception below 50 000, step ⌊i/8⌋, 5 responses, the correct one (i mod 5) rewarded 1, odd wrong
 * ones 0.1 — so the mean reward is 0.22 when i mod 5 is odd, else 0.24.
 */
async function deliverTraces(p: PanelPage, from: number, to: number, imageUri = '') {
  await p.page.evaluate(([a, b, key, uri]) => {
    const g = globalThis as any;
    for (let start = a; start < b; start += 5000) {
      const items = [];
      for (let i = start; i < Math.min(b, start + 5000); i++) {
        items.push({
          run: key, step: Math.floor(i / 8), time: 1.7e9 + i, stage: i < 50_000 ? 'perception' : 'textual', task: 'count-shapes',
          prompt_id: `p${i}`, prompt: `How many red shapes are in image ${i}?`, ground_truth: String(i % 5), ...(uri ? { imageUri: uri } : {}),
          responses: [0, 1, 2, 3, 4].map((k) => ({
            text: `<think>I count ${k} red shapes.</think> So the answer is \\boxed{${k}}.`,
            reward: k === i % 5 ? 1 : 0.1 * (k % 2), accuracy: k === i % 5 ? 1 : 0, format: 1, advantage: k === i % 5 ? 1.79 : -0.45, length: 17 + k, answer: String(k),
          })),
        });
      }
      g.__deliver({ method: 'traces/items', params: { items } });
    }
  }, [from, to, run.key, imageUri] as const);
  await p.frames(2);
}

const listState = (p: PanelPage) => p.page.evaluate(() => {
  const g = globalThis as any;
  const root = g.document.querySelector('.list');
  const rows = [...root.querySelectorAll('.row')].map((r: any) => ({
    pos: Number(r.dataset.pos), prompt: r.querySelector('.prompt').textContent, stage: r.querySelector('.stage').textContent,
    top: r.getBoundingClientRect().top - root.getBoundingClientRect().top, height: r.offsetHeight,
  })).sort((a, b) => a.pos - b.pos);
  return { rows, scrollTop: root.scrollTop, scrollHeight: root.scrollHeight, clientHeight: root.clientHeight, count: g.document.querySelector('.count').textContent, stats: { ...g.s2tDebug.list.stats } };
});
/** Rows actually on screen (inside the list's box). */
const onScreen = (s: Awaited<ReturnType<typeof listState>>) => s.rows.filter((r) => r.top + r.height > 0 && r.top < s.clientHeight);

describe('traces webview (headless chromium)', function () {
  const suite = panelSuite((h) => h.fixtures.set('shape.png', { type: 'image/png', body: png(32, 32, [220, 40, 40]) }));
  before(() => mkdirSync(shots, { recursive: true }));
  const open = async () => {
    const p = await openPanel(suite.browser, suite.h, 'traces', { height: 800 });
    suite.panels.push(p);
    await p.deliver({ method: 'traces/runs', params: { runs: [run] } });
    return p;
  };
  const setField = async (p: PanelPage, name: string, value: string) => {
    await p.page.locator(`[data-filter="${name}"] input`).fill(value);
    await p.frames(2);
  };

  it('renders 100 k traces with a screenful of rows in the DOM; both ends reachable in both orders', async () => {
    const p = await open();
    await deliverTraces(p, 0, 100_000);
    let s = await listState(p);
    assert.equal(s.count, '100,000 traces');
    assert.ok(s.rows.length > 10 && s.rows.length <= 60, `${s.rows.length} rows in the DOM`);
    assert.equal(onScreen(s)[0].prompt, 'How many red shapes are in image 99999?', 'newest first');

    // Scroll through the whole list in 40 jumps: the DOM stays small, every render places rows at once.
    const renders: number[] = [];
    for (let k = 1; k <= 40; k++) {
      renders.push(await p.page.evaluate((f) => {
        const g = globalThis as any;
        const root = g.document.querySelector('.list');
        root.scrollTop = f * (root.scrollHeight - root.clientHeight);
        const t0 = g.performance.now();
        g.s2tDebug.list.render();
        return g.performance.now() - t0;
      }, k / 40));
      assert.ok((await p.page.locator('.row').count()) <= 60);
    }
    s = await listState(p);
    assert.equal(onScreen(s).pop()!.prompt, 'How many red shapes are in image 0?', 'the end of the list is the oldest trace');
    renders.sort((a, b) => a - b);
    console.log(`      render per scroll jump over 100 k traces: median ${renders[20].toFixed(2)} ms, max ${renders[39].toFixed(2)} ms`);

    // Oldest first while following: the view goes to the newest end, at the bottom; the top is trace 0.
    await p.page.click('[data-action="order"]');
    await p.frames(3);
    s = await listState(p);
    assert.equal(onScreen(s).pop()!.prompt, 'How many red shapes are in image 99999?', 'the end of the list shows the last item');
    assert.ok(s.rows.length <= 60);
    await p.page.screenshot({ path: join(shots, 'traces-100k-end.png') });
    await p.page.evaluate(() => ((globalThis as any).document.querySelector('.list').scrollTop = 0));
    await p.frames(3);
    assert.equal(onScreen(await listState(p))[0].prompt, 'How many red shapes are in image 0?', 'oldest first');
  });

  it('filters by stage, step range and mean reward — and applies the filter to traces streamed later', async () => {
    const p = await open();
    await deliverTraces(p, 0, 100_000);
    await p.page.locator('select[data-filter="stage"]').selectOption('textual');
    await p.frames(2);
    let s = await listState(p);
    assert.equal(s.count, '50,000 of 100,000 traces');
    assert.ok(s.rows.every((r) => r.stage === 'textual'));

    await p.page.locator('select[data-filter="stage"]').selectOption('');
    await setField(p, 'stepMin', '100');
    await setField(p, 'stepMax', '101');
    s = await listState(p);
    assert.equal(s.count, '16 of 100,000 traces', 'steps 100 and 101, 8 traces each');
    assert.deepEqual(s.rows.map((r) => r.prompt.match(/\d+/)![0]).map(Number).sort((a, b) => a - b), Array.from({ length: 16 }, (_, k) => 800 + k));

    await setField(p, 'stepMin', '');
    await setField(p, 'stepMax', 'not a number');
    assert.equal((await listState(p)).count, '100,000 traces', 'a junk bound is no bound');
    assert.equal(await p.page.locator('[data-filter="stepMax"]').evaluate((e: any) => e.invalid), true, 'and is marked invalid');
    await setField(p, 'stepMax', '');
    await setField(p, 'rewardMin', '0.23');
    assert.equal((await listState(p)).count, '60,000 of 100,000 traces', 'mean reward 0.24 when i mod 5 is even');

    await deliverTraces(p, 100_000, 100_010);
    assert.equal((await listState(p)).count, '60,006 of 100,010 traces', 'streamed traces filtered on arrival');
  });

  it('filters by run when several runs stream traces, and labels each row with its run', async () => {
    const p = await open();
    const other: RunInfo = { ...run, key: '/ws/runs/demo/r2', label: 'merged', runId: 'r2' };
    await p.deliver({ method: 'traces/runs', params: { runs: [run, other] } });
    await deliverTraces(p, 0, 30);
    await p.page.evaluate(([key]) => {
      const items = Array.from({ length: 12 }, (_, i) => ({ run: key, step: i, time: 0, stage: 'merged', task: 'count', prompt_id: `m${i}`, prompt: `merged prompt ${i}`, ground_truth: '1', responses: [] }));
      (globalThis as any).__deliver({ method: 'traces/items', params: { items } });
    }, [other.key] as const);
    await p.frames(2);
    assert.equal((await listState(p)).count, '42 traces');
    assert.equal(await p.page.locator('.row[data-pos="0"] .run').textContent(), 'merged');
    await p.page.locator('select[data-filter="run"]').selectOption(other.key);
    await p.frames(2);
    const s = await listState(p);
    assert.equal(s.count, '12 of 42 traces');
    assert.ok(s.rows.every((r) => r.prompt.startsWith('merged prompt')));
    assert.deepEqual(await p.page.locator('select[data-filter="stage"] option').allTextContents(), ['All stages', 'merged', 'perception', 'textual']);
  });

  it('appends streamed traces without rebuilding the rows in view, following or holding still', async () => {
    const p = await open();
    await deliverTraces(p, 0, 100_000);
    const mark = () => p.page.evaluate(() => {
      for (const r of (globalThis as any).document.querySelectorAll('.row')) r.__kept = true;
    });
    const kept = () => p.page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.row')].map((r: any) => r.__kept === true));
    await mark();
    const before = await listState(p);
    await deliverTraces(p, 100_000, 100_001);
    const after = await listState(p);
    assert.equal(after.stats.rowsBuilt - before.stats.rowsBuilt, 1, 'one row built: the new one');
    assert.equal((await kept()).filter((k) => !k).length, 1, 'every other row is the same element');
    assert.equal(onScreen(after)[0].prompt, 'How many red shapes are in image 100000?', 'following: the new trace is at the top');

    // Not following, scrolled into the middle: new traces arrive above without moving what is being read.
    await p.page.click('[data-action="follow"]');
    await p.page.evaluate(() => ((globalThis as any).document.querySelector('.list').scrollTop = 500_000));
    await p.frames(2);
    const reading = onScreen(await listState(p))[1].prompt;
    await deliverTraces(p, 100_001, 100_006);
    assert.equal(onScreen(await listState(p))[1].prompt, reading, 'the view holds still');
  });

  it('expands a trace: image, prompt, truth, every response with <think> and \\boxed{} highlighted; untrusted text stays text', async () => {
    const p = await open();
    const evil = '<img src=x onerror="globalThis.__pwned=1"><script>globalThis.__pwned=2</script>';
    await p.page.evaluate(([key, uri, bad]) => {
      const mk = (i: number, extra: object) => ({
        run: key, step: i, time: 0, stage: 'perception', task: 'count', prompt_id: `q${i}`, prompt: `prompt ${i} ${bad}`, ground_truth: '3',
        responses: [
          { text: `<think>two red and ${bad} one more</think> \\boxed{\\frac{6}{2}} done`, reward: 1, accuracy: 1, format: 1, advantage: 0.8, length: 21, answer: '3' },
          { text: 'no format at all', reward: 0, accuracy: 0, format: 0, advantage: -0.8, length: 4, answer: null },
        ],
        ...extra,
      });
      (globalThis as any).__deliver({ method: 'traces/items', params: { items: [
        mk(1, { imageUri: 'javascript:globalThis.__pwned=3' }), mk(2, { imageUri: 'http://evil.example/x.png' }), mk(3, { imageUri: uri }), mk(4, {}),
      ] } });
    }, [run.key, `${suite.h.origin}/fixtures/shape.png`, evil] as const);
    await p.frames(2);
    const row = (pos: number) => p.page.locator(`.row[data-pos="${pos}"]`);
    // Newest first: prompt 4, 3, 2, 1. Expand the one with the served image (prompt 3).
    await row(1).locator('.summary').click();
    await p.frames(3);
    const detail = p.page.locator('.row.expanded .detail');
    await detail.waitFor();
    const img = detail.locator('img.trace-image');
    await p.page.waitForFunction(() => (globalThis as any).document.querySelector('img.trace-image')?.complete);
    assert.equal(await img.evaluate((e: any) => e.naturalWidth), 32, 'the image loaded under img-src');
    assert.equal(await detail.locator('.prompt-full').textContent(), `prompt 3 ${evil}`);
    assert.equal(await detail.locator('.truth').textContent(), '3');
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

  it('restores filters, order, follow and expanded rows when the panel comes back, or from the host', async () => {
    const p = await open();
    await deliverTraces(p, 0, 200);
    await p.page.locator('select[data-filter="stage"]').selectOption('perception');
    await setField(p, 'rewardMax', '0.22');
    await p.page.click('[data-action="order"]');
    await p.page.click('[data-action="follow"]');
    const pos = onScreen(await listState(p))[2].pos;
    await p.page.locator(`.row[data-pos="${pos}"] .summary`).click();
    await p.frames(2);
    const expandedPrompt = await p.page.locator('.row.expanded .prompt').textContent();
    const saved = await p.page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state')));
    assert.deepEqual(saved.filter, { stage: 'perception', rewardMax: 0.22 });
    assert.equal(saved.newestFirst, false);
    assert.equal(saved.follow, false);
    assert.equal(saved.expanded.length, 1);

    await p.page.reload();
    await p.page.waitForFunction(() => (globalThis as any).__posted.some((m: { method: string }) => m.method === 'ready'));
    const q = wrap(p.page, p.consoleErrors);
    suite.panels[0] = q;
    await q.deliver({ method: 'traces/runs', params: { runs: [run] } });
    await deliverTraces(q, 0, 200);
    assert.equal(await q.page.locator('select[data-filter="stage"]').inputValue(), 'perception');
    assert.equal(await q.page.locator('[data-filter="rewardMax"] input').inputValue(), '0.22');
    assert.equal(await q.page.locator('[data-action="order"]').innerText(), 'Oldest first');
    assert.equal((await listState(q)).count, '80 of 200 traces');
    assert.equal(await q.page.locator('.row.expanded .prompt').textContent(), expandedPrompt);

    const r = await open();
    await r.deliver({ method: 'init', params: { panel: 'traces', state: { ...saved, filter: { stepMin: 10 } } } });
    await deliverTraces(r, 0, 200);
    assert.equal((await listState(r)).count, '120 of 200 traces', 'host state applied (steps 10..24)');
  });
});
