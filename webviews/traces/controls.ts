// The traces panel's filter bar: run, stage, step range, mean-reward range, order, follow, and the count.
// DOM only: it reports a TraceFilter and toggles; the list does the work.
import type { RunInfo } from '../../protocol/messages';
import { el, clear } from '../common/dom';
import { parseBound, type TraceFilter } from './filter';

export interface ControlsActions {
  filter(f: TraceFilter): void;
  order(newestFirst: boolean): void;
  follow(on: boolean): void;
}

export interface Controls {
  root: HTMLElement;
  setRuns(runs: RunInfo[], stages: string[]): void;
  show(f: TraceFilter, newestFirst: boolean, follow: boolean): void;
  showCount(shown: number, total: number): void;
  showError(text: string | undefined): void;
}

/** One formatter (toLocaleString builds one per call, and the count updates on every scroll render). */
const COUNT = new Intl.NumberFormat('en-US');

type Field = HTMLElement & { value: string; invalid?: boolean };
type Check = HTMLElement & { checked: boolean };

export function buildControls(a: ControlsActions): Controls {
  const run = el('select', { class: 'select', attrs: { 'aria-label': 'Run', 'data-filter': 'run' } });
  const stage = el('select', { class: 'select', attrs: { 'aria-label': 'Stage', 'data-filter': 'stage' } });
  const field = (name: string, placeholder: string) =>
    el('vscode-textfield', { class: 'bound', attrs: { placeholder, 'aria-label': placeholder, 'data-filter': name } }) as Field;
  const stepMin = field('stepMin', 'step ≥');
  const stepMax = field('stepMax', 'step ≤');
  const rewardMin = field('rewardMin', 'reward ≥');
  const rewardMax = field('rewardMax', 'reward ≤');
  const order = el('vscode-button', { attrs: { secondary: '', 'data-action': 'order' } }) as HTMLElement & { icon: string };
  const follow = el('vscode-checkbox', { attrs: { label: 'Follow', title: 'Keep the newest traces in view as they stream in', 'data-action': 'follow' } }) as Check;
  const count = el('span', { class: 'count', attrs: { 'aria-live': 'polite' } });
  const error = el('div', { class: 'error hidden', attrs: { role: 'alert' } });
  let newestFirst = true;

  const current = (): TraceFilter => {
    const f: TraceFilter = {
      run: run.value || undefined, stage: stage.value || undefined,
      stepMin: parseBound(stepMin.value), stepMax: parseBound(stepMax.value),
      rewardMin: parseBound(rewardMin.value), rewardMax: parseBound(rewardMax.value),
    };
    for (const k of Object.keys(f) as (keyof TraceFilter)[]) if (f[k] === undefined) delete f[k];
    return f;
  };
  const changed = () => {
    for (const f of [stepMin, stepMax, rewardMin, rewardMax]) f.invalid = f.value.trim() !== '' && parseBound(f.value) === undefined;
    a.filter(current());
  };
  run.addEventListener('change', changed);
  stage.addEventListener('change', changed);
  for (const f of [stepMin, stepMax, rewardMin, rewardMax]) f.addEventListener('input', changed);
  const showOrder = () => {
    order.textContent = newestFirst ? 'Newest first' : 'Oldest first';
    order.icon = newestFirst ? 'arrow-up' : 'arrow-down';
  };
  order.addEventListener('click', () => {
    newestFirst = !newestFirst;
    showOrder();
    a.order(newestFirst);
  });
  follow.addEventListener('change', () => a.follow(follow.checked));

  const option = (value: string, label: string) => el('option', { text: label, attrs: { value } });
  const root = el('div', { class: 'toolbar-wrap' },
    el('div', { class: 'toolbar', attrs: { role: 'toolbar' } },
      el('div', { class: 'group' }, run, stage),
      el('div', { class: 'group' }, stepMin, stepMax),
      el('div', { class: 'group' }, rewardMin, rewardMax),
      el('div', { class: 'group' }, order, follow),
      count),
    error);

  return {
    root,
    setRuns(runs, stages) {
      const keepRun = run.value;
      const keepStage = stage.value;
      clear(run);
      run.append(option('', 'All runs'), ...runs.map((r) => option(r.key, r.label || r.runId || r.key)));
      clear(stage);
      stage.append(option('', 'All stages'), ...stages.map((s) => option(s, s)));
      run.value = keepRun;
      stage.value = keepStage;
      run.classList.toggle('hidden', runs.length < 2 && !keepRun);
    },
    show(f, nf, fl) {
      const ensure = (sel: HTMLSelectElement, v?: string) => {
        if (v && ![...sel.options].some((o) => o.value === v)) sel.append(option(v, v));
        sel.value = v ?? '';
      };
      ensure(run, f.run);
      ensure(stage, f.stage);
      stepMin.value = f.stepMin?.toString() ?? '';
      stepMax.value = f.stepMax?.toString() ?? '';
      rewardMin.value = f.rewardMin?.toString() ?? '';
      rewardMax.value = f.rewardMax?.toString() ?? '';
      newestFirst = nf;
      showOrder();
      follow.checked = fl;
    },
    showCount(shown, total) {
      count.textContent = shown === total ? `${COUNT.format(total)} traces` : `${COUNT.format(shown)} of ${COUNT.format(total)} traces`;
    },
    showError(text) {
      error.textContent = text ?? '';
      error.classList.toggle('hidden', !text);
    },
  };
}
