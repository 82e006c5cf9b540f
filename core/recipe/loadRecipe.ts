// Recipe text → problems (syntax, schema, semantics, all positioned) and, when there are no errors, the
// typed recipe with its stages resolved. One function for the CLI, the trainer and the editor.
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { resolveRecipe, type Recipe, type ResolvedRecipe } from '../../protocol/recipe';
import { parseRecipeSource, type RecipeSource } from './sourceMap';
import { checkSchema } from './schemaCheck';
import { SEMANTIC_CHECKS } from './checks';
import type { CheckEnvironment } from './checks/context';
import { formatProblem, sortProblems, type Problem } from './problems';

export interface ValidationResult {
  src: RecipeSource;
  problems: Problem[];
  /** Present when the recipe has no errors (warnings allowed). */
  recipe?: Recipe;
  resolved?: ResolvedRecipe;
}

export function validateRecipeText(text: string, fileName: string, env: CheckEnvironment = {}): ValidationResult {
  const src = parseRecipeSource(text, fileName);
  const syntax: Problem[] = src.syntaxErrors.map((e) => ({
    severity: 'error', code: 'syntax', message: e.message, path: [], range: e.range,
  }));
  if (syntax.length || src.value === undefined || src.value === null) {
    if (!syntax.length) syntax.push({ severity: 'error', code: 'syntax', message: 'the recipe is empty', path: [], range: src.rangeOf([]) });
    return { src, problems: sortProblems(syntax) };
  }
  const schemaProblems = checkSchema(src);
  if (schemaProblems.length) return { src, problems: sortProblems(schemaProblems) };
  const recipe = src.value as Recipe;
  const resolved = resolveRecipe(recipe);
  const problems = sortProblems(SEMANTIC_CHECKS.flatMap((check) => check({ src, recipe, resolved, env })));
  const ok = !problems.some((p) => p.severity === 'error');
  return { src, problems, recipe: ok ? recipe : undefined, resolved: ok ? resolved : undefined };
}

/** Thrown when a recipe cannot be used; its message is the positioned problem list. */
export class RecipeError extends Error {
  constructor(readonly file: string, readonly problems: Problem[]) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'RecipeError';
  }
}

/** Reads and validates a recipe file; throws RecipeError (positioned) or a plain Error for I/O. */
export function loadRecipeFile(file: string, env: CheckEnvironment = {}): ValidationResult & { recipe: Recipe; resolved: ResolvedRecipe } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a directory, not a recipe` : `${file}: ${(err as Error).message}`);
  }
  const result = validateRecipeText(text, file, { recipeDir: dirname(resolvePath(file)), ...env });
  if (!result.recipe || !result.resolved) throw new RecipeError(file, result.problems);
  return result as ValidationResult & { recipe: Recipe; resolved: ResolvedRecipe };
}
