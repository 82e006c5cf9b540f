// The traces panel's filter bar: full-text search, run, stage, step range, mean-reward range, sort key and
// direction, follow, and the count (with search progress and what the host skipped). DOM only: it reports
// the query's parts and toggles; the host does the work.
import type { RunInfo } from '../../protocol/messages';
import { parseBound, type TraceFilter, type TraceSortKey } from '../../protocol/traces';
import { el, clear } from '../common/dom';

export interface ControlsActions {
  filter(f: TraceFilter): void;
  search(text: string): void;
  sort(key: TraceSortKey, descending: boolean): void;
  follow(on: boolean): void;
}

export interface Controls {
  root: HTMLElement;
  setRuns(runs: RunInfo[], stages: string[]): void;
  show(f: TraceFilter, search: string, sort: TraceSortKey, descending: boolean, follow: boolean): void;
  showCount(shown: number, indexed: number, done: boolean, searching: boolean): void;
  showNotices(lines: string[]): void;
  showError(text: string | undefined): void;
}

/** One formatter (toLocaleString builds one per call, and the count updates on every scroll render). */
const COUNT = new Intl.NumberFormat('en-US');

const SORTS: [TraceSortKey, string][] = [['time', 'Time'], ['length', 'Length'], ['reward', 'Reward'], ['advantage', 'Advantage']];

type Field = HTMLElement & { value: string; invalid?: boolean };
type Check = HTMLElement & { checked: boolean };

export function buildControls(a: ControlsActions): Controls {
  const search = el('vscode-textfield', { class: 'search', attrs: { placeholder: 'Search prompts and responses', 'aria-label': 'Search prompts and responses', 'data-filter': 'search' } }) as Field;
  search.append(el('span', { class: 'codicon codicon-search', attrs: { slot: 'content-before' } }));
  const run = el('select', { class: 'select', attrs: { 'aria-label': 'Run', 'data-filter': 'run' } });
  const stage = el('select', { class: 'select', attrs: { 'aria-label': 'Stage', 'data-filter': 'stage' } });
  const field = (name: string, placeholder: string) =>
    el('vscode-textfield', { class: 'bound', attrs: { placeholder, 'aria-label': placeholder, 'data-filter': name } }) as Field;
  const stepMin = field('stepMin', 'step ≥');
  const stepMax = field('stepMax', 'step ≤');
  const rewardMin = field('rewardMin', 'reward ≥');
  const rewardMax = field('rewardMax', 'reward ≤');
  const sort = el('select', { class: 'select', attrs: { 'aria-label': 'Sort by', 'data-filter': 'sort' } });
  sort.append(...SORTS.map(([k, label]) => el('option', { text: label, attrs: { value: k } })));
  const order = el('vscode-button', { attrs: { secondary: '', 'data-action': 'order' } }) as HTMLElement & { icon: string };
  const follow = el('vscode-checkbox', { attrs: { label: 'Follow', title: 'Keep the newest traces in view as they stream in', 'data-action': 'follow' } }) as Check;
  const count = el('span', { class: 'count', attrs: { 'aria-live': 'polite' } });
  const notices = el('div', { class: 'notices hidden', attrs: { role: 'status' } });
  const error = el('div', { class: 'error hidden', attrs: { role: 'alert' } });
  let descending = true;

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
  search.addEventListener('input', () => a.search(search.value));
  const showOrder = () => {
    const time = sort.value === 'time';
    order.textContent = time ? (descending ? 'Newest first' : 'Oldest first') : (descending ? 'Highest first' : 'Lowest first');
    order.icon = descending ? 'arrow-down' : 'arrow-up';
    follow.classList.toggle('hidden', !time);
  };
  order.addEventListener('click', () => {
    descending = !descending;
    showOrder();
    a.sort(sort.value as TraceSortKey, descending);
  });
  sort.addEventListener('change', () => {
    showOrder();
    a.sort(sort.value as TraceSortKey, descending);
  });
  follow.addEventListener('change', () => a.follow(follow.checked));

  const option = (value: string, label: string) => el('option', { text: label, attrs: { value } });
  const root = el('div', { class: 'toolbar-wrap' },
    el('div', { class: 'toolbar', attrs: { role: 'toolbar' } },
      el('div', { class: 'group grow' }, search),
      el('div', { class: 'group' }, run, stage),
      el('div', { class: 'group' }, stepMin, stepMax),
      el('div', { class: 'group' }, rewardMin, rewardMax),
      el('div', { class: 'group' }, sort, order, follow),
      count),
    notices,
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
    show(f, text, key, desc, fl) {
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
      search.value = text;
      sort.value = key;
      descending = desc;
      showOrder();
      follow.checked = fl;
    },
    showCount(shown, indexed, done, searching) {
      const base = shown === indexed && done ? `${COUNT.format(indexed)} traces` : `${COUNT.format(shown)}${done ? '' : '+'} of ${COUNT.format(indexed)} traces`;
      count.textContent = done ? base : `${base} · ${searching ? 'searching' : 'reading'}…`;
    },
    showNotices(lines) {
      clear(notices);
      for (const l of lines) notices.append(el('div', { text: l }));
      notices.classList.toggle('hidden', !lines.length);
    },
    showError(text) {
      error.textContent = text ?? '';
      error.classList.toggle('hidden', !text);
    },
  };
}
