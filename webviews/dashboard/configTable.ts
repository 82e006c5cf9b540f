// The dashboard's config differences (W&B's Run Comparer "diff only"): the keys of the shown runs' resolved
// recipes whose values differ, one column per run, and per run a button that opens VS Code's diff editor on
// its resolved recipe against the first run's. Collapsed under its summary line; hidden with fewer than two
// runs. Values are untrusted text (from run directories): written as text nodes only.
import type { ParamsOf, HostMessage } from '../../protocol/messages';
import { el, clear } from '../common/dom';

export type ConfigParams = ParamsOf<HostMessage, 'dashboard/config'>;

/** Rows shown at most (the rest are counted). */
export const MAX_CONFIG_ROWS = 500;

export interface ConfigTable {
  root: HTMLElement;
  show(p: ConfigParams, label: (run: string) => string): void;
}

const isStrOrNull = (v: unknown) => v === null || typeof v === 'string';

export function buildConfigTable(openDiff: (a: string, b: string) => void): ConfigTable {
  const summary = el('summary', { class: 'config-summary' });
  const body = el('div', { class: 'config-body' });
  const root = el('details', { class: 'config-diff hidden', attrs: { 'data-section': 'config' } }, summary, body);
  return {
    root,
    show(p, label) {
      const runs = Array.isArray(p?.runs) ? p.runs.filter((r): r is string => typeof r === 'string') : [];
      const rows = (Array.isArray(p?.rows) ? p.rows : [])
        .filter((r) => r && typeof r.key === 'string' && Array.isArray(r.values) && r.values.length === runs.length && r.values.every(isStrOrNull));
      const problems = (Array.isArray(p?.problems) ? p.problems : []).filter((q) => q && typeof q.message === 'string');
      root.classList.toggle('hidden', runs.length < 2);
      summary.textContent = rows.length
        ? `Config: ${rows.length} key${rows.length === 1 ? '' : 's'} differ across ${runs.length} runs`
        : `Config: the ${runs.length} runs' resolved recipes are the same${problems.length ? ' (where readable)' : ''}`;
      clear(body);
      const head = el('tr', {}, el('th', { text: 'key' }), ...runs.map((run, i) => {
        const th = el('th', { title: run }, el('span', { class: 'config-run', text: label(run) }));
        if (i > 0) {
          const b = el('vscode-button', { text: 'diff', attrs: { icon: 'diff', 'data-diff': String(i), title: `Open the resolved recipes of ${label(runs[0])} and ${label(run)} in the diff editor` } }) as HTMLElement & { secondary: boolean };
          b.secondary = true;
          b.addEventListener('click', () => openDiff(runs[0], run));
          th.append(b);
        }
        return th;
      }));
      const table = el('table', { class: 'config-table' }, el('thead', {}, head));
      const tbody = el('tbody');
      for (const r of rows.slice(0, MAX_CONFIG_ROWS)) {
        tbody.append(el('tr', {}, el('td', { class: 'config-key', text: r.key }),
          ...r.values.map((v) => (v === null ? el('td', { class: 'absent', text: '—', title: 'not in this run' }) : el('td', { text: v, title: v })))));
      }
      table.append(tbody);
      body.append(el('div', { class: 'config-scroll' }, table));
      if (rows.length > MAX_CONFIG_ROWS) body.append(el('p', { class: 'muted', text: `${rows.length - MAX_CONFIG_ROWS} more keys differ (open the diff editor to see all).` }));
      for (const q of problems) body.append(el('p', { class: 'config-problem', text: `${typeof q.run === 'string' ? label(q.run) : 'a run'}: ${q.message}` }));
    },
  };
}
