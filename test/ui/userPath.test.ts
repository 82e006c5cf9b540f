/// <reference lib="dom" />
// A user's path through the UI, once, as a newcomer would take it: the packaged .vsix installed into a real
// VS Code (code-server), a run made with the installed extension's own trainer (the dist/cli.js the extension
// launches) — on the same backend as the repository's CLI, i.e. the .vsix carries the native kernels' sources —
// then F1 → "See2Think: Open Dashboard" → pick the run → the dashboard shows its charts. Checks text and canvas
// pixels inside the webview and saves a screenshot.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { csEntry, launchBrowser, nodeBin, startServer, type Server } from '../host/codeServer';

const root = join(__dirname, '../..');
const shots = join(root, 'test-results/ui');

/** Opens the command palette and runs a command by its title, retrying until the extension has contributed it. */
async function runFromPalette(page: Page, title: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let i = 0; ; i++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15000 });
    await input.fill(`>${title}`);
    if (await row.waitFor({ timeout: 2000 }).then(() => true, () => false)) break;
    if (i > 30) throw new Error(`"${title}" never appeared in the command palette`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
  await page.keyboard.press('Enter');
}

describe("a user's path: installed .vsix → palette → dashboard", function () {
  this.timeout(300000);
  let tmp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-ui-'));
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  });

  it('packages, installs, and shows a run in the dashboard opened from the command palette', async () => {
    // 1. The .vsix a user would install.
    const vsix = join(tmp, 'see2think.vsix');
    const pack = spawnSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '-o', vsix],
      { cwd: root, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stdout + pack.stderr);

    // 2. Installed into a fresh extensions folder with VS Code's own CLI.
    const extensionsDir = join(tmp, 'extensions');
    const env = { ...process.env, XDG_CONFIG_HOME: join(tmp, 'cfg'), XDG_DATA_HOME: join(tmp, 'data') };
    const install = spawnSync(nodeBin, [csEntry, '--install-extension', vsix, '--extensions-dir', extensionsDir], { encoding: 'utf8', env });
    assert.equal(install.status, 0, install.stdout + install.stderr);
    assert.match(install.stdout + install.stderr, /see2think/i);

    // 3. A workspace with a recipe and two runs made headless: one with the installed extension's trainer, one
    // with the repository's CLI. Both record the same backend: the native kernels, built from the C sources the
    // .vsix carries (without them the installed extension would fall back to plain wasm).
    const ws = join(tmp, 'ws');
    mkdirSync(ws);
    cpSync(join(root, 'test/fixtures/workspace/tiny.recipe.yaml'), join(ws, 'tiny.recipe.yaml'));
    const installed = readdirSync(extensionsDir).find((d) => d.startsWith('see2think.'));
    assert.ok(installed, `the extension is in ${extensionsDir}`);
    const backends: string[] = [];
    for (const [id, cli] of [['first', join(extensionsDir, installed, 'dist/cli.js')], ['second', join(root, 'dist/cli.js')]]) {
      const run = spawnSync(process.execPath, [cli, 'run', join(ws, 'tiny.recipe.yaml'), '--run-id', id], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      backends.push((JSON.parse(readFileSync(join(ws, 'runs/tiny', id, 'run.json'), 'utf8')) as { backend: string }).backend);
    }
    assert.match(backends[0], /^native/, `the installed extension trains on ${backends[0]}`);
    assert.equal(backends[0], backends[1], 'the installed extension and the repository CLI train on the same backend');

    // 4. VS Code with only the installed extension; the palette; the run picker; the dashboard.
    server = await startServer({ mode: 'code-server', extensionsDir });
    browser = await launchBrowser(server.env);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url(ws));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    try {
      await runFromPalette(page, 'See2Think: Open Dashboard');
      // Two runs: a multi-select picker with the newest picked; the user adds the first one to overlay both.
      const firstRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'tiny/first' }).first();
      await firstRow.waitFor({ timeout: 30000 });
      await firstRow.click();
      await page.keyboard.press('Enter');
    } catch (err) {
      await page.screenshot({ path: join(shots, 'failure.png') });
      throw err;
    }

    const view: FrameLocator = page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await view.locator('canvas').first().waitFor({ timeout: 60000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(shots, 'dashboard-in-vscode.png') });
    const text = await view.locator('body').innerText({ timeout: 30000 });
    assert.match(text, /Reward/, 'reward chart titled');
    assert.match(text, /Response length/, 'response-length chart titled');
    assert.match(text, /2 runs/, 'both runs are overlaid');
    await page.locator('.tab', { hasText: 'Dashboard: second vs first' }).waitFor({ timeout: 10000 });
    // The response-length series of the run is drawn: some canvas has pixels that are not the background.
    await page.waitForTimeout(1000);
    const painted = await view.locator('canvas').evaluateAll((canvases) => canvases.map((c) => {
      const el = c as HTMLCanvasElement;
      const ctx = el.getContext('2d');
      if (!ctx || !el.width || !el.height) return 0;
      const d = ctx.getImageData(0, 0, el.width, el.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 16) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return colours.size;
    }));
    assert.ok(painted.some((n) => n > 10), `some chart has drawn content (colours per canvas: ${painted.join(', ')})`);
    await page.screenshot({ path: join(shots, 'dashboard-in-vscode.png') });
  });
});
