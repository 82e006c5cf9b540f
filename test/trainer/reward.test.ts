// The verifiable reward against hand-computed values: EasyR1's math.py (the paper's) and r1v.py, with the
// recipe's weights and format pattern.
import { strict as assert } from 'node:assert';
import { schemaDefaults, type ResolvedReward, type Reward } from '../../protocol/recipe';
import { scoreResponse, extractBoxed, compileFormatPattern, RewardConfigError } from '../../core/reward/reward';
import { answersMatch, normalizeAnswer } from '../../core/reward/answerMatch';

const MATH = schemaDefaults<Reward>('reward') as ResolvedReward;
const score = (response: string, gt: string, reward: ResolvedReward = MATH) => scoreResponse(response, gt, reward);

describe('reward: math (EasyR1 math.py)', () => {
  it('uses the paper defaults: 0.9 accuracy + 0.1 format, the <think>…\\boxed{} pattern', () => {
    assert.equal(MATH.name, 'math');
    assert.equal(MATH.accuracy_weight, 0.9);
    assert.equal(MATH.format_weight, 0.1);
    assert.deepEqual(score('<think>2+3=5</think> \\boxed{5}', '5'), { overall: 1, accuracy: 1, format: 1, answer: '5' });
  });

  it('a missing box scores 0 for both and reports no answer', () => {
    assert.deepEqual(score('<think>2+3=5</think> the answer is 5', '5'), { overall: 0, accuracy: 0, format: 0, answer: null });
    assert.deepEqual(score('', '5'), { overall: 0, accuracy: 0, format: 0, answer: null });
  });

  it('keeps nested braces inside the box', () => {
    const r = score('<think>half of 1</think> \\boxed{\\frac{1}{2}}', '\\frac{1}{2}');
    assert.deepEqual(r, { overall: 1, accuracy: 1, format: 1, answer: '\\frac{1}{2}' });
    assert.equal(score('<think>h</think> \\boxed{\\frac{1}{2}}', '0.5').accuracy, 1, 'numeric equality');
    assert.equal(extractBoxed('\\boxed{a{b{c}}d}'), 'a{b{c}}d');
  });

  it('takes the last box when there are two', () => {
    const r = score('<think>t</think> \\boxed{3} or maybe \\boxed{4}', '4');
    assert.deepEqual(r, { overall: 1, accuracy: 1, format: 1, answer: '4' });
    const wrong = score('<think>t</think> \\boxed{3} or maybe \\boxed{4}', '3');
    assert.equal(wrong.accuracy, 0);
    assert.ok(Math.abs(wrong.overall - 0.1) < 1e-12);
  });

  it('the default pattern is the paper code\'s (VLM-CapCurriculum/EasyR1 math.py, trailing .*)', () => {
    assert.equal(MATH.format_pattern, '<think>.*</think>.*\\\\boxed\\{.*\\}.*');
  });

  it('extra text after the box: the default (the paper code\'s) pattern allows a tail, a strict pattern does not', () => {
    const r = score('<think>t</think> \\boxed{3} done.', '3');
    assert.deepEqual(r, { overall: 1, accuracy: 1, format: 1, answer: '3' });
    const strict = score('<think>t</think> \\boxed{3} done.', '3', { ...MATH, format_pattern: '<think>.*</think>.*\\\\boxed\\{.*\\}' });
    assert.equal(strict.format, 0);
    assert.equal(strict.accuracy, 1);
    assert.ok(Math.abs(strict.overall - 0.9) < 1e-12);
  });

  it('a missing </think> (or <think>) loses the format reward only', () => {
    for (const response of ['<think>2+3=5 \\boxed{5}', '2+3=5</think> \\boxed{5}', '\\boxed{5}']) {
      const r = score(response, '5');
      assert.equal(r.format, 0, response);
      assert.equal(r.accuracy, 1, response);
      assert.ok(Math.abs(r.overall - 0.9) < 1e-12);
    }
  });

  it('dot matches newlines: a think over several lines is well formatted', () => {
    const r = score('<think>red=2\nblue=3\n5-2=3</think>\n\\boxed{3}', '3');
    assert.deepEqual(r, { overall: 1, accuracy: 1, format: 1, answer: '3' });
  });

  it('removes spaces around < > / first, as EasyR1 does ("< /think >")', () => {
    assert.equal(score('< think >a< /think > \\boxed{2}', '2').format, 1);
    assert.equal(score('<think>a</think> \\boxed{1 / 2}', '1/2').answer, '1/2');
  });

  it('an unclosed box is no answer', () => {
    const r = score('<think>t</think> \\boxed{3', '3');
    assert.equal(r.answer, null);
    assert.equal(r.accuracy, 0);
  });

  it('takes weights and pattern from the recipe', () => {
    const half: ResolvedReward = { ...MATH, accuracy_weight: 0.5, format_weight: 0.5 };
    assert.equal(score('<think>t</think> \\boxed{4}', '3', half).overall, 0.5);
    assert.equal(score('\\boxed{3}', '3', half).overall, 0.5);
    // (the spaces around '>' are already squeezed out, as in EasyR1, so a pattern must not require them)
    const strict: ResolvedReward = { ...MATH, format_pattern: '<think>[0-9+=\\- ]+</think>\\s*\\\\boxed\\{\\d+\\}' };
    assert.equal(score('<think>2+3=5</think> \\boxed{5}', '5', strict).format, 1);
    assert.equal(score('<think>two</think> \\boxed{5}', '5', strict).format, 0);
  });

  it('accepts Python named groups in a pattern', () => {
    const r = score('<think>a</think> \\boxed{1}', '1', { ...MATH, format_pattern: '<think>(?P<t>.*)</think>\\s*\\\\boxed\\{.*\\}' });
    assert.equal(r.format, 1);
  });

  it('an invalid format_pattern is a clear error naming the pattern', () => {
    assert.throws(() => score('<think>a</think> \\boxed{1}', '1', { ...MATH, format_pattern: '<think>(.*</think>' }),
      (e: Error) => e instanceof RewardConfigError && /format_pattern "<think>\(\.\*<\/think>" is not a valid regular expression: Unterminated group$/.test(e.message));
    assert.throws(() => compileFormatPattern('a{2,1}'), RewardConfigError);
  });

  it('stays fast on hostile responses (backtracking patterns over 2 k characters)', () => {
    const hostile = '<think>' + '</think>\\boxed{'.repeat(140) + 'x';
    const t = process.hrtime.bigint();
    assert.equal(score(hostile, '1').format, 0);
    assert.ok(Number(process.hrtime.bigint() - t) / 1e9 < 2, 'scoring one response must not hang');
  });
});

describe('reward: r1v (EasyR1 r1v.py)', () => {
  const R1V: ResolvedReward = { ...MATH, name: 'r1v' };

  it('scores <think>…</think><answer>…</answer> with the r1v pattern when the recipe keeps the math default', () => {
    assert.deepEqual(scoreResponse('<think>a:1 b:2</think> <answer>B</answer>', 'B', R1V), { overall: 1, accuracy: 1, format: 1, answer: 'B' });
    assert.deepEqual(scoreResponse('<think>t</think><answer>(B)</answer>', 'B', R1V), { overall: 1, accuracy: 1, format: 1, answer: '(B)' });
  });

  it('a \\boxed{} response has no r1v format, and is graded whole when there is no <answer>', () => {
    const r = scoreResponse('<think>t</think> \\boxed{B}', 'B', R1V);
    assert.equal(r.format, 0);
    assert.equal(r.accuracy, 0);
    assert.equal(scoreResponse(' B ', 'B', R1V).accuracy, 1, 'r1v.py grades the stripped response when no tag');
  });

  it('text after </answer> breaks the format; a custom pattern is used as given', () => {
    const r = scoreResponse('<think>t</think><answer>3</answer> bye', '3', R1V);
    assert.equal(r.format, 0);
    assert.ok(Math.abs(r.overall - 0.9) < 1e-12);
    const loose = { ...R1V, format_pattern: '<think>.*</think>.*<answer>.*</answer>.*' };
    assert.equal(scoreResponse('<think>t</think><answer>3</answer> bye', '3', loose).format, 1);
  });
});

describe('answer matching (mathruler-like normalisation)', () => {
  const same: [string, string][] = [
    ['3', '3.0'], ['3', ' 3 '], ['1000', '1,000'], ['0.5', '\\frac{1}{2}'], ['0.5', '1/2'], ['0.5', '\\dfrac12'],
    ['B', '(B)'], ['B', 'b)'], ['B', 'B.'], ['red', '\\text{Red}'], ['red', 'RED'], ['12', '$12$'], ['-4', '-4.00'],
    ['circle', '\\textbf{circle}'], ['50', '50\\%'],
  ];
  for (const [truth, given] of same) it(`${JSON.stringify(given)} = ${JSON.stringify(truth)}`, () => assert.ok(answersMatch(given, truth)));

  const different: [string, string][] = [
    ['3', '4'], ['3', '33'], ['B', 'C'], ['B', 'AB'], ['red', 'blue'], ['3', ''], ['', ''], ['1', '1/0'], ['(1,2)', '1'],
  ];
  for (const [truth, given] of different) it(`${JSON.stringify(given)} ≠ ${JSON.stringify(truth)}`, () => assert.ok(!answersMatch(given, truth)));

  it('null (no answer) never matches', () => assert.equal(answersMatch(null, 'None'), false));
  it('normalises to a canonical form', () => assert.equal(normalizeAnswer(' \\text{ Yellow } . '), 'yellow'));
});
