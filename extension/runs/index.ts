// The runs feature's entry at activation: cheap (types only), it loads the working parts (store, supervisor,
// discovery — which pull in the recipe validator) on the next tick, so activation itself stays fast.
import * as vscode from 'vscode';
import type { RunsCore } from './runsServices';

export interface Runs {
  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  readonly trainerLog: vscode.LogOutputChannel;
  /** The loaded core (after the first discovery and recovery pass). */
  core(): Promise<RunsCore>;
  /** The core if it is loaded already (for synchronous UI like tree refreshes). */
  loaded(): RunsCore | undefined;
  readonly onDidLoad: vscode.Event<RunsCore>;
  /** Loading the core: importing and constructing it (synchronous work), and until its first discovery and recovery pass are done (ms). */
  coreImportMs?: number;
  coreLoadMs?: number;
}

export function createRuns(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Runs {
  const trainerLog = vscode.window.createOutputChannel('See2Think Trainer', { log: true });
  const loadedEmitter = new vscode.EventEmitter<RunsCore>();
  context.subscriptions.push(trainerLog, loadedEmitter);
  let instance: RunsCore | undefined;
  let loading: Promise<RunsCore> | undefined;
  const core = (): Promise<RunsCore> => (loading ??= (async () => {
    const t0 = performance.now();
    const { RunsCore } = await import('./runsServices');
    instance = new RunsCore({ extensionUri: context.extensionUri, log, trainerLog, workspaceState: context.workspaceState });
    context.subscriptions.push(instance);
    runs.coreImportMs = performance.now() - t0;
    await instance.ready.catch((err) => log.error(`runs: ${(err as Error).stack ?? err}`));
    runs.coreLoadMs = performance.now() - t0;
    loadedEmitter.fire(instance);
    return instance;
  })());
  setTimeout(() => void core(), 0);
  const runs: Runs = { extensionUri: context.extensionUri, log, trainerLog, core, loaded: () => instance, onDidLoad: loadedEmitter.event };
  return runs;
}
