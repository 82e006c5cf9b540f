/// <reference lib="dom" />
// The walkthrough as a new user meets it in a real VS Code (code-server, the extension from this tree): Welcome:
// Open Walkthrough… → "Get Started with See2Think" lists its six steps, none done; each step is ticked off in
// the workbench when the user does it — the first by its own button (Open Examples, which also opens the quick
// recipe), the others by their commands from the palette. Saves a screenshot of the finished walkthrough.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startServer, type Server } from '../host/codeServer';

const root = join(__dirname, '../..');
const shots = join(root, 'test-results/ui');

/** Runs a command from the palette by its title (retrying until the extension has contributed it); `then` answers what it asks. */
async function palette(page: Page, title: string): Promise<void> {
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

/** The walkthrough's steps as the page shows them: title and whether it is ticked off. */
const steps = (page: Page) => page.locator('.getting-started-step').evaluateAll((els) => els.map((e) => ({
  title: (e.querySelector('.step-title')?.textContent ?? '').trim(),
  // VS Code draws a done step's icon as codicon-pass-filled with the class `complete` (its unchecked one is an outline circle).
  done: !!e.querySelector('.codicon.complete, .codicon-pass-filled'),
})));

describe('walkthrough in the workbench: each step is ticked off when done', function () {
  this.timeout(300000);
  let tmp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-walk-'));
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  });

  it('opens from Welcome, lists six steps, and ticks each off as the user does it', async () => {
    const ws = join(tmp, 'ws');
    mkdirSync(ws);
    cpSync(join(root, 'test/fixtures/workspace/tiny.recipe.yaml'), join(ws, 'tiny.recipe.yaml'));
    server = await startServer();
    browser = await launchBrowser(server.env);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url(ws, [['extensionDevelopmentPath', root]]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    try {
      await palette(page, 'Welcome: Open Walkthrough...');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with See2Think' }).first().click({ timeout: 30000 });
      await page.locator('.getting-started-step').first().waitFor({ timeout: 30000 });
      const first = await steps(page);
      assert.deepEqual(first.map((s) => s.title), [
        'Open the example recipes', 'Run the quick recipe', 'Open the dashboard', 'Open the sample traces',
        'Compare two checkpoints', 'Staged vs merged: the response-length figure',
      ]);
      assert.deepEqual(first.map((s) => s.done), [false, false, false, false, false, false], 'nothing done yet');

      // Step 1 by its own button: the examples are copied and the quick recipe opens.
      await page.locator('.getting-started-step', { hasText: 'Open the example recipes' }).click();
      await page.locator('.getting-started-step.expanded a, .getting-started-step.expanded .button-link', { hasText: 'Open Examples' }).first().click();
      await page.locator('.tab', { hasText: 'quick.recipe.yaml' }).waitFor({ timeout: 30000 });

      // The others by their commands, as a user would run them from anywhere.
      for (const title of ['See2Think: Run Example Recipe…', 'See2Think: Open Dashboard', 'See2Think: Open Sample Traces', 'See2Think: Diff Checkpoints (Trace Diff)…', 'See2Think: Compare Runs (Response Length: Staged vs Merged)…']) {
        await palette(page, title);
        await page.waitForTimeout(1500);
        await page.keyboard.press('Escape'); // a picker it opened (no run to pick yet) is left
      }
      await palette(page, 'Welcome: Open Walkthrough...');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get Started with See2Think' }).first().click({ timeout: 30000 });
      const end = Date.now() + 30000;
      let last = await steps(page);
      while (last.some((s) => !s.done) && Date.now() < end) {
        await page.waitForTimeout(500);
        last = await steps(page);
      }
      await page.screenshot({ path: join(shots, 'walkthrough-done.png') });
      assert.deepEqual(last.map((s) => s.done), [true, true, true, true, true, true], JSON.stringify(last));
    } catch (err) {
      await page.screenshot({ path: join(shots, 'walkthrough-failure.png') });
      throw err;
    }
  });
});
