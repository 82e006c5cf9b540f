// The Runs view (activity bar): recipes → runs → stages → checkpoints, and experiments → arms → seed runs
// (runs whose run.json names an experiment arm), with status icons, step/total and the context actions of each
// level (run, open dashboard, compare, stop, resume, reveal). Nodes carry plain fields (runDir, runDirs,
// stageId, recipe) so the commands accept them as arguments.
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
import { experimentsOf, runGroup } from './experimentGroups';
import { runProblem } from './runProblem';
import { runAlertUri } from '../alerts/alertsFeature';
import { formatAlert } from '../../protocol/alerts';

export type RunsNode =
  | { type: 'recipe'; recipe: vscode.Uri; root: RecipeRoot }
  | { type: 'other' }
  /** An experiment's runs (all arms, all seeds): the dashboard opens on them grouped. */
  | { type: 'experiment'; experiment: string; runDirs: string[] }
  | { type: 'arm'; experiment: string; arm: string; runDirs: string[] }
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

/** Several runs' states as one: running if any runs, else failed or cancelled if any, succeeded if all did. */
function statesOf(runs: RunSnapshot[]): StageState {
  const states = runs.map(runState);
  for (const s of ['running', 'failed', 'cancelled'] as const) if (states.includes(s)) return s;
  return states.length && states.every((s) => s === 'succeeded') ? 'succeeded' : 'pending';
}

/** "3 running, 2 succeeded". */
function stateCounts(runs: RunSnapshot[]): string {
  const counts = new Map<StageState, number>();
  for (const r of runs) counts.set(runState(r), (counts.get(runState(r)) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
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
  /** The tree view showing this provider (its badge counts alerts). */
  view?: vscode.TreeView<RunsNode>;

  constructor(private readonly runs: Runs) {
    const hook = (core: RunsCore) => {
      const later = () => this.refreshSoon();
      this.subs.push(core.store.onDidChangeRuns(later), core.store.onDidChangeRun(later), core.roots.onDidChange(later), core.supervisor.onDidChangeJobs(later), core.alerts.onDidChange(later));
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
      const experiments: RunsNode[] = experimentsOf(core.store.runs()).map((e) => ({
        type: 'experiment', experiment: e.experiment, runDirs: e.arms.flatMap((a) => a.runs.map((r) => r.run.dir)),
      }));
      const orphans = core.store.runs().some((r) => !runGroup(r) && !core.roots.recipeOf(r.dir, r.recipePath));
      return [...recipes, ...experiments, ...(orphans ? [{ type: 'other' } as const] : [])];
    }
    switch (node.type) {
      case 'experiment':
        return (experimentsOf(core.store.runs()).find((e) => e.experiment === node.experiment)?.arms ?? []).map((a) => ({
          type: 'arm', experiment: node.experiment, arm: a.arm, runDirs: a.runs.map((r) => r.run.dir),
        }));
      case 'arm': {
        const arm = experimentsOf(core.store.runs()).find((e) => e.experiment === node.experiment)?.arms.find((a) => a.arm === node.arm);
        return (arm?.runs ?? []).map((r) => ({ type: 'run', runDir: r.run.dir }));
      }
      case 'recipe':
      case 'other': {
        // An experiment's runs are listed under it, not under their recipe.
        const mine = core.store.runs().filter((r) => {
          if (runGroup(r)) return false;
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
      case 'experiment':
      case 'arm': {
        const runs = node.runDirs.map((d) => core?.store.get(d)).filter((r): r is RunSnapshot => !!r);
        const label = node.type === 'experiment' ? node.experiment : node.arm;
        const item = new vscode.TreeItem(label, node.type === 'experiment' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `${node.type}:${JSON.stringify([node.experiment, node.type === 'arm' ? node.arm : ''])}`;
        item.iconPath = node.type === 'experiment' ? new vscode.ThemeIcon('layers') : icon(statesOf(runs));
        item.contextValue = `see2think.${node.type}`;
        if (node.type === 'experiment') {
          const arms = new Set(runs.map((r) => runGroup(r)?.arm));
          item.description = `experiment · ${arms.size} arm${arms.size === 1 ? '' : 's'}, ${runs.length} runs · ${stateCounts(runs)}`;
        } else item.description = `${runs.length} seed${runs.length === 1 ? '' : 's'} · ${stateCounts(runs)}`;
        item.tooltip = `${node.type === 'experiment' ? `Experiment ${node.experiment}` : `Arm ${node.arm} of ${node.experiment}`}: ${runs.map((r) => r.runId).join(', ')}`;
        return item;
      }
      case 'run': {
        const run = core?.store.get(node.runDir);
        const group = run && runGroup(run);
        const item = new vscode.TreeItem(group ? `seed ${group.seed}` : run?.runId ?? basename(node.runDir), vscode.TreeItemCollapsibleState.Collapsed);
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
        if (group) item.description = `${item.description} · ${run.runId}`;
        const job = core?.supervisor.job(node.runDir);
        const resumable = run.stages.some((s) => s.status?.state !== 'succeeded') && state !== 'running';
        const locked = !job && core?.supervisor.lockedBy(node.runDir);
        item.contextValue = `see2think.run${state === 'running' ? '.running' : ''}${resumable ? '.resumable' : ''}${locked ? '.locked' : ''}`;
        const md = new vscode.MarkdownString(`**${run.recipeName}/${run.runId}**${job?.attached ? ' (re-attached)' : ''}\n\n`);
        for (const s of run.stages) md.appendMarkdown(`- \`${s.id}\` ${s.kind}: ${s.status?.state ?? 'pending'} ${progressText(s)}\n`);
        if (problem) md.appendMarkdown(`\n⚠ ${problem}`);
        if (locked) md.appendMarkdown(`\n\n🔒 driven by ${locked} (Break Lock if it is gone)`);
        // Alerts: the badge is a file decoration on this URI (alertsFeature.ts); the tooltip lists them.
        item.resourceUri = runAlertUri(node.runDir);
        for (const a of core?.alerts.alerts(node.runDir) ?? []) md.appendMarkdown('\n\n$(warning) ').appendText(formatAlert(a));
        md.supportThemeIcons = true;
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
  provider.view = view;
  context.subscriptions.push(provider, view, vscode.commands.registerCommand('see2think.refreshRuns', async () => {
    const core = await runs.core();
    await core.roots.refresh();
    core.store.refresh();
    provider.refreshSoon();
  }));
  return provider;
}
