// What every semantic check gets: the parsed source (for positions), the schema-valid recipe, its resolved
// stages, and the outside world (file system, PATH) behind functions so tests can pin them down.
import type { Recipe, ResolvedRecipe } from '../../../protocol/recipe';
import type { RecipeSource } from '../sourceMap';
import type { Problem } from '../problems';

export interface CheckEnvironment {
  /** Directory of the recipe file; relative paths in the recipe resolve against it. */
  recipeDir?: string;
  fileExists?: (absPath: string) => boolean;
  /** Absolute path of an executable on PATH, or undefined. */
  which?: (command: string) => string | undefined;
  /** The text of a file (a base config), or undefined when it cannot be read. */
  readText?: (absPath: string) => string | undefined;
}

export interface CheckContext {
  src: RecipeSource;
  recipe: Recipe;
  resolved: ResolvedRecipe;
  env: CheckEnvironment;
}

export type SemanticCheck = (ctx: CheckContext) => Problem[];
