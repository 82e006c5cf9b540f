// Where the workspace's runs are: for each recipe, its runs_dir/<name>/ folder, kept current as recipes are
// added, renamed or edited (docs/ARCHITECTURE.md#the-run-directory). The store watches those folders; the runs
// tree groups runs by recipe.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { findRecipes, RECIPE_GLOB } from '../recipes/findRecipes';
import { parseRecipeSource } from '../../core/recipe/sourceMap';
import type { RunStore } from './store';

export interface RecipeRoot {
  recipe: vscode.Uri;
  name: string;
  /** runs_dir/<name>, absolute. */
  root: string;
}

export class RecipeRoots implements vscode.Disposable {
  private list: RecipeRoot[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: RunStore, private readonly log: vscode.LogOutputChannel) {
    const w = vscode.workspace.createFileSystemWatcher(RECIPE_GLOB);
    const later = () => this.refreshSoon();
    this.disposables.push(w, w.onDidCreate(later), w.onDidChange(later), w.onDidDelete(later), this.changed);
  }

  get recipes(): readonly RecipeRoot[] {
    return this.list;
  }

  /** The recipe a run belongs to: the one it was launched from if still here, else the one whose runs folder holds it. */
  recipeOf(runDir: string, recipePath?: string): RecipeRoot | undefined {
    return (recipePath ? this.list.find((r) => r.recipe.fsPath === recipePath) : undefined)
      ?? this.list.find((r) => runDir.startsWith(r.root + sep));
  }

  async refresh(): Promise<void> {
    const uris = await findRecipes();
    const list: RecipeRoot[] = [];
    for (const uri of uris) {
      if (uri.scheme !== 'file') continue;
      try {
        const text = await readFile(uri.fsPath, 'utf8');
        const v = parseRecipeSource(text, uri.fsPath).value as { name?: unknown; runs_dir?: unknown } | undefined;
        if (!v || typeof v.name !== 'string' || !v.name) continue;
        const runsDir = typeof v.runs_dir === 'string' && v.runs_dir ? v.runs_dir : 'runs';
        list.push({ recipe: uri, name: v.name, root: resolve(dirname(uri.fsPath), runsDir, v.name) });
      } catch (err) {
        this.log.warn(`${uri.fsPath}: cannot read for runs: ${(err as Error).message}`);
      }
    }
    list.sort((a, b) => vscode.workspace.asRelativePath(a.recipe).localeCompare(vscode.workspace.asRelativePath(b.recipe)));
    this.list = list;
    this.store.setRoots(list.map((r) => r.root));
    this.changed.fire();
  }

  private refreshSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 300);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
