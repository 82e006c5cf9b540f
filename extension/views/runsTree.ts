// The Runs view (activity bar): recipes → runs → stages → checkpoints, with status icons, step/total and the
// context actions of each level (run, open dashboard, stop, resume, reveal). Nodes carry plain fields
// (runDir, stageId, recipe) so the commands accept them as arguments.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { hostname } from 'node:os';
import { metricValue, type StageState } from '../../protocol/runRecords';
import { METRICS } from '../../protocol/metrics';
import type { Runs } from '../runs/index';
import type { RunsCore } from '../runs/runsServices';
import type { RunSnapshot, StageSnapshot } from '../runs/runReader';
import type { RecipeRoot } from '../runs/discovery';
import { queuedText } from './queued';
import { runProblem } from './runProblem';

export type RunsNode =
  | { type: 'recipe'; recipe: vscode.Uri; root: RecipeRoot }
  | { type: 'other' }
  | { type: 'run'; runDir: string }
  | { type: 'stage'; runDir: string; stageId: string }
  | { type: 'checkpoint'; runDir: string; stageId: string; step: number; dir: string };

const STATE_ICON: Record<StageState, [string, string?]> = {
  pending: ['circle-outline'],
  running: ['sync~spin', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  unknown: ['question', 'disabledForeground'],
};

const icon = (state: StageState) => new vscode.ThemeIcon(STATE_ICON[state][0], STATE_ICON[state][1] ? new vscode.ThemeColor(STATE_ICON[state][1]!) : undefined);

/** A run's state as one word: running if any stage runs, else the first stage that did not succeed, else succeeded. */
export function runState(run: RunSnapshot): StageState {
  const states = run.stages.map((s) => s.status?.state ?? 'pending');
  if (states.includes('running')) return 'running';
  const bad = states.find((s) => s === 'failed' || s === 'cancelled' || s === 'unknown');
  if (bad) return bad;
  return states.every((s) => s === 'succeeded') ? 'succeeded' : 'pending';
}

/** The host a running stage runs on, when it is not this one (a shared file system). */
const elsewhere = (s: StageSnapshot): string | undefined => (s.status?.host && s.status.host !== hostname() ? s.status.host : undefined);

const stepOf = (s: StageSnapshot) => s.lastPoint?.step ?? s.status?.step;
const progressText = (s: StageSnapshot) => `${stepOf(s) ?? 0}/${s.totalSteps || s.status?.total_steps || '?'}`;

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer?: NodeJS.Timeout;
  private readonly subs: vscode.Disposable[] = [this.changed];

  constructor(private readonly runs: Runs) {
    const hook = (core: RunsCore) => {
      const later = () => this.refreshSoon();
      this.subs.push(core.store.onDidChangeRuns(later), core.store.onDidChangeRun(later), core.roots.onDidChange(later), core.supervisor.onDidChangeJobs(later));
      this.refreshSoon();
    };
    const have = runs.loaded();
    if (have) hook(have);
    else this.subs.push(runs.onDidLoad(hook));
  }

  refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 150);
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    const core = await this.runs.core();
    if (!node) {
      const recipes: RunsNode[] = core.roots.recipes.map((r) => ({ type: 'recipe', recipe: r.recipe, root: r }));
      const orphans = core.store.runs().some((r) => !core.roots.recipeOf(r.dir, r.recipePath));
      return orphans ? [...recipes, { type: 'other' }] : recipes;
    }
    switch (node.type) {
      case 'recipe':
      case 'other': {
        const mine = core.store.runs().filter((r) => {
          const owner = core.roots.recipeOf(r.dir, r.recipePath);
          return node.type === 'other' ? !owner : owner?.recipe.fsPath === node.recipe.fsPath;
        });
        mine.sort((a, b) => (b.created ?? b.runId).localeCompare(a.created ?? a.runId));
        return mine.map((r) => ({ type: 'run', runDir: r.dir }));
      }
      case 'run':
        return (core.store.get(node.runDir)?.stages ?? []).map((s) => ({ type: 'stage', runDir: node.runDir, stageId: s.id }));
      case 'stage': {
        const s = core.store.get(node.runDir)?.stages.find((x) => x.id === node.stageId);
        return [...(s?.checkpoints ?? [])].reverse().map((c) => ({ type: 'checkpoint', runDir: node.runDir, stageId: node.stageId, step: c.step, dir: c.dir }));
      }
      default:
        return [];
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const core = this.runs.loaded();
    switch (node.type) {
      case 'recipe': {
        const item = new vscode.TreeItem(node.root.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `recipe:${node.recipe.fsPath}`;
        item.description = vscode.workspace.asRelativePath(node.recipe);
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = 'see2think.recipe';
        item.tooltip = node.recipe.fsPath;
        item.command = { command: 'vscode.open', title: 'Open Recipe', arguments: [node.recipe] };
        return item;
      }
      case 'other': {
        const item = new vscode.TreeItem('Other runs', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'other';
        item.iconPath = new vscode.ThemeIcon('folder');
        return item;
      }
      case 'run': {
        const run = core?.store.get(node.runDir);
        const item = new vscode.TreeItem(run?.runId ?? basename(node.runDir), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${node.runDir}`;
        if (!run) return item;
        const state = runState(run);
        const current = run.stages.find((s) => s.status?.state === 'running');
        const queued = run.stages.find((s) => queuedText(s.status));
        const problem = runProblem(run);
        const remote = current && elsewhere(current);
        item.iconPath = problem ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
          : remote ? new vscode.ThemeIcon('remote') : queued && !current ? new vscode.ThemeIcon('clock') : icon(state);
        item.description = `${problem ? '⚠ ' : ''}${current ? `${current.id} ${remote ? `running on ${remote}` : progressText(current)}` : queued ? `${queued.id} ${queuedText(queued.status)}` : state}`;
        const job = core?.supervisor.job(node.runDir);
        const resumable = run.stages.some((s) => s.status?.state !== 'succeeded') && state !== 'running';
        const locked = !job && core?.supervisor.lockedBy(node.runDir);
        item.contextValue = `see2think.run${state === 'running' ? '.running' : ''}${resumable ? '.resumable' : ''}${locked ? '.locked' : ''}`;
        const md = new vscode.MarkdownString(`**${run.recipeName}/${run.runId}**${job?.attached ? ' (re-attached)' : ''}\n\n`);
        for (const s of run.stages) md.appendMarkdown(`- \`${s.id}\` ${s.kind}: ${s.status?.state ?? 'pending'} ${progressText(s)}\n`);
        if (problem) md.appendMarkdown(`\n⚠ ${problem}`);
        if (locked) md.appendMarkdown(`\n\n🔒 driven by ${locked} (Break Lock if it is gone)`);
        md.appendMarkdown(`\n\n${node.runDir}`);
        item.tooltip = md;
        return item;
      }
      case 'stage': {
        const s = core?.store.get(node.runDir)?.stages.find((x) => x.id === node.stageId);
        const item = new vscode.TreeItem(node.stageId, s?.checkpoints.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `stage:${node.runDir}#${node.stageId}`;
        if (!s) return item;
        const state = s.status?.state ?? 'pending';
        const queued = queuedText(s.status);
        const remote = state === 'running' ? elsewhere(s) : undefined;
        item.iconPath = s.readError ? new vscode.ThemeIcon('warning') : remote ? new vscode.ThemeIcon('remote') : queued ? new vscode.ThemeIcon('clock') : icon(state);
        const reward = metricValue(s.lastPoint, METRICS.rewardOverall);
        item.description = `${s.kind} · ${queued ?? progressText(s)}${remote ? ` · running on ${remote}` : ''}${state !== 'pending' && state !== 'running' ? ` · ${state}` : ''}${typeof reward === 'number' ? ` · r ${reward.toFixed(3)}` : ''}${s.readError ? ' · ⚠ unreadable' : ''}`;
        item.contextValue = `see2think.stage.${state}`;
        const md = new vscode.MarkdownString(`**${s.id}** (${s.kind}): ${state}, step ${progressText(s)}`);
        if (s.status?.exit_code !== undefined && s.status.exit_code !== null) md.appendMarkdown(`, exit code ${s.status.exit_code}`);
        if (queued) md.appendMarkdown(`\n\n${queued}`);
        if (s.status?.error) md.appendCodeblock(s.status.error, 'text');
        if (s.badLines) md.appendMarkdown(`\n\n${s.badLines} unreadable metric line(s) skipped`);
        if (s.readError) md.appendMarkdown(`\n\n⚠ cannot read this stage: ${s.readError}`);
        if (remote) md.appendMarkdown(`\n\nRunning on host ${remote} (pid ${s.status?.pid ?? '?'}): stop it there.`);
        item.tooltip = md;
        return item;
      }
      case 'checkpoint': {
        const item = new vscode.TreeItem(`step-${node.step}`, vscode.TreeItemCollapsibleState.None);
        item.id = `ckpt:${node.dir}`;
        item.iconPath = new vscode.ThemeIcon('save');
        item.contextValue = 'see2think.checkpoint';
        item.tooltip = node.dir;
        item.resourceUri = vscode.Uri.file(node.dir);
        return item;
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.subs) d.dispose();
  }
}

export function registerRunsView(context: vscode.ExtensionContext, runs: Runs): RunsTreeProvider {
  const provider = new RunsTreeProvider(runs);
  const view = vscode.window.createTreeView('see2think.runs', { treeDataProvider: provider, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(provider, view, vscode.commands.registerCommand('see2think.refreshRuns', async () => {
    const core = await runs.core();
    await core.roots.refresh();
    core.store.refresh();
    provider.refreshSoon();
  }));
  return provider;
}
