// Recipe authoring in a real VS Code: diagnostics equal to `see2think validate` for the broken-recipe
// corpus, no doubling with the JSON language service, completion lists, hover, quick fixes applied,
// CodeLenses with their commands (one executed: it runs the right stage), New Recipe, scoped snippets.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './util';

const repo = process.env.S2T_REPO ?? '';
const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const dir = () => join(root(), 'recipes');
const uriOf = (name: string) => vscode.Uri.file(join(dir(), name));
const SEVERITY = ['error', 'warning', 'info', 'hint'];

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'see2think');
const others = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source !== 'see2think');
const asLine = (file: string, d: vscode.Diagnostic) =>
  `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${SEVERITY[d.severity]}: ${d.message}`;

/** `see2think validate <file>` run from the recipes folder: its output lines. */
function cli(file: string): string[] {
  const r = spawnSync(process.execPath, [join(repo, 'bin/see2think.js'), 'validate', file], { cwd: dir(), encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  assert.ok(r.status === 0 || r.status === 1, `validate exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

async function open(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(uriOf(name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** Writes a recipe into the workspace and opens it. */
async function write(name: string, text: string): Promise<vscode.TextDocument> {
  writeFileSync(join(dir(), name), text);
  return open(name);
}

const labelOf = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);

async function completions(doc: vscode.TextDocument, marker: string, kinds?: vscode.CompletionItemKind[]): Promise<string[]> {
  const offset = doc.getText().indexOf(marker);
  assert.ok(offset >= 0, `marker ${marker}`);
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, doc.positionAt(offset + marker.length));
  return list.items.filter((i) => !kinds || kinds.includes(i.kind!)).map(labelOf);
}

async function hoverText(doc: vscode.TextDocument, word: string): Promise<string> {
  const offset = doc.getText().indexOf(word) + 1;
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n---\n');
}

async function fixes(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.QuickFix.value);
  return actions.filter((a) => a.edit);
}

describe('recipe authoring', function () {
  this.timeout(120000);

  before(async () => {
    await waitFor(() => vscode.extensions.getExtension(EXTENSION_ID)?.isActive, 30000, 'extension never activated');
    mkdirSync(dir(), { recursive: true });
    cpSync(join(repo, 'test/fixtures/recipes'), dir(), { recursive: true });
  });

  describe('diagnostics', () => {
    const expected = () => JSON.parse(readFileSync(join(dir(), 'expected.json'), 'utf8')) as Record<string, string[]>;

    it('equal `see2think validate` line for line for every YAML recipe of the corpus (ranges, severities, messages)', async () => {
      const files = Object.keys(expected()).filter((f) => /\.ya?ml$/.test(f) && expected()[f].length);
      assert.ok(files.length >= 12, `corpus: ${files.join(', ')}`);
      for (const f of files) {
        const doc = await open(f);
        await waitFor(() => ours(doc.uri).length, 10000, `no diagnostics for ${f}`);
        const editor = ours(doc.uri).map((d) => asLine(f, d));
        assert.deepEqual(editor, cli(f), f);
        // And the exact ranges of the corpus (start line:col).
        assert.deepEqual(ours(doc.uri).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${SEVERITY[d.severity]} ${d.code}`), expected()[f], f);
      }
    });

    it('JSON: semantic problems from us, schema problems from the JSON service, never both', async () => {
      const order = await open('order.recipe.json');
      await waitFor(() => ours(order.uri).length, 10000, 'no semantic diagnostics for order.recipe.json');
      assert.deepEqual(ours(order.uri).map((d) => asLine('order.recipe.json', d)), cli('order.recipe.json'));

      const unknown = await open('unknown-key.recipe.json');
      const json = await waitFor(() => (others(unknown.uri).length ? others(unknown.uri) : undefined), 60000, 'the JSON service never validated against dist/recipe.schema.json');
      assert.match(cli('unknown-key.recipe.json')[0], /:4:77: error: unknown key 'lrr'/);
      assert.ok(json.some((d) => d.range.start.line === 3 && /lrr/.test(d.message)), json.map((d) => d.message).join('; '));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(ours(unknown.uri), [], 'we do not repeat the JSON service');
    });

    it('follow edits (debounced) and clear when the recipe is fixed again; a valid recipe has none', async () => {
      const doc = await open('valid.recipe.yaml');
      const editor = vscode.window.activeTextEditor!;
      const at = doc.getText().indexOf('steps: 5');
      await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'steps: 5'.length)), 'steps: 0'));
      const d = await waitFor(() => ours(doc.uri)[0], 10000, 'no diagnostic after the edit');
      assert.equal(d.code, 'schema/range');
      assert.equal(d.range.start.line, doc.positionAt(at).line);
      await vscode.commands.executeCommand('undo');
      await waitFor(() => ours(doc.uri).length === 0, 10000, 'diagnostic stayed after undo');
    });

    it('are cleared when the document closes', async () => {
      const doc = await write('closing.recipe.yaml', 'name: closing\nstages: []\n');
      await waitFor(() => ours(doc.uri).length, 10000, 'no diagnostics');
      // VS Code disposes a closed editor's document minutes later; a language change closes it now (the
      // same onDidCloseTextDocument), and a plain-text document is no recipe.
      await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
      await waitFor(() => ours(doc.uri).length === 0, 10000, 'diagnostics stayed after close');
    });
  });

  describe('completion', () => {
    const TEXT = `name: authoring
stages:
  - id: warmup
    kind: sft
    steps: 2
  - id: perception
    kind: perception
    steps: 2
    algorithm:
      lr: 1.0e-4
      #ALGO
  - id: visual
    kind: visual-reasoning
    #STAGE
    steps: 2
  - id: later
    kind: sft
    steps: 1
`;
    const KEY = [vscode.CompletionItemKind.Property];
    const VALUE = [vscode.CompletionItemKind.Value];

    it('YAML keys: still-allowed keys only, at every level', async () => {
      const doc = await write('authoring.recipe.yaml', TEXT.replace('#STAGE', '').replace('#ALGO', ''));
      const stageKeys = await completions(doc, 'kind: visual-reasoning\n    ', KEY);
      assert.ok(['init_from', 'algorithm', 'data', 'launch', 'description'].every((k) => stageKeys.includes(k)), stageKeys.join(' '));
      assert.ok(!stageKeys.includes('id') && !stageKeys.includes('kind') && !stageKeys.includes('steps'), 'keys already written are not offered');
      const algo = await completions(doc, '      lr: 1.0e-4\n      ', KEY);
      assert.ok(algo.includes('rollout_n') && algo.includes('kl_coef') && !algo.includes('lr'), algo.join(' '));
      assert.ok(!algo.includes('kind'), 'stage keys are one level up');
    });

    it('YAML values: enum values and init_from with only the earlier stage ids', async () => {
      const doc = await write('values.recipe.yaml', TEXT.replace('#STAGE', 'init_from: ').replace('#ALGO', 'kl_penalty: '));
      const init = await completions(doc, 'init_from: ', VALUE);
      assert.deepEqual(init.sort(), ['null', 'perception', 'warmup']);
      assert.ok(!init.includes('later') && !init.includes('visual'), 'only earlier stages');
      assert.deepEqual(await completions(doc, 'kl_penalty: ', VALUE), ['low_var_kl', 'kl', 'abs', 'mse']);
    });

    it('JSON: init_from ids from us (later ones absent), keys from the JSON service only, nothing twice', async () => {
      const text = '{\n  "name": "j",\n  "stages": [\n    { "id": "a", "kind": "sft", "steps": 1 },\n    { "id": "b", "kind": "perception", "steps": 1, "init_from": "" },\n    { "id": "c", "kind": "visual-reasoning", "steps": 1,  }\n  ]\n}\n';
      const doc = await write('complete.recipe.json', text);
      const init = await completions(doc, '"init_from": "');
      assert.ok(init.some((l) => l.replace(/"/g, '') === 'a'), init.join(' '));
      assert.ok(!init.some((l) => /^"?[bc]"?$/.test(l)), 'no later or own ids');
      assert.equal(init.filter((l) => l === 'null').length, 1, `null (the JSON service's) once: ${init.join(' ')}`);
      const keys = await completions(doc, '"steps": 1,  ');
      assert.ok(keys.some((l) => l.replace(/"/g, '') === 'init_from'), `JSON service keys: ${keys.join(' ')}`);
      const dupes = keys.filter((l, i) => keys.indexOf(l) !== i);
      assert.deepEqual(dupes, [], 'a key offered twice');
    });

    it('snippets are offered in recipes and nowhere else', async () => {
      const doc = await write('snip.recipe.yaml', 'name: snip\nstages:\n  \n');
      const inRecipe = await completions(doc, 'stages:\n  ', [vscode.CompletionItemKind.Snippet]);
      assert.ok(inRecipe.includes('curriculum'), inRecipe.join(' '));
      writeFileSync(join(dir(), 'notes.yaml'), 'stages:\n  \n');
      const plain = await vscode.workspace.openTextDocument(vscode.Uri.file(join(dir(), 'notes.yaml')));
      const elsewhere = await completions(plain, 'stages:\n  ', [vscode.CompletionItemKind.Snippet]);
      assert.ok(!elsewhere.includes('curriculum'), 'recipe snippets leak into other YAML files');
    });
  });

  describe('hover', () => {
    it('YAML: description, type, default and the paper value; an enum value\'s meaning', async () => {
      const doc = await write('hover.recipe.yaml', 'name: hover\nstages:\n  - id: p\n    kind: perception\n    steps: 2\n    algorithm:\n      rollout_n: 8\n');
      const h = await hoverText(doc, 'rollout_n');
      assert.match(h, /\*\*rollout_n\*\* · `integer ≥ 1 ≤ 64` · default `5` · paper: `5`/);
      assert.match(h, /Responses sampled per prompt \(the GRPO group size\)/);
      assert.match(await hoverText(doc, 'perception'), /`perception`: RL on visual perception \(the paper's stage 1/);
    });

    it('JSON: the JSON service shows the description once; we add default and paper value', async () => {
      const doc = await write('hover.recipe.json', '{\n  "name": "h",\n  "stages": [{ "id": "p", "kind": "perception", "steps": 2, "algorithm": { "rollout_n": 8 } }]\n}\n');
      const h = await waitFor(async () => {
        const t = await hoverText(doc, 'rollout_n');
        return /Responses sampled per prompt/.test(t) ? t : undefined;
      }, 60000, 'no description hover from the JSON service');
      assert.equal(h.split('Responses sampled per prompt').length - 1, 1, h);
      assert.match(h, /paper: `5`/);
    });
  });

  describe('quick fixes', () => {
    async function fixAndCheck(source: string, copy: string, find: string, title: RegExp) {
      writeFileSync(join(dir(), copy), readFileSync(join(dir(), source)));
      const doc = await open(copy);
      const off = doc.getText().indexOf(find);
      const range = new vscode.Range(doc.positionAt(off), doc.positionAt(off + find.length));
      const all = await fixes(doc, range);
      const action = all.find((a) => title.test(a.title));
      assert.ok(action, `no fix ${title} in ${all.map((a) => a.title).join('; ')}`);
      assert.ok(await vscode.workspace.applyEdit(action.edit!));
      return doc;
    }

    it('unknown key → closest known key; bad enum → closest; missing key inserted', async () => {
      const a = await fixAndCheck('unknown-key.recipe.yaml', 'fix1.recipe.yaml', 'lrr', /^Change lrr to 'lr'$/);
      await waitFor(() => ours(a.uri).length === 0, 10000, `still: ${ours(a.uri).map((d) => d.message)}`);
      assert.match(a.getText(), /\n {6}lr: 1\.0e-4\n/);
      const b = await fixAndCheck('bad-enum.recipe.yaml', 'fix2.recipe.yaml', 'percepton', /^Change percepton to 'perception'$/);
      await waitFor(() => ours(b.uri).length === 0, 10000, 'enum fix did not clear');
      const c = await fixAndCheck('missing-key.recipe.yaml', 'fix3.recipe.yaml', 'id: textual', /^Add missing key 'steps: 375'$/);
      await waitFor(() => ours(c.uri).length === 0, 10000, 'missing-key fix did not clear');
    });

    it('reorders stages into the paper\'s order (YAML and JSON), fixing init_from chains', async () => {
      const y = await fixAndCheck('order.recipe.yaml', 'fix4.recipe.yaml', 'textual-reasoning', /^Reorder stages to the paper's order/);
      await waitFor(() => ours(y.uri).length === 0, 10000, `still: ${ours(y.uri).map((d) => d.message)}`);
      assert.deepEqual([...y.getText().matchAll(/kind: (\S+)/g)].map((m) => m[1]), ['sft', 'perception', 'textual-reasoning', 'visual-reasoning']);
      const j = await fixAndCheck('order.recipe.json', 'fix5.recipe.json', '"kind": "perception"', /^Reorder stages/);
      await waitFor(() => !ours(j.uri).some((d) => d.code === 'stage/paper-order'), 10000, 'JSON reorder did not clear');
      assert.deepEqual(ours(j.uri).map((d) => d.code), [], 'and the chain is valid');
    });

    it('JSON: our fix for a schema error the JSON service reports', async () => {
      const doc = await fixAndCheck('unknown-key.recipe.json', 'fix6.recipe.json', 'lrr', /^Change "lrr" to 'lr'$/);
      assert.match(doc.getText(), /"lr": 0\.0001/);
      await waitFor(() => !others(doc.uri).some((d) => /lrr/.test(d.message)), 60000, 'the JSON service still reports lrr');
    });
  });

  describe('CodeLens', () => {
    async function lenses(doc: vscode.TextDocument) {
      return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri))
        .filter((l) => l.command?.command.startsWith('see2think.'))
        .map((l) => ({ line: l.range.start.line + 1, title: l.command!.title, command: l.command!.command, args: l.command!.arguments }));
    }

    it('Run all / Compare above the file, Run stage / Run from here above each stage, with the recipe and stage id', async () => {
      const doc = await open('order.recipe.yaml');
      const got = await lenses(doc);
      const uri = doc.uri.toString();
      const shown = got.map((l) => `${l.line} ${l.title} ${l.command} ${(l.args ?? []).map((a) => (a instanceof vscode.Uri ? a.toString() === uri ? '<recipe>' : a.toString() : JSON.stringify(a))).join(',')}`);
      // "Compare with…" is offered once the trace-diff feature registers its command (compareRuns with the
      // recipe, else diffCheckpoints, which asks for the two checkpoints).
      const registered = await vscode.commands.getCommands(true);
      const compare = registered.includes('see2think.compareRuns') ? ['1 Compare with… see2think.compareRuns <recipe>']
        : registered.includes('see2think.diffCheckpoints') ? ['1 Compare with… see2think.diffCheckpoints '] : [];
      assert.deepEqual(shown, [
        '1 ▶ Run all see2think.runAll <recipe>',
        ...compare,
        ...[[3, 'warmup'], [8, 'visual'], [11, 'textual'], [15, 'perception']].flatMap(([line, id]) => [
          `${line} ▶ Run stage see2think.runStage <recipe>,"${id}"`,
          `${line} ▶ Run from here see2think.runFrom <recipe>,"${id}"`,
        ]),
      ]);
    });

    it('Dashboard above a stage once it has runs (not for stages only pending)', async () => {
      const runDir = join(dir(), 'runs', 'order', '20260101-000000-beef');
      for (const [stage, state] of [['textual', 'succeeded'], ['visual', 'pending']] as const) {
        mkdirSync(join(runDir, 'stages', stage), { recursive: true });
        writeFileSync(join(runDir, 'stages', stage, 'status.json'), JSON.stringify({ stage, state, target: 'local', updated: '2026-01-01T00:00:00Z', total_steps: 10 }));
      }
      const doc = await open('order.recipe.yaml');
      const dash = (await lenses(doc)).filter((l) => l.command === 'see2think.openDashboard');
      assert.deepEqual(dash.map((l) => [l.line, l.title, l.args]), [[11, 'Dashboard (1 run)', [[runDir]]]]);
    });

    it('executing "▶ Run stage" runs that stage (and only it) with the runs commands', async () => {
      const registered = await vscode.commands.getCommands(true);
      assert.ok(registered.includes('see2think.runStage'), 'see2think.runStage is not registered');
      const doc = await write('lens-run.recipe.yaml', `name: lens-run
model:
  trainer: builtin
  preset: tiny
defaults:
  algorithm:
    rollout_n: 2
    rollout_batch_size: 2
    global_batch_size: 2
    val_before_train: false
    max_response_length: 40
stages:
  - id: warmup
    kind: sft
    steps: 2
    init_from: null
    data:
      val_size: 4
  - id: perception
    kind: perception
    steps: 2
    data:
      val_size: 4
`);
      const lens = (await lenses(doc)).find((l) => l.title === '▶ Run stage' && l.args?.[1] === 'warmup');
      assert.ok(lens);
      const runDir = await vscode.commands.executeCommand<string>(lens.command, ...(lens.args ?? []));
      assert.ok(runDir && runDir.startsWith(join(dir(), 'runs', 'lens-run')), `run dir ${runDir}`);
      const status = (id: string) => {
        const f = join(runDir, 'stages', id, 'status.json');
        return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { state: string }).state : 'none';
      };
      await waitFor(() => ['succeeded', 'failed', 'cancelled'].includes(status('warmup')), 90000, `warmup is ${status('warmup')}`);
      assert.equal(status('warmup'), 'succeeded');
      assert.ok(['pending', 'none'].includes(status('perception')), `perception ran too: ${status('perception')}`);
      const dash = await waitFor(async () => (await lenses(doc)).find((l) => l.command === 'see2think.openDashboard'), 10000, 'no Dashboard lens after the run');
      assert.deepEqual([dash.line, dash.args], [13, [[runDir]]]);
    });
  });

  describe('New Recipe', () => {
    it('writes a template under the given name, opens it, and never overwrites', async () => {
      const folder = vscode.Uri.file(dir());
      const uri = await vscode.commands.executeCommand<vscode.Uri>('see2think.newRecipe', folder, 'staged', 'my-staged');
      assert.equal(uri?.fsPath, join(dir(), 'my-staged.recipe.yaml'));
      const text = readFileSync(uri.fsPath, 'utf8');
      assert.match(text, /^name: my-staged$/m);
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath);
      assert.deepEqual(cli('my-staged.recipe.yaml'), [], 'a template is a valid recipe');
      const again = await vscode.commands.executeCommand<vscode.Uri | undefined>('see2think.newRecipe', folder, 'quick', 'my-staged');
      assert.equal(again, undefined);
      assert.equal(readFileSync(uri.fsPath, 'utf8'), text, 'the existing recipe is untouched');
      for (const t of ['merged', 'quick', 'easyr1']) {
        const u = await vscode.commands.executeCommand<vscode.Uri>('see2think.newRecipe', folder, t, `new-${t}`);
        assert.ok(u && readdirSync(dir()).includes(`new-${t}.recipe.yaml`));
        assert.deepEqual(cli(`new-${t}.recipe.yaml`).filter((l) => / error: /.test(l)), [], t);
      }
    });
  });
});
