// Benchmark: the editor's work per keystroke in a recipe — completion at the cursor (indentation scanner on
// text that need not parse) and diagnostics (full validation: YAML, schema, semantic checks) — against the
// baseline of one plain YAML parse of the same text (the least any YAML language service does per change).
// Usage: npx tsx bench/recipes/run.ts [--stages N] [--runs R]. Last line = the headline.
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { completionsAt } from '../../core/recipe/language/completions';
import { validateRecipeText } from '../../core/recipe/loadRecipe';

const { values } = parseArgs({ options: { stages: { type: 'string', default: '120' }, runs: { type: 'string', default: '200' } } });
const STAGES = Number(values.stages);
const RUNS = Number(values.runs);
const KINDS = ['perception', 'textual-reasoning', 'visual-reasoning'];

function recipe(n: number): string {
  const lines = ['name: bench', 'model:', '  trainer: builtin', '  preset: small', 'defaults:', '  algorithm:', '    rollout_n: 8',
    '    rollout_batch_size: 8', '    global_batch_size: 4', 'stages:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  - id: s${i}`, `    kind: ${KINDS[Math.floor((i * 3) / n)]}`, '    steps: 50', '    algorithm:', '      lr: 1.0e-4',
      '      kl_coef: 0.02', '    data:', `      seed: ${i}`);
  }
  return lines.join('\n') + '\n';
}

/** Times the functions interleaved, run by run, so machine load falls on all of them alike. */
function timeAll(fs: (() => unknown)[]): number[][] {
  for (let i = 0; i < 10; i++) fs.forEach((f) => f()); // warm-up (JIT, ajv compile)
  const out = fs.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    fs.forEach((f, j) => {
      const t = performance.now();
      f();
      out[j].push(performance.now() - t);
    });
  }
  return out.map((xs) => xs.sort((a, b) => a - b));
}
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x: number) => `${x.toFixed(3)} ms`;

const text = recipe(STAGES);
// The cursor on a new key line in the middle stage's algorithm block, as while typing.
const mid = text.indexOf(`  - id: s${STAGES >> 1}\n`);
const at = text.indexOf('      kl_coef: 0.02\n', mid) + '      kl_coef: 0.02\n'.length;
const typing = `${text.slice(0, at)}      cl\n${text.slice(at)}`;
const cursor = at + '      cl'.length;

const [parse, completion, diagnostics] = timeAll([
  () => parseDocument(text),
  () => completionsAt(typing, cursor, 'bench.recipe.yaml'),
  () => validateRecipeText(text, 'bench.recipe.yaml'),
]);
const got = completionsAt(typing, cursor, 'bench.recipe.yaml').map((c) => c.label);
if (!got.includes('clip_ratio_low') || got.includes('lr')) throw new Error(`unexpected completion list: ${got.join(' ')}`);

console.log(`recipe: ${STAGES} stages, ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(1)} KiB; ${RUNS} runs each`);
console.log(`baseline  yaml parseDocument   p50 ${ms(q(parse, 0.5))}  p95 ${ms(q(parse, 0.95))}`);
console.log(`completion at the cursor       p50 ${ms(q(completion, 0.5))}  p95 ${ms(q(completion, 0.95))}  (${(q(completion, 0.5) / q(parse, 0.5)).toFixed(2)}× a parse)`);
console.log(`diagnostics (full validation)  p50 ${ms(q(diagnostics, 0.5))}  p95 ${ms(q(diagnostics, 0.95))}  (${(q(diagnostics, 0.5) / q(parse, 0.5)).toFixed(2)}× a parse)`);
console.log(`headline: completion ${(q(completion, 0.5) / q(parse, 0.5)).toFixed(2)}× and diagnostics ${(q(diagnostics, 0.5) / q(parse, 0.5)).toFixed(2)}× one YAML parse (p50, ${STAGES}-stage recipe)`);
