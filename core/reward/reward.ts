// The verifiable reward, as EasyR1's reward functions compute it (the paper uses math.py):
// overall = accuracy_weight·accuracy + format_weight·format, with the recipe's weights and format regex.
import { schemaDefaults, type Reward, type ResolvedReward } from '../../protocol/recipe';
import { answersMatch } from './answerMatch';

export interface RewardScore {
  overall: number;
  accuracy: number;
  format: number;
  /** What was compared with the ground truth: the last \boxed{} (math) or the <answer> (r1v); null if none. */
  answer: string | null;
}

/** A recipe's reward that cannot be used (a format_pattern that is not a regular expression). */
export class RewardConfigError extends Error {
  override name = 'RewardConfigError';
}

/** EasyR1 r1v.py's format: used when a recipe picks `name: r1v` and keeps the math default pattern. */
export const R1V_FORMAT_PATTERN = '<think>.*?</think>\\s*<answer>.*?</answer>';
const DEFAULT_PATTERN = schemaDefaults<Reward>('reward').format_pattern;

const compiled = new Map<string, RegExp>();

/**
 * The pattern as Python's `re.fullmatch(pattern, response, re.DOTALL)` applies it: anchored at both ends,
 * dot matching newlines. Python's named groups `(?P<n>…)` / `(?P=n)` are accepted.
 */
export function compileFormatPattern(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  const js = pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  try {
    re = new RegExp(`^(?:${js})$`, 's');
  } catch (e) {
    // V8 quotes our anchored wrapper ("/^(?:…)$/s: "); the user wrote only the pattern, so keep the reason
    const why = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new RewardConfigError(`reward.format_pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${why}`);
  }
  compiled.set(pattern, re);
  return re;
}

/** Content of the LAST \boxed{…}, nested braces kept (\boxed{\frac{1}{2}} → \frac{1}{2}); null if none or unclosed. */
export function extractBoxed(text: string): string | null {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return null;
  const from = start + '\\boxed{'.length;
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && depth-- === 0) return text.slice(from, i).trim();
  }
  return null;
}

/** EasyR1 math.py removes spaces around '<', '>' and '/' first ("< /think >" → "</think>"). */
const squeezeTags = (response: string): string => response.replace(/\s*([<>/])\s*/g, '$1');

export function scoreResponse(response: string, groundTruth: string, reward: ResolvedReward): RewardScore {
  let format: number;
  let answer: string | null;
  if (reward.name === 'r1v') {
    const pattern = reward.format_pattern === DEFAULT_PATTERN ? R1V_FORMAT_PATTERN : reward.format_pattern;
    format = compileFormatPattern(pattern).test(response) ? 1 : 0;
    // r1v.py: the first <answer>…</answer> on one line, else the whole response is graded
    const m = /<answer>(.*?)<\/answer>/.exec(response);
    answer = m ? m[1].trim() : response.trim();
  } else {
    const text = squeezeTags(response);
    format = compileFormatPattern(reward.format_pattern).test(text) ? 1 : 0;
    answer = extractBoxed(text);
  }
  const accuracy = answersMatch(answer, groundTruth.trim()) ? 1 : 0;
  return { overall: reward.accuracy_weight * accuracy + reward.format_weight * format, accuracy, format, answer };
}
