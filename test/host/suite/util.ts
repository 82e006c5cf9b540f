// Helpers for tests that run inside the extension host.
import * as vscode from 'vscode';
import type { See2ThinkApi } from '../../../extension/extension';

export const EXTENSION_ID = 'see2think.see2think';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` is truthy (returning it) or fails with `message` after `timeoutMs`. */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs: number, message: string): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`${message} (after ${timeoutMs} ms)`);
    await sleep(100);
  }
}

/** The extension's API once it has activated (activation is by event: a suite may start before it). */
export async function activeApi(timeoutMs = 30000): Promise<See2ThinkApi> {
  const ext = vscode.extensions.getExtension<See2ThinkApi>(EXTENSION_ID)!;
  await waitFor(() => ext.isActive, timeoutMs, 'extension never activated');
  return ext.exports;
}

/** Runs a command that shows quick picks, doing `action` on whatever pick is open until the command returns. */
export async function answerPicks<T>(pending: Thenable<T>, action: string): Promise<T> {
  let done = false;
  const result = Promise.resolve(pending).finally(() => { done = true; });
  for (let i = 0; i < 60 && !done; i++) {
    await sleep(500);
    // With no quick input open this does nothing.
    if (!done) await vscode.commands.executeCommand(action);
  }
  return result;
}
