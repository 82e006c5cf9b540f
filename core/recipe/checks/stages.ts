// Stage graph checks: unique ids, and init_from pointing at an earlier stage that exists.
import type { SemanticCheck } from './context';
import type { Problem } from '../problems';

export const checkStageGraph: SemanticCheck = ({ src, recipe }) => {
  const problems: Problem[] = [];
  const firstIndex = new Map<string, number>();
  recipe.stages.forEach((s, i) => {
    if (firstIndex.has(s.id)) {
      problems.push({
        severity: 'error', code: 'stage/duplicate-id', path: ['stages', i, 'id'],
        range: src.rangeOf(['stages', i, 'id']),
        message: `duplicate stage id '${s.id}' (first used by stages[${firstIndex.get(s.id)}]); stage ids must be unique`,
      });
    } else firstIndex.set(s.id, i);
  });
  recipe.stages.forEach((s, i) => {
    if (s.init_from === undefined || s.init_from === null) return;
    const path = ['stages', i, 'init_from'];
    const target = firstIndex.get(s.init_from);
    const base = { severity: 'error' as const, path, range: src.rangeOf(path) };
    if (target === undefined) {
      const ids = recipe.stages.slice(0, i).map((t) => t.id);
      problems.push({
        ...base, code: 'stage/init-from-missing',
        message: `init_from '${s.init_from}' is not a stage of this recipe` +
          (ids.length ? ` (earlier stages: ${ids.join(', ')})` : ' (this is the first stage: use null for the base model)'),
      });
    } else if (target === i) {
      problems.push({ ...base, code: 'stage/init-from-self', message: `stage '${s.id}' cannot start from its own checkpoint` });
    } else if (target > i) {
      problems.push({
        ...base, code: 'stage/init-from-later',
        message: `init_from '${s.init_from}' is a later stage (stages[${target}]); a stage can only start from an earlier stage's checkpoint`,
      });
    }
  });
  return problems;
};
