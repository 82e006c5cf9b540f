// Runs' configs side by side: each run's frozen recipe.yaml, resolved (defaults applied), as read-only
// `see2think-config:` documents for VS Code's diff editor, and the keys that differ across the dashboard's
// runs for its config table. A URI names the run folder, so a diff editor restored after a reload still finds it.
import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import type { ParamsOf, HostMessage } from '../../protocol/messages';
import type { ResolvedRecipe } from '../../protocol/recipe';
import { openRun } from '../../core/rundir/runDir';
import { configDifferences, resolvedConfigText } from '../../core/recipe/configDiff';

export const CONFIG_SCHEME = 'see2think-config';

interface Loaded {
  key: string;
  label: string;
  recipe: ResolvedRecipe;
}

/** Resolved recipes by run folder, kept while recipe.yaml is unchanged (a frozen recipe normally never is). */
const cache = new Map<string, Loaded>();

/** A run's resolved recipe and its label (recipe/run id); throws with the file to fix when it cannot be read. */
export function runConfig(runDir: string): { label: string; recipe: ResolvedRecipe } {
  const file = join(runDir, RUN_FILES.recipe);
  let key: string;
  try {
    const s = statSync(file);
    key = `${s.mtimeMs}:${s.size}`;
  } catch {
    throw new Error(`${file}: no such file (not a run folder?)`);
  }
  const have = cache.get(runDir);
  if (have?.key === key) return have;
  const run = openRun(runDir);
  const loaded = { key, label: `${run.meta.recipe_name}/${run.meta.id}`, recipe: run.recipe };
  if (cache.size >= 64) cache.delete(cache.keys().next().value!);
  cache.set(runDir, loaded);
  return loaded;
}

/** The dashboard's config table for these runs: the keys that differ among those whose recipe reads. */
export function configTable(runDirs: readonly string[]): ParamsOf<HostMessage, 'dashboard/config'> {
  const ok: { dir: string; recipe: ResolvedRecipe }[] = [];
  const problems: { run: string; message: string }[] = [];
  for (const dir of runDirs) {
    try {
      ok.push({ dir, recipe: runConfig(dir).recipe });
    } catch (err) {
      problems.push({ run: dir, message: (err as Error).message.split('\n')[0].slice(0, 500) });
    }
  }
  return { runs: ok.map((r) => r.dir), rows: configDifferences(ok.map((r) => r.recipe)), problems };
}

export function configUri(runDir: string, label: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CONFIG_SCHEME, path: `/${label.replace(/[^\w.-]+/g, '_')}.resolved.yaml`, query: new URLSearchParams({ run: runDir }).toString() });
}

export class ConfigDocuments implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): string {
    const dir = new URLSearchParams(uri.query).get('run');
    if (!dir) return `# Not a See2Think run config: ${uri.toString()}\n`;
    try {
      const { label, recipe } = runConfig(dir);
      return resolvedConfigText(recipe, `${label}: the frozen recipe resolved (defaults applied) — ${join(dir, RUN_FILES.recipe)}`);
    } catch (err) {
      return `# Cannot read this run's recipe: ${(err as Error).message.replace(/\n/g, '\n# ')}\n`;
    }
  }
}

/** Opens VS Code's diff editor on two runs' resolved recipes. Returns the two documents' URIs. */
export async function openConfigDiff(a: string, b: string): Promise<[vscode.Uri, vscode.Uri]> {
  const label = (dir: string) => {
    try {
      return runConfig(dir).label;
    } catch {
      return dir.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
    }
  };
  const [la, lb] = [label(a), label(b)];
  const uris: [vscode.Uri, vscode.Uri] = [configUri(a, la), configUri(b, lb)];
  await vscode.commands.executeCommand('vscode.diff', uris[0], uris[1], `${la} ↔ ${lb} (resolved recipes)`, { preview: false });
  return uris;
}

export function registerConfigDocuments(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(CONFIG_SCHEME, new ConfigDocuments()));
}
