// Model shape checks for the built-in trainer: sizes that must divide each other.
import type { SemanticCheck } from './context';
import type { Problem } from '../problems';

export const checkModelShape: SemanticCheck = ({ src, recipe }) => {
  const size = recipe.model?.size;
  if (!size) return [];
  const problems: Problem[] = [];
  if (size.d_model !== undefined && size.n_heads !== undefined && size.d_model % size.n_heads !== 0) {
    const path = ['model', 'size', 'n_heads'];
    problems.push({
      severity: 'error', code: 'model/heads-divide', path, range: src.rangeOf(path),
      message: `n_heads (${size.n_heads}) must divide d_model (${size.d_model})`,
    });
  }
  if (size.image_size !== undefined && size.patch_size !== undefined && size.image_size % size.patch_size !== 0) {
    const path = ['model', 'size', 'patch_size'];
    problems.push({
      severity: 'error', code: 'model/patch-divide', path, range: src.rangeOf(path),
      message: `patch_size (${size.patch_size}) must divide image_size (${size.image_size})`,
    });
  }
  return problems;
};

export const checkDataSource: SemanticCheck = ({ src, recipe, resolved }) =>
  recipe.stages.flatMap((s, i): Problem[] => {
    const found: Problem[] = [];
    if (s.data?.generator && s.data.file) {
      const path = ['stages', i, 'data', 'file'];
      found.push({
        severity: 'error', code: 'data/generator-and-file', path, range: src.rangeOf(path, 'key'),
        message: `stages[${i}].data has both 'generator' and 'file': choose one`,
      });
    }
    // Only the built-in trainer's supervised stages learn from demonstrations: elsewhere the rates change nothing.
    const stage = resolved.stages[i];
    for (const key of ['perception_slip_rate', 'recheck_rate'] as const) {
      if (!s.data?.[key] || !stage || (stage.kind === 'sft' && resolved.model.trainer === 'builtin')) continue;
      const path = ['stages', i, 'data', key];
      const where = stage.kind !== 'sft' ? `stage '${stage.id}' is ${stage.kind} (RL learns from rewards, not demonstrations)` : `the ${resolved.model.trainer} trainer reads its own data`;
      found.push({
        severity: 'warning', code: 'data/demonstration-style-unused', path, range: src.rangeOf(path),
        message: `data.${key} has no effect here: ${where}; it shapes the built-in trainer's sft demonstrations`,
      });
    }
    return found;
  });
