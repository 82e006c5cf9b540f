// Where the workspace's runs are: for each recipe, its runs_dir/<name>/ folder, kept current as recipes are
// added, renamed or edited (docs/ARCHITECTURE.md#the-run-directory). The store watches those folders; the runs
// tree groups runs by recipe.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { sep } from 'node:path';
import { isInside, recipeRunsFolder } from '../../core/rundir/runDir';
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
    this.disposables.push(w, w.onDidCreate(later), w.onDidChange(later), w.onDidDelete(later), this.changed, vscode.workspace.onDidGrantWorkspaceTrust(later));
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
        if (!v || typeof v !== 'object' || v.name === undefined) continue;
        const where = recipeRunsFolder(uri.fsPath, v);
        if ('error' in where) {
          this.log.warn(`${uri.fsPath}: not looking for its runs: ${where.error}`);
          continue;
        }
        // Restricted Mode: a recipe does not get a folder outside the workspace scanned (runs_dir "/", "../..",
        // a link out). A trusted workspace's runs_dir is honoured as written (scratch disks).
        if (!vscode.workspace.isTrusted && !(vscode.workspace.workspaceFolders ?? []).some((f) => isInside(where.root, f.uri.fsPath))) {
          this.log.warn(`${uri.fsPath}: its runs folder ${where.root} is outside the workspace: not read in Restricted Mode`);
          continue;
        }
        list.push({ recipe: uri, name: v.name as string, root: where.root });
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
