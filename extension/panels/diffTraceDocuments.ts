// Read-only virtual documents of one prompt's trace in one eval file (`see2think-trace:` URIs), so VS Code's
// own diff editor can show A's and B's trace with all its navigation. A URI names the eval file and the
// prompt id, so a diff editor restored after a window reload still finds its content.
import * as vscode from 'vscode';
import { readFile, stat } from 'node:fs/promises';
import { parseEvalText, type EvalFile } from '../../core/diff/evalFile';
import type { EvalRecord } from '../../protocol/runRecords';

export const TRACE_SCHEME = 'see2think-trace';

export function traceUri(evalFile: string, promptId: string, side: 'A' | 'B'): vscode.Uri {
  const query = new URLSearchParams({ file: evalFile, id: promptId, side }).toString();
  return vscode.Uri.from({ scheme: TRACE_SCHEME, path: `/${side}/${promptId}.trace`, query });
}

/** The document: who answered, the prompt, the verdict, then the response exactly as the model wrote it. */
export function traceText(file: EvalFile, r: EvalRecord): string {
  const verdict = `${r.answer ?? '(no answer)'} ${r.correct ? '✓' : '✗'} (truth ${r.ground_truth}) · reward ${Number.isFinite(r.reward) ? r.reward.toFixed(3) : String(r.reward)} · ${r.length} tokens`;
  return [
    `checkpoint: ${file.header?.checkpoint ?? file.file}`,
    `prompt ${r.prompt_id}: ${r.prompt.replace(/\s*\n\s*/g, ' ')}`,
    `answer: ${verdict}`,
    '─'.repeat(40),
    r.response,
    '',
  ].join('\n');
}

export class TraceDocuments implements vscode.TextDocumentContentProvider {
  /** Parsed eval files, kept while unchanged on disk (by mtime and size). */
  private readonly cache = new Map<string, { key: string; file: EvalFile; byId: Map<string, EvalRecord> }>();

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const path = q.get('file');
    const id = q.get('id');
    if (!path || !id) return `Not a See2Think trace: ${uri.toString()}`;
    let entry;
    try {
      entry = await this.load(path);
    } catch (err) {
      return `Cannot read the eval file ${path}: ${(err as Error).message}`;
    }
    const r = entry.byId.get(id);
    return r ? traceText(entry.file, r) : `Prompt ${id} is not in ${path}.`;
  }

  private async load(path: string) {
    const s = await stat(path);
    const key = `${s.mtimeMs}:${s.size}`;
    const have = this.cache.get(path);
    if (have?.key === key) return have;
    const file = parseEvalText(await readFile(path, 'utf8'), path);
    const entry = { key, file, byId: new Map(file.records.map((r) => [r.prompt_id, r])) };
    if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(path, entry);
    return entry;
  }
}
