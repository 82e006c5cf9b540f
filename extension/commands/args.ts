// Command arguments arrive from the palette (none), CodeLens and other code (Uri, strings) and the Runs view
// (its nodes, plus the whole selection): these turn any of them into what the command acts on.
import * as vscode from 'vscode';

type Node = { runDir?: unknown; runDirs?: unknown; recipe?: unknown; stageId?: unknown; root?: { recipe?: unknown } };

export function recipeUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
  const n = arg as Node | undefined;
  if (n?.recipe instanceof vscode.Uri) return n.recipe;
  return undefined;
}

export function runDirOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const n = arg as Node | undefined;
  return typeof n?.runDir === 'string' ? n.runDir : undefined;
}

/**
 * Run folders from one argument or a multi-selection (the view passes the clicked node, then all selected
 * nodes); an experiment or arm node stands for all its runs.
 */
export function runDirsOf(arg: unknown, selection?: unknown): string[] {
  const all = Array.isArray(selection) ? selection : Array.isArray(arg) ? arg : [arg];
  const dirs = all.flatMap((n) => {
    const many = (n as Node | undefined)?.runDirs;
    return Array.isArray(many) ? many.filter((d): d is string => typeof d === 'string' && !!d) : [runDirOf(n)];
  });
  return [...new Set(dirs.filter((d): d is string => !!d))];
}

export function stageIdOf(arg: unknown, fallback?: unknown): string | undefined {
  if (typeof fallback === 'string' && fallback) return fallback;
  const n = arg as Node | undefined;
  return typeof n?.stageId === 'string' ? n.stageId : undefined;
}
