// `see2think validate <recipe>…`: prints one positioned line per problem; exit 1 if any is an error.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { validateRecipeText } from '../core/recipe/loadRecipe';
import { formatProblem } from '../core/recipe/problems';
import { defaultCheckEnvironment } from '../core/recipe/environment';

export function validateCommand(files: string[], out: (line: string) => void): number {
  if (!files.length) throw new UsageError('validate needs at least one recipe file');
  let failed = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      out(`${file}:1:1: error: cannot read the recipe (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      failed = true;
      continue;
    }
    const { problems } = validateRecipeText(text, file, defaultCheckEnvironment(dirname(resolve(file))));
    for (const p of problems) out(formatProblem(file, p));
    if (problems.some((p) => p.severity === 'error')) failed = true;
  }
  return failed ? 1 : 0;
}

export class UsageError extends Error {}
