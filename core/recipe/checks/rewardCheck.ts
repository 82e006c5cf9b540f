// Reward settings the trainer could not use, found before a run starts: a format_pattern that is not a regular
// expression (error), or one that even a correct built-in demonstration fails (warning: format reward stuck at 0).
import type { SemanticCheck } from './context';
import type { Problem } from '../problems';
import { compileFormatPattern, RewardConfigError, scoreResponse } from '../../reward/reward';
import { mergeByPlace, settingPath } from './where';

/** What a well-formed built-in response looks like under each reward's format. */
const SAMPLE_RESPONSE = { math: '<think>red=2 blue=1 2+1=3</think> \\boxed{3}', r1v: '<think>red=2 blue=1 2+1=3</think> <answer>3</answer>' };

export const checkRewardPattern: SemanticCheck = ({ src, recipe, resolved }) => {
  const found: { problem: Problem; stage: string }[] = [];
  for (const s of resolved.stages) {
    const path = settingPath(recipe, s.index, 'reward', 'format_pattern');
    if (!path) continue; // the schema default is valid
    const range = src.rangeOf(path);
    try {
      compileFormatPattern(s.reward.format_pattern);
    } catch (e) {
      if (!(e instanceof RewardConfigError)) throw e;
      found.push({ stage: s.id, problem: { severity: 'error', code: 'reward/bad-pattern', path, range, message: `${e.message} in stage '${s.id}'` } });
      continue;
    }
    if (resolved.model.trainer === 'builtin' && scoreResponse(SAMPLE_RESPONSE[s.reward.name], '3', s.reward).format !== 1) {
      found.push({
        stage: s.id,
        problem: {
          severity: 'warning', code: 'reward/pattern-never-matches', path, range,
          message: `format_pattern does not match a well-formed ${s.reward.name} response (${JSON.stringify(SAMPLE_RESPONSE[s.reward.name])}) ` +
            `in stage '${s.id}': the format reward would stay 0 (spaces around < > / are removed before matching, as EasyR1 does)`,
        },
      });
    }
  }
  return mergeByPlace(found);
};
