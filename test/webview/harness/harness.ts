// Serves the built panel bundles to headless Debian Chromium the way a VS Code webview would: the page from
// panelHtml() under its strict CSP (cspSource = this server's origin), the nonce'd stand-in for the VS Code
// API first, then the bundle; dist/ and media/ as the only resources. Helpers open a panel, deliver host
// messages, and read what the page posted, its CSP violations and its errors.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, normalize, extname, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PanelKind } from '../../../protocol/messages';
import { panelAssets, panelHtml, newNonce } from '../../../extension/panels/panelHtml';
import { CHROMIUM_ARGS, chromiumPath } from '../../host/codeServer';

const root = join(__dirname, '../../..');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.png': 'image/png', '.map': 'application/json', '.html': 'text/html',
};

export interface Harness {
  origin: string;
  /** Extra files served under /fixtures/<name>. */
  fixtures: Map<string, { type: string; body: Buffer }>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const fixtures = new Map<string, { type: string; body: Buffer }>();
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const panel = /^\/panel\/(dashboard|traces|diff)\.html$/.exec(url.pathname)?.[1] as PanelKind | undefined;
    if (panel) {
      const nonce = newNonce();
      const assets = panelAssets(panel);
      const html = panelHtml({ panel, title: `harness ${panel}`, nonce, cspSource: origin, scriptUri: `${origin}/${assets.script}`, styleUris: assets.styles.map((s) => `${origin}/${s}`) })
        // The stand-in runs first, under the same nonce (as VS Code's own preload does before the page).
        .replace('<div id="app"></div>', `<div id="app"></div>\n<script nonce="${nonce}" src="${origin}/harness/vscodeStandIn.js"></script>`);
      return send(200, 'text/html', html);
    }
    if (url.pathname === '/favicon.ico') return send(204, 'text/plain', ''); // browsers ask; webviews do not
    if (url.pathname.startsWith('/fixtures/')) {
      const f = fixtures.get(url.pathname.slice('/fixtures/'.length));
      return f ? send(200, f.type, f.body) : send(404, 'text/plain', 'no such fixture');
    }
    const rel = url.pathname === '/harness/vscodeStandIn.js' ? 'test/webview/harness/vscodeStandIn.js' : normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    const file = join(root, rel);
    const allowed = rel === 'test/webview/harness/vscodeStandIn.js' || rel.startsWith(`dist${sep}`) || rel.startsWith(`media${sep}`);
    if (!allowed || !file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return send(404, 'text/plain', 'not found');
    send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { origin, fixtures, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no chromium at ${chromiumPath} (apt-get install chromium)`);
  return chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

export function bundlesBuilt(): boolean {
  return ['dashboard', 'traces', 'diff'].every((p) => existsSync(join(root, `dist/webviews/${p}.js`)));
}

export interface PanelSuite {
  readonly h: Harness;
  readonly browser: Browser;
  /** The panels the current test opened, checked and closed after it (a reloaded page replaces its entry). */
  panels: PanelPage[];
}

/**
 * The mocha hooks every panel suite needs: the bundles built, one server and one Chromium for the suite, and
 * after each test the clean-page checks on the panels it opened. Call inside `describe`.
 */
export function panelSuite(setup?: (h: Harness) => void): PanelSuite {
  const s = { panels: [] } as unknown as { h: Harness; browser: Browser; panels: PanelPage[] };
  before(async () => {
    if (!bundlesBuilt()) throw new Error('dist/webviews/*.js missing: run `npm run build` first');
    s.h = await startHarness();
    setup?.(s.h);
    s.browser = await launchChromium();
  });
  after(async () => {
    await s.browser?.close();
    await s.h?.close();
  });
  afterEach(async () => {
    await assertCleanAndClose(s.panels);
    s.panels = [];
  });
  return s;
}

export interface PanelPage {
  page: Page;
  deliver(msg: unknown): Promise<void>;
  posted(method?: string): Promise<{ method: string; params: Record<string, unknown> }[]>;
  violations(): Promise<unknown[]>;
  errors(): Promise<string[]>;
  /** Page console errors and uncaught exceptions seen by the test. */
  consoleErrors: string[];
  /** Waits for the next two animation frames (the panels batch redraws per frame). */
  frames(n?: number): Promise<void>;
}

export interface OpenOptions {
  theme?: 'dark' | 'light' | 'high-contrast';
  width?: number;
  height?: number;
  /** Runs before the page loads (e.g. page.exposeFunction('__toHost', …) to answer the page like a host). */
  beforeLoad?: (page: Page) => Promise<void>;
}

export async function openPanel(browser: Browser, h: Harness, panel: PanelKind, o: OpenOptions = {}): Promise<PanelPage> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1000, height: o.height ?? 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await o.beforeLoad?.(page);
  await page.goto(`${h.origin}/panel/${panel}.html?theme=${o.theme ?? 'dark'}`);
  await page.waitForFunction(() => (globalThis as unknown as { __posted: { method: string }[] }).__posted.some((m) => m.method === 'ready'));
  return wrap(page, consoleErrors);
}

export function wrap(page: Page, consoleErrors: string[] = []): PanelPage {
  return {
    page,
    consoleErrors,
    deliver: (msg) => page.evaluate((m) => (globalThis as unknown as { __deliver(m: unknown): void }).__deliver(m), msg),
    posted: (method) => page.evaluate((m) => (globalThis as unknown as { __posted: { method: string; params: Record<string, unknown> }[] }).__posted.filter((x) => !m || x.method === m), method),
    violations: () => page.evaluate(() => (globalThis as unknown as { __csp: unknown[] }).__csp),
    errors: () => page.evaluate(() => (globalThis as unknown as { __errors: string[] }).__errors),
    // A string, not a function: tsx would wrap named inner functions in a __name() the page lacks.
    frames: (n = 2) => page.evaluate(`new Promise((r) => { let i = ${Number(n)}; (function f() { if (i-- <= 0) r(); else requestAnimationFrame(f); })(); })`),
  };
}

/** After each test: no CSP violation, no uncaught error, nothing logged as an error by the page; then closes them. */
export async function assertCleanAndClose(panels: PanelPage[]): Promise<void> {
  for (const p of panels) {
    assert.deepEqual(await p.violations(), [], 'CSP violations');
    assert.deepEqual(await p.errors(), [], 'page errors');
    assert.deepEqual(p.consoleErrors, [], 'console errors');
    assert.deepEqual((await p.posted('log')).filter((m) => m.params.level === 'error'), [], 'errors logged to the host');
  }
  for (const p of panels) await p.page.context().close();
}
