// The trace diff panel in headless chromium under its real CSP: it renders a known comparison (summary
// numbers, word diff with removed/added words and boxed answers, the prompt image — checked in pixels),
// stays virtualised on thousands of prompts, filters by flip class, sorts by length change, asks for
// details of visible rows only, posts Open in Diff Editor, keeps hostile model text inert, restores state.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import type { EvalHeader, EvalRecord } from '../../protocol/runRecords';
import { encodeJsonLine } from '../../protocol/jsonLines';
import { parseEvalText } from '../../core/diff/evalFile';
import { compareEvals, type Comparison } from '../../core/diff/comparison';
import { openPanel, panelSuite, type Harness, type PanelPage } from './harness/harness';

const OUT = join(__dirname, '../../test-results/webview');
const N = 3000;

/** 32×32 PNG: left half pure red, right half white. */
function redLeftPng(): string {
  const png = new PNG({ width: 32, height: 32 });
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
    const i = (y * 32 + x) * 4;
    const red = x < 16;
    png.data[i] = 255; png.data[i + 1] = red ? 0 : 255; png.data[i + 2] = red ? 0 : 255; png.data[i + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function comparison(): Comparison {
  const header = (checkpoint: string): EvalHeader => ({ type: 'header', checkpoint, set: 'visual-reasoning:3000', sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 1, created: 'now' });
  const rec = (id: string, response: string, answer: string, correct: boolean, length: number, extra: Partial<EvalRecord> = {}): EvalRecord =>
    ({ type: 'answer', prompt_id: id, task: 'visual-reasoning', prompt: `Remove the red shapes. How many are left? [${id}]`, ground_truth: '3', response, answer, correct, reward: correct ? 1 : 0.1, length, ...extra });
  const A: EvalRecord[] = [
    rec('known', '<think>red=2 blue=3, so 5-2=3</think> \\boxed{3}', '3', true, 30, { image: redLeftPng() }),
    rec('hostile', `<think>${HOSTILE}</think> \\boxed{1}`, '1', false, 40),
  ];
  const B: EvalRecord[] = [
    rec('known', '<think>red=2 blue=4, so 5-2=3</think> \\boxed{2}', '2', false, 24),
    rec('hostile', `<think>${HOSTILE} fixed</think> \\boxed{3}`, '3', true, 44),
  ];
  for (let i = 2; i < N; i++) {
    const id = `p${String(i).padStart(5, '0')}`;
    const okA = i % 3 === 0;
    const okB = i % 4 !== 1;
    const la = 40 + (i % 50);
    const lb = la - (i % 17) + 4;
    A.push(rec(id, `<think>${'step '.repeat(i % 7 + 1)}count ${i}</think> \\boxed{${okA ? 3 : 4}}`, okA ? '3' : '4', okA, la, { perception_ok: i % 2 === 0 }));
    B.push(rec(id, `<think>${'step '.repeat(i % 5 + 1)}count ${i}</think> \\boxed{${okB ? 3 : 5}}`, okB ? '3' : '5', okB, lb, { perception_ok: i % 5 !== 0 }));
  }
  const text = (h: EvalHeader, rs: EvalRecord[]) => [h, ...rs].map((r) => encodeJsonLine(r)).join('\n') + '\n';
  return compareEvals(parseEvalText(text(header('staged/visual/step-40'), A), 'a.jsonl'), parseEvalText(text(header('merged/merged/step-40'), B), 'b.jsonl'));
}

/**
 * The diff panel on W's harness page, with the test playing the panel host: it delivers the comparison
 * ('diff/data') and answers every 'diff/details' request from a real Comparison, as DiffPanel does.
 */
interface DiffPage extends PanelPage {
  show(): Promise<void>;
  /** Answers the page's pending detail requests until `until` holds (or 10 s pass). */
  serve(until?: () => Promise<boolean>): Promise<void>;
  requestedIds(): Promise<string[]>;
}

async function openDiff(browser: Browser, h: Harness, c: Comparison): Promise<DiffPage> {
  const pp = await openPanel(browser, h, 'diff', { width: 1200, height: 900 });
  let answered = 0;
  const serve = async (until?: () => Promise<boolean>) => {
    const end = Date.now() + 10000;
    for (;;) {
      const reqs = await pp.posted('diff/details');
      for (const r of reqs.slice(answered)) {
        const details = (r.params.ids as string[]).map((id) => c.detail(id)).filter(Boolean);
        await pp.deliver({ method: 'diff/details', params: { details } });
      }
      answered = reqs.length;
      if (!until || (await until()) || Date.now() > end) return;
      await pp.frames(1);
    }
  };
  return Object.assign(pp, {
    async show() {
      answered = 0;
      await pp.deliver({ method: 'diff/data', params: { summary: c.summary, rows: c.rows } });
      await pp.frames();
      await serve();
    },
    serve,
    requestedIds: async () => (await pp.posted('diff/details')).flatMap((m) => m.params.ids as string[]),
  });
}

describe('trace diff panel (chromium)', function () {
  this.timeout(120000);
  const suite = panelSuite();
  let c: Comparison;
  let p: DiffPage;

  before(() => {
    c = comparison();
    mkdirSync(OUT, { recursive: true });
  });
  beforeEach(async () => {
    p = await openDiff(suite.browser, suite.h, c);
    suite.panels.push(p);
    await p.show();
    await p.serve(async () => (await p.page.locator('.row[data-id="known"] .trace-a .del').count()) > 0);
  });

  it('renders the summary numbers of the comparison', async () => {
    const s = c.summary;
    const text = (sel: string) => p.page.locator(sel).first().innerText();
    assert.equal(await text('[data-metric="accuracy"]'), `${(s.accuracyA * 100).toFixed(1)} % → ${(s.accuracyB * 100).toFixed(1)} %`);
    assert.match(await text('[data-metric="length-change"]'), new RegExp(`^[−+±]${Math.abs(s.lengthRelativeChange * 100).toFixed(1)} %$`));
    // Each length number says what it is: the change of the mean, and apart from it the share of prompts that shortened.
    assert.equal(await text('[data-metric="length-change-label"]'), 'change of the mean length');
    assert.equal(await text('[data-metric="shorter-share"]'),
      `per prompt: B shorter on ${(s.shorterShare * 100).toFixed(1)} % of prompts · median change ${s.medianLengthDelta > 0 ? '+' : s.medianLengthDelta < 0 ? '−' : '±'}${Math.abs(s.medianLengthDelta).toFixed(1)} tokens`);
    for (const f of ['wrong-to-right', 'right-to-wrong', 'both-right', 'both-wrong'] as const) {
      assert.equal(await text(`.flip-button[data-flip="${f}"] .flip-count`), String(s.flips[f]));
    }
    assert.equal(await text('.count'), `${N} of ${N} prompts`);
    assert.match(await text('.side-a'), /staged\/visual\/step-40/);
    // the error analysis: of the wrong visual answers, the share whose stated perception was wrong
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    assert.ok(s.perceptionErrorShareA > 0 && s.perceptionErrorShareB > 0 && s.perceptionErrorShareA !== s.perceptionErrorShareB);
    assert.equal(await text('[data-metric="perception-errors"]'), `${pct(s.perceptionErrorShareA)} → ${pct(s.perceptionErrorShareB)}`);
    assert.match(await text('[data-metric="correct-length"]'), new RegExp(`A ${s.meanCorrectLengthA.toFixed(1)} → B ${s.meanCorrectLengthB.toFixed(1)} tokens`));
  });

  it('shows the known word diff side by side, boxed answers marked, and the image', async () => {
    const row = p.page.locator('.row[data-id="known"]');
    assert.equal(await row.locator('.trace-a').innerText(), '<think>red=2 blue=3, so 5-2=3</think> \\boxed{3}');
    assert.equal(await row.locator('.trace-b').innerText(), '<think>red=2 blue=4, so 5-2=3</think> \\boxed{2}');
    assert.deepEqual(await row.locator('.trace-a .del').allInnerTexts(), ['3', '3']);
    assert.deepEqual(await row.locator('.trace-b .ins').allInnerTexts(), ['4', '2']);
    assert.equal(await row.locator('.trace-a .ins').count(), 0);
    assert.deepEqual(await row.locator('.trace-b .boxed').allInnerTexts(), ['\\boxed{2}']);
    assert.deepEqual(await row.locator('.trace-b .boxed .ins').allInnerTexts(), ['2']);
    assert.equal(await row.locator('.badge').innerText(), 'right → wrong');
    assert.equal(await row.locator('.len').innerText(), 'len 30 → 24 (-6)');

    // Pixels: the removed "3" sits on the removed-text background, the thumbnail shows the red left half.
    const shot = PNG.sync.read(await p.page.screenshot());
    const px = (x: number, y: number) => { const i = (Math.round(y) * shot.width + Math.round(x)) * 4; return [shot.data[i], shot.data[i + 1], shot.data[i + 2]]; };
    const del = (await row.locator('.trace-a .del').first().boundingBox())!;
    // Theme fallbacks (no VS Code here): trace box #2b2b2b under rgba(255,0,0,.3) removed / rgba(156,204,44,.3) added.
    const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]) <= 3);
    const blend = (fg: number[], a: number) => fg.map((v) => Math.round(43 * (1 - a) + v * a));
    const removed = px(del.x + 1, del.y + del.height - 2);
    assert.ok(near(removed, blend([255, 0, 0], 0.3)), `removed word background ${removed}`);
    const ins = (await row.locator('.trace-b .ins').first().boundingBox())!;
    const added = px(ins.x + 1, ins.y + ins.height - 2);
    assert.ok(near(added, blend([156, 204, 44], 0.3)), `added word background ${added}`);
    const img = (await row.locator('img.thumb').boundingBox())!;
    assert.deepEqual(px(img.x + img.width * 0.25, img.y + img.height / 2), [255, 0, 0]);
    assert.deepEqual(px(img.x + img.width * 0.75, img.y + img.height / 2), [255, 255, 255]);
    writeFileSync(join(OUT, 'diff-panel.png'), PNG.sync.write(shot));
  });

  it('keeps hostile model text inert (shown as text, never parsed)', async () => {
    const row = p.page.locator('.row[data-id="hostile"]');
    await p.serve(async () => (await row.locator('.trace-b .ins').count()) > 0);
    assert.match(await row.locator('.trace-a').innerText(), /<img src=x onerror=/);
    assert.equal(await p.page.locator('.list img:not(.thumb), .list script').count(), 0);
    assert.equal(await p.page.evaluate(() => (globalThis as any).__pwned), undefined);
  });

  it('keeps only the visible rows in the DOM and asks details for those only', async () => {
    const count = await p.page.locator('.row').count();
    assert.ok(count > 3 && count < 20, `rows in DOM: ${count}`);
    const asked = await p.requestedIds();
    assert.ok(asked.length <= count, `asked ${asked.length} details for ${count} rows`);
    await p.page.locator('.list').evaluate((e) => { e.scrollTop = e.scrollHeight; });
    const last = c.rows[c.rows.length - 1].id;
    await p.serve(async () => (await p.page.locator(`.row[data-id="${last}"] .trace-a .tag`).count()) > 0);
    assert.equal(await p.page.locator(`.row[data-id="${last}"] .trace-a .tag`).count(), 2);
    assert.ok(await p.page.locator('.row').count() < 20);
  });

  it('filters by flip class from the summary and sorts by length change', async () => {
    await p.page.click('.flip-button[data-flip="wrong-to-right"]');
    const expected = c.rows.filter((r) => r.flip === 'wrong-to-right');
    assert.equal(await p.page.locator('.count').innerText(), `${expected.length} of ${N} prompts`);
    const flips = await p.page.locator('.row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flip')));
    assert.ok(flips.length > 0 && flips.every((f) => f === 'wrong-to-right'));
    await p.page.click('.flip-button[data-flip="wrong-to-right"]');
    await p.page.selectOption('select.sort', 'shorter');
    const shortest = [...c.rows].sort((x, y) => x.lengthDelta - y.lengthDelta || x.index - y.index).slice(0, 3).map((r) => r.id);
    const top = await p.page.locator('.row').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-id'), parseFloat((r as any).style.top)] as const)
      .sort((a, b) => a[1] - b[1]).map((x) => x[0]));
    assert.deepEqual(top.slice(0, 3), shortest);
  });

  it('posts Open in Diff Editor with the row id, and expands a row to its full trace', async () => {
    await p.page.click('.row[data-id="known"] button.open-editor');
    assert.deepEqual(await p.posted('diff/open-editor'), [{ method: 'diff/open-editor', params: { id: 'known' } }]);
    const before = (await p.page.locator('.row[data-id="p00002"]').boundingBox())!.y;
    await p.page.click('.row[data-id="known"] button.expand');
    assert.equal(await p.page.locator('.row[data-id="known"] button.expand').getAttribute('aria-expanded'), 'true');
    const after = (await p.page.locator('.row[data-id="p00002"]').boundingBox())!.y;
    assert.ok(after >= before, 'rows below an expanded row never overlap it');
  });

  it('keeps the row actions on screen in a narrow editor column', async () => {
    await p.page.setViewportSize({ width: 560, height: 700 });
    await p.frames();
    const row = (await p.page.locator('.row[data-id="known"]').boundingBox())!;
    for (const sel of ['button.open-editor', 'button.expand']) {
      const b = (await p.page.locator(`.row[data-id="known"] ${sel}`).boundingBox())!;
      assert.ok(b.x >= row.x && b.x + b.width <= row.x + row.width + 0.5, `${sel} inside the row (${b.x}+${b.width} vs ${row.width})`);
    }
    writeFileSync(join(OUT, 'diff-panel-narrow.png'), await p.page.screenshot());
  });

  it('restores filter and sort when the panel comes back (webview state)', async () => {
    await p.page.click('.flip-button[data-flip="right-to-wrong"]');
    await p.page.selectOption('select.sort', 'longer');
    await p.page.waitForFunction(() => JSON.parse((globalThis as any).sessionStorage.getItem('s2t-state') ?? 'null')?.view?.sort === 'length-delta');
    await p.page.reload();
    await p.page.waitForFunction(() => (globalThis as any).__posted.some((m: { method: string }) => m.method === 'ready'));
    await p.show();
    await p.page.waitForSelector('.row');
    assert.equal(await p.page.locator('select.sort').inputValue(), 'longer');
    assert.equal(await p.page.locator('.flip-button[data-flip="right-to-wrong"]').getAttribute('aria-pressed'), 'true');
    const flips = await p.page.locator('.row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flip')));
    assert.ok(flips.every((f) => f === 'right-to-wrong'));
  });
});
