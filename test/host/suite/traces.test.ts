// In a real VS Code, on a run the real trainer wrote (an SFT stage validated every 4 steps, its checkpoints
// evaluated by `see2think eval`): the traces panel's page queries and pages the host's index — it receives
// pages, never the run — searches on the host, shows a prompt's timeline across the steps and evaluations,
// takes traces written later live, and loads images only from the run folder.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createRun } from '../../../core/rundir/runDir';
import type { TracesPanel } from '../../../extension/panels/tracesPanel';
import type { WebviewMessage } from '../../../protocol/messages';
import type { TraceRecord } from '../../../protocol/runRecords';
import { EXTENSION_ID, activeApi, waitFor } from './util';

const RECIPE = `name: tiny-traces
model:
  trainer: builtin
  preset: tiny
defaults:
  algorithm:
    max_response_length: 40
    val_before_train: false
stages:
  - id: warmup
    kind: sft
    steps: 12
    init_from: null
    data:
      val_size: 6
    algorithm:
      global_batch_size: 8
      save_freq: 6
      val_freq: 4
`;

type Drawn = Extract<WebviewMessage, { method: 'traces/drawn' }>['params'];

describe('traces panel: paged, searched and a prompt\'s timeline on a real run (real VS Code)', function () {
  this.timeout(300000);
  let runDir: string;
  let panel: TracesPanel;
  const drawn: Drawn[] = [];
  const queries: Extract<WebviewMessage, { method: 'traces/query' }>['params'][] = [];
  const file = () => join(runDir, 'stages/warmup/traces.jsonl');
  const records = (): TraceRecord[] => readFileSync(file(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l.replace(/\bNaN\b/g, 'null')));
  /** The page's latest acknowledgement for its latest query. */
  const lastDrawn = () => drawn.filter((d) => d.seq === queries.at(-1)?.seq && d.timeline === undefined).at(-1);

  const cli = (args: string[]) => new Promise<number | null>((resolve) => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const child = spawn(process.execPath, [join(ext.extensionPath, 'dist', 'cli.js'), ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
    child.on('exit', resolve);
  });

  before(async () => {
    await activeApi();
    const dir = mkdtempSync(join(tmpdir(), 's2t-traces-host-'));
    writeFileSync(join(dir, 'traces.recipe.yaml'), RECIPE);
    runDir = createRun({ recipeFile: join(dir, 'traces.recipe.yaml'), runsDir: join(dir, 'runs'), runId: 'r1' }).runDir;
    assert.equal(await cli(['stage', runDir, 'warmup']), 0, 'the SFT stage trained');
    for (const step of [6, 12]) assert.equal(await cli(['eval', join(runDir, `stages/warmup/checkpoints/step-${step}`)]), 0, `checkpoint ${step} evaluated`);
  });

  after(() => panel?.dispose());

  it('the page asks for the query and the pages it shows; the host answers from its index, a page at a time', async () => {
    const total = records().length;
    assert.equal(total, 6, 'the trainer traced 2 validation prompts at each of 3 validations');
    // Enough traces that the run is many pages: copies of the trainer's, as other prompts at later steps.
    const base = records();
    appendFileSync(file(), Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ...base[i % base.length], step: 100 + i, prompt_id: `copy-${i}` }) + '\n').join(''));
    panel = (await vscode.commands.executeCommand<TracesPanel>('see2think.openTraces', runDir))!;
    panel.onDidReceiveMessage((m) => {
      if (m.method === 'traces/drawn') drawn.push(m.params);
      if (m.method === 'traces/query') queries.push(m.params);
    });
    await panel.initialized;
    await waitFor(() => lastDrawn()?.total === total + 3000 && lastDrawn()!.rows > 10, 60000, `drawn ${JSON.stringify(lastDrawn())} of ${total + 3000}`);
    assert.ok((panel.stats.received['traces/rows'] ?? 0) >= 1, 'the page asked for pages');
    assert.ok(panel.session.stats.rowsSent <= 200, `${panel.session.stats.rowsSent} rows sent for one screen`);
    assert.equal(panel.stats.rejected, 0);
    assert.deepEqual(panel.panel.webview.options.localResourceRoots?.map((u) => u.fsPath).slice(-1), [runDir], 'the run folder is readable by the page');
  });

  it('a search from Open Sample Traces runs on the host; the page draws its matches', async () => {
    const withThink = records().filter((r) => [r.prompt, ...r.responses.map((x) => x.text)].some((t) => t.toLowerCase().includes('</think>'))).length;
    assert.ok(withThink > 0);
    await vscode.commands.executeCommand('see2think.openTraces', runDir, { search: '</THINK>' });
    await waitFor(() => queries.at(-1)?.query.search === '</THINK>' && lastDrawn()?.total === withThink, 30000, `searched: ${JSON.stringify(lastDrawn())}, want ${withThink}`);
    assert.ok(panel.session.stats.rowsSent < withThink + 400, 'still pages, not the run');
  });

  it('a prompt\'s timeline: the validation steps that traced it and both evaluations, in step order', async () => {
    const prompt = records().find((r) => !String(r.prompt_id).startsWith('copy-'))!;
    const steps = records().filter((r) => r.prompt_id === prompt.prompt_id).map((r) => r.step);
    assert.deepEqual(steps, [4, 8, 12], 'validation every 4 steps traced it');
    const seen = new Promise<vscode.Disposable>((resolve) => {
      const d = panel.onDidReceiveMessage((m) => {
        if (m.method === 'traces/timeline') resolve(d);
      });
    });
    await vscode.commands.executeCommand('see2think.openTraces', runDir, { promptId: prompt.prompt_id });
    (await seen).dispose();
    const ack = await waitFor(() => drawn.find((d) => d.timeline !== undefined), 30000, 'the page never drew the timeline');
    assert.equal(ack.timeline, 5, 'training steps 4, 8, 12 and the evaluations at 6 and 12');
    assert.equal(panel.session.stats.timelines, 1);
  });

  it('traces written later reach the page live; images are served from the run folder only', async () => {
    const before = lastDrawn()!.total;
    const r = records()[0];
    appendFileSync(file(), JSON.stringify({ ...r, step: 99999, prompt_id: 'late', responses: r.responses.map((x) => ({ ...x, text: `${x.text} </think>` })) }) + '\n');
    await waitFor(() => lastDrawn()?.total === before + 1, 15000, `the late trace did not arrive: ${JSON.stringify(lastDrawn())}`);
    const withImage = records().find((x) => x.image)!;
    assert.ok(withImage, 'a trace with an image');
    const uri = panel.imageUri('warmup', withImage.image!)!;
    assert.ok(uri && !uri.startsWith('file:') && uri.includes(encodeURI(withImage.image!).replace(/^\.\//, '')), uri);
    assert.equal(panel.imageUri('warmup', '../../../../../../etc/passwd'), undefined);
  });
});
