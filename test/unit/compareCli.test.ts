// `see2think diff`: the printed summary of two real eval files, --list, --json, and clear errors.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeJsonLine } from '../../protocol/jsonLines';
import { diffCommand } from '../../cli/cliDiff';
import { UsageError } from '../../cli/cliValidate';

const root = join(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 's2t-diffcli-'));
const header = (checkpoint: string) => ({ type: 'header', checkpoint, set: 'perception:4', sampling: { temperature: 0.6, top_p: 0.95, n: 1 }, seed: 1, created: 'now' });
const rec = (id: string, correct: boolean, length: number) => ({ prompt_id: id, prompt: `how many red? (${id})`, ground_truth: '2', response: `<think>${'x '.repeat(length)}</think> \\boxed{${correct ? 2 : 1}}`, answer: correct ? '2' : '1', correct, reward: correct ? 1 : 0.1, length });
const write = (name: string, lines: unknown[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => encodeJsonLine(l)).join('\n') + '\n');
  return p;
};
const A = write('a.jsonl', [header('run1/perception/step-10'), rec('q1', false, 40), rec('q2', true, 50), rec('q3', true, 30), rec('q4', false, 80)]);
const B = write('b.jsonl', [header('run1/perception/step-90'), rec('q1', true, 20), rec('q2', true, 40), rec('q3', false, 35), rec('q4', false, 65)]);

function run(args: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = diffCommand(args, (l) => lines.push(l));
  return { code, lines };
}

describe('see2think diff (CLI)', () => {
  it('prints the summary: accuracy, flips, mean length and relative change', () => {
    const { code, lines } = run([A, B]);
    assert.equal(code, 0);
    const text = lines.join('\n');
    assert.match(lines[0], /^A  run1\/perception\/step-10  \(/);
    assert.match(text, /paired prompts  4  \(only in A: 0, only in B: 0\)/);
    assert.match(text, /accuracy +A 50\.0 % +B 50\.0 % +Δ \+0\.0 points/);
    assert.match(text, /wrong → right 1 · right → wrong 1 · both right 1 · both wrong 1/);
    // lengths A 200/4 = 50, B 160/4 = 40 → −20.0 %
    assert.match(text, /mean length +A 50\.0 +B 40\.0 tokens +change of the mean −20\.0 %/);
    assert.match(text, /per prompt +B shorter on 75\.0 % of prompts · median change −12\.5 tokens/);
  });

  it('lists the prompts of a flip class, most shortened first', () => {
    const { lines } = run([A, B, '--list', 'all', '--limit', '3']);
    const listed = lines.slice(lines.indexOf('all prompts: 4 (first 3)') + 1);
    assert.deepEqual(listed.map((l) => l.trim().split(' ')[0]), ['q1', 'q4', 'q2']);
    assert.match(listed[0], /q1  len 40 → 20 \(-20\)  answer 1 → 2 \(truth 2\)/);
    const w2r = run([A, B, '--list', 'wrong-to-right']).lines;
    assert.ok(w2r.includes('wrong → right: 1'));
  });

  it('prints JSON for scripts', () => {
    const s = JSON.parse(run([A, B, '--json']).lines.join('\n'));
    assert.equal(s.paired, 4);
    assert.equal(s.lengthRelativeChange, 40 / 50 - 1);
  });

  it('rejects wrong usage with a clear message', () => {
    assert.throws(() => run([A]), (e: Error) => e instanceof UsageError && /exactly two eval files/.test(e.message));
    assert.throws(() => run([A, B, '--list', 'flipped']), /unknown class 'flipped'/);
  });

  it('fails with one clear line (exit 1) for a missing or empty eval file, from the real command line', function () {
    this.timeout(30000); // two CLI starts under tsx
    const empty = write('empty.jsonl', []);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'diff', A, join(dir, 'nope.jsonl')], { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim(), `see2think diff: ${join(dir, 'nope.jsonl')}: no such eval file`);
    const r2 = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'diff', empty, B], { encoding: 'utf8', cwd: root });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /empty\.jsonl: no answers in this eval file/);
  });
});
