// A page for the diff panel in headless chromium: the real bundle (dist/webviews/diff.js, media/diff.css) served over
// HTTP under the panel's real CSP (panelHtml), with a stand-in acquireVsCodeApi — the VS Code boundary, which
// the host suite tests for real. The test plays the extension host with a real Comparison: it answers the
// panel's detail requests exactly as the panel host does.
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml, newNonce } from '../../webviews/common/html';
import type { Comparison } from '../../trainer/compare/comparison';
import { CHROMIUM_ARGS, chromiumPath } from '../host/codeServer';

const root = join(__dirname, '../..');
const dist = join(root, 'dist/webviews');

export interface DiffPage {
  page: Page;
  /** Every message the panel posted, in order. */
  posted: { method: string; params: any }[];
  cspViolations: string[];
  errors: string[];
  /** Sends the comparison as the panel host does ('diff/data'); detail requests are answered from it. */
  show(c: Comparison): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<{ browser: Browser; url: string; server: Server; stop(): Promise<void> }> {
  if (!existsSync(join(dist, 'diff.js'))) throw new Error('dist/webviews/diff.js missing: run npm run build first');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    if (path === '/' || path === '/index.html') {
      const nonce = newNonce();
      const html = panelHtml({ panel: 'diff', title: 'Trace diff', scriptUri: `${origin}/diff.js`, styleUris: [`${origin}/diff.css`], nonce, cspSource: origin })
        .replace('<script nonce', `<script nonce="${nonce}" src="${origin}/stub.js"></script>\n<script nonce`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/stub.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(`
        window.__state = JSON.parse(sessionStorage.getItem('state') || 'null') ?? undefined;
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => window.__toHost(JSON.parse(JSON.stringify(m))),
          getState: () => window.__state,
          setState: (s) => { window.__state = s; sessionStorage.setItem('state', JSON.stringify(s)); },
        });`);
      return;
    }
    // The panel host serves the bundle from dist/webviews/ and the stylesheet from media/ (BasePanel.render).
    const file = path.endsWith('.css') ? join(root, 'media', path.slice(1)) : join(dist, path.slice(1));
    if (!/^\/diff\.(js|css)$/.test(path) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': path.endsWith('.css') ? 'text/css' : 'text/javascript' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  return { browser, url, server, stop: async () => { await browser.close(); await new Promise((r) => server.close(r)); } };
}

export async function openDiffPage(browser: Browser, url: string, size = { width: 1200, height: 900 }): Promise<DiffPage> {
  const page = await browser.newPage({ viewport: size });
  const posted: DiffPage['posted'] = [];
  const cspViolations: string[] = [];
  const errors: string[] = [];
  let comparison: Comparison | undefined;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.exposeFunction('__cspViolation', (v: string) => cspViolations.push(v));
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI));`);
  await page.exposeFunction('__toHost', async (m: { method: string; params: any }) => {
    posted.push(m);
    if (m.method === 'diff/details' && comparison) {
      const details = m.params.ids.map((id: string) => comparison!.detail(id)).filter(Boolean);
      await page.evaluate((msg) => (globalThis as any).postMessage(msg, '*'), { method: 'diff/details', params: { details } });
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => true);
  return {
    page, posted, cspViolations, errors,
    async show(c) {
      comparison = c;
      await page.evaluate((msg) => (globalThis as any).postMessage(msg, '*'), { method: 'diff/data', params: { summary: c.summary, rows: c.rows } });
    },
    close: () => page.close(),
  };
}
