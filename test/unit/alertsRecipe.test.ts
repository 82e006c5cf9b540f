// The recipe's `alerts:` section as an author meets it: completion and hover from the schema like every key,
// positioned problems for rules that are malformed (schema) or could never fire (semantic check), a quick fix
// for a misspelt metric, and the resolved rules a run carries.
import { strict as assert } from 'node:assert';
import { validateRecipeText } from '../../core/recipe/loadRecipe';
import { completionsAt } from '../../core/recipe/language/completions';
import { hoverMarkdown } from '../../core/recipe/language/schemaNav';

const STAGES = `stages:
  - id: warmup
    kind: sft
    steps: 100
  - id: perception
    kind: perception
    steps: 20
`;

const problems = (alerts: string, model = '') => validateRecipeText(`name: x\n${model}alerts:\n${alerts}${STAGES}`, 'x.recipe.yaml').problems;
const codes = (ps: ReturnType<typeof problems>) => ps.map((p) => `${p.range.start.line}:${p.range.start.col} ${p.severity} ${p.code}`);

describe('recipe alerts section', () => {
  it('completes the rules under alerts: and each rule\'s settings with their defaults', () => {
    const text = 'name: x\nalerts:\n  \n' + STAGES;
    const offset = text.indexOf('alerts:\n') + 10;
    const rules = completionsAt(text, offset, 'x.recipe.yaml').map((c) => c.label);
    assert.deepEqual(rules, ['enabled', 'non_finite', 'kl_rising', 'entropy_collapse', 'length_growth', 'truncation', 'reward_flat', 'format_falling']);
    const inner = 'name: x\nalerts:\n  kl_rising:\n    \n' + STAGES;
    const items = completionsAt(inner, inner.indexOf('kl_rising:\n') + 15, 'x.recipe.yaml');
    assert.deepEqual(items.map((c) => c.label), ['enabled', 'metric', 'window', 'factor', 'min']);
    assert.equal(items.find((c) => c.label === 'window')?.insertText, 'window: ${1:10}', 'the default is the placeholder');
  });

  it('hovers a rule setting with its meaning, type and default', () => {
    const md = hoverMarkdown(['alerts', 'reward_flat', 'margin'], undefined, { withDescription: true })!;
    assert.match(md, /How close to 0 or 1 counts as flat there/);
    assert.match(md, /0\.01/);
    assert.match(hoverMarkdown(['alerts', 'truncation'], undefined, { withDescription: true })!, /max_response_length/);
  });

  it('a malformed rule is a positioned schema problem', () => {
    assert.deepEqual(codes(problems('  kl_rising:\n    window: 0\n  reward_flat:\n    margn: 0.1\n')), ['4:13 error schema/range', '6:5 error schema/unknown-key']);
    const [p] = problems('  non_finite:\n    metrics: []\n');
    assert.equal(p.code, 'schema/min-items');
    // Metric names are plain names: no markup or control characters reach a notification or a terminal.
    assert.deepEqual(codes(problems('  kl_rising:\n    metric: "[x](command:foo)"\n')), ['4:13 error schema/pattern']);
    assert.deepEqual(codes(problems('  non_finite:\n    metrics: ["a\\u001b[31mb"]\n')), ['4:15 error schema/pattern']);
  });

  it('a rule that could never fire is a warning at the setting; a near miss of a metric gets its fix', () => {
    const ps = problems('  kl_rising:\n    metric: actor/kl_los\n  length_growth:\n    window: 11\n');
    assert.deepEqual(codes(ps), ['4:13 warning alerts/unknown-metric', '6:13 warning alerts/window-too-long']);
    assert.equal(ps[0].fix?.replacement, 'actor/kl_loss');
    assert.match(ps[0].message, /built-in trainer does not log 'actor\/kl_los', so alerts\.kl_rising would never fire on it \(did you mean 'actor\/kl_loss'\?\)/);
    assert.match(ps[1].message, /needs 22 records \(window 11\) but the longest RL stage has 20 steps/);
    assert.deepEqual(problems('  length_growth:\n    window: 10\n'), [], '2 × 10 records fit the 20-step stage (the SFT stage does not count)');
  });

  it('external trainers keep their own metric names: only a near miss of ours is flagged', () => {
    const easyr1 = 'model:\n  trainer: easyr1\n  path: Qwen/Qwen2.5-VL-7B-Instruct\n';
    const names = (metric: string) => problems(`  reward_flat:\n    metric: ${metric}\n`, easyr1).filter((p) => p.code.startsWith('alerts/')).map((p) => p.code);
    assert.deepEqual(names('critic/score/mean'), []);
    assert.deepEqual(names('reward/acuracy'), ['alerts/unknown-metric']);
  });

  it('rules set under enabled: false are an info', () => {
    assert.deepEqual(codes(problems('  enabled: false\n  truncation:\n    max_share: 0.5\n')), ['3:12 info alerts/disabled']);
  });

  it('the resolved recipe carries the rules with defaults applied', () => {
    const r = validateRecipeText(`name: x\nalerts:\n  truncation:\n    max_share: 0.5\n${STAGES}`, 'x.recipe.yaml').resolved!;
    assert.equal(r.alerts.truncation.max_share, 0.5);
    assert.equal(r.alerts.truncation.window, 5);
    assert.equal(r.alerts.enabled, true);
    assert.equal(validateRecipeText(`name: x\n${STAGES}`, 'x.recipe.yaml').resolved!.alerts.reward_flat.window, 10);
  });
});
