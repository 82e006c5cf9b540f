// "See2Think: Attach to Run Folder": monitors a run started outside VS Code. A See2Think run directory joins the
// runs store as it is; an EasyR1, verl or TRL folder is mirrored live into a run directory of ours in the
// extension's storage (core/external/attachRun.ts) and joins the store, so the runs view, dashboard, traces
// and trace diff show it like any other run. Attached folders are remembered per workspace and re-attached
// when the window reloads.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { Runs } from '../runs/index';
import type { AttachedRun } from '../../core/external/attachRun';

const STATE_KEY = 'see2think.attachedFolders';

export interface AttachResult {
  kind: 'see2think' | 'easyr1' | 'verl' | 'trl';
  /** The folder the trainer writes. */
  folder: string;
  /** The run directory the store shows (the folder itself for a See2Think run, else its mirror). */
  runDir: string;
}

export function registerAttachRunFolder(context: vscode.ExtensionContext, runs: Runs): void {
  const attached = new Map<string, AttachedRun>();
  context.subscriptions.push({ dispose: () => attached.forEach((a) => a.stop()) });
  const storage = () => join((context.storageUri ?? context.globalStorageUri).fsPath, 'attached');

  async function attach(folder: string, interactive: boolean): Promise<AttachResult | undefined> {
    const { detectRunFolders, describeDetection } = await import('../../core/external/detect');
    const found = detectRunFolders(folder);
    if (!found.length) {
      if (interactive) void vscode.window.showErrorMessage(`${folder}: no EasyR1, verl, TRL or See2Think run found there (looked for experiment_log.jsonl, a verl file log, trainer_state.json, run.json …)`);
      return undefined;
    }
    let d = found[0];
    if (found.length > 1) {
      if (!interactive) return undefined;
      const pick = await vscode.window.showQuickPick(found.map((f) => ({ label: vscode.workspace.asRelativePath(f.dir), description: f.kind, detail: f.evidence.join(', '), f })), { placeHolder: `${found.length} runs in this folder: attach which?` });
      if (!pick) return undefined;
      d = pick.f;
    }
    const core = await runs.core();
    if (d.kind === 'see2think') {
      core.store.addRun(d.dir);
      return { kind: 'see2think', folder: d.dir, runDir: d.dir };
    }
    const { AttachedRun } = await import('../../core/external/attachRun');
    attached.get(d.dir)?.stop();
    const run = new AttachedRun(d, { into: storage() });
    attached.set(d.dir, run);
    await run.poll();
    run.start(2000);
    core.store.addRun(run.runDir);
    runs.log.info(`attached ${describeDetection(d)} → ${run.runDir}`);
    const remembered = new Set(context.workspaceState.get<string[]>(STATE_KEY, []));
    remembered.add(d.dir);
    await context.workspaceState.update(STATE_KEY, [...remembered]);
    return { kind: d.kind, folder: d.dir, runDir: run.runDir };
  }

  context.subscriptions.push(
    vscode.commands.registerCommand('see2think.attachRunFolder', async (folderArg?: unknown): Promise<AttachResult | undefined> => {
      let folder = folderArg instanceof vscode.Uri ? folderArg.fsPath : typeof folderArg === 'string' ? folderArg : undefined;
      if (!folder) {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Attach', title: 'A run folder of EasyR1, verl, TRL or See2Think' });
        folder = picked?.[0]?.fsPath;
      }
      if (!folder) return undefined;
      const r = await attach(folder, true);
      if (r) void vscode.window.showInformationMessage(`Attached ${r.kind === 'see2think' ? 'See2Think' : r.kind} run ${vscode.workspace.asRelativePath(r.folder)}: it is in the Runs view.`);
      return r;
    }),
  );

  // Re-attach what this workspace attached before (quietly: a folder that is gone is forgotten).
  setTimeout(() => {
    void (async () => {
      const keep: string[] = [];
      for (const folder of context.workspaceState.get<string[]>(STATE_KEY, [])) {
        if (await attach(folder, false).catch(() => undefined)) keep.push(folder);
      }
      await context.workspaceState.update(STATE_KEY, keep);
    })();
  }, 0);
}
