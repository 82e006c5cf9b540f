// The trace diff panel (dist/webviews/diff.js): the summary of two checkpoints' answers on one eval set,
// a toolbar (flip class, task, text filter, sort), and the virtualised list of prompts with A's and B's
// traces side by side. It holds every compact row, filters and sorts locally, and asks for details.
import { applyDiffView, DEFAULT_DIFF_VIEW, FLIP_CLASSES, type CompareSummary, type DiffRow, type DiffSortKey, type DiffView, type FlipClass } from '../../protocol/diff';
import { connect } from '../common/messaging';
import { clear, el } from '../common/dom';
import { renderSummary } from './summaryView';
import { DiffList } from './listView';

interface SavedState {
  /** Which comparison the state belongs to: JSON of [A file, B file] (the host restores the panel from it). */
  key: string;
  view: DiffView;
  scrollTop: number;
  expanded: string[];
}

const SORTS: { value: string; label: string; sort: DiffSortKey; descending: boolean }[] = [
  { value: 'index', label: 'File order', sort: 'index', descending: false },
  { value: 'shorter', label: 'Length change: most shortened first', sort: 'length-delta', descending: false },
  { value: 'longer', label: 'Length change: most lengthened first', sort: 'length-delta', descending: true },
  { value: 'rel-shorter', label: 'Relative length change: most shortened first', sort: 'relative-length-delta', descending: false },
  { value: 'rel-longer', label: 'Relative length change: most lengthened first', sort: 'relative-length-delta', descending: true },
];

function validState(raw: unknown): SavedState | undefined {
  const s = raw as Partial<SavedState> | null;
  if (!s || typeof s !== 'object' || typeof s.key !== 'string' || !s.view || typeof s.view !== 'object') return undefined;
  const v = s.view;
  if (!Array.isArray(v.flips) || !v.flips.every((f) => FLIP_CLASSES.includes(f)) || !SORTS.some((o) => o.sort === v.sort)) return undefined;
  return {
    key: s.key,
    view: { flips: v.flips, sort: v.sort, descending: !!v.descending, task: typeof v.task === 'string' ? v.task : undefined, text: typeof v.text === 'string' ? v.text : undefined },
    scrollTop: typeof s.scrollTop === 'number' ? s.scrollTop : 0,
    expanded: Array.isArray(s.expanded) ? s.expanded.filter((x): x is string => typeof x === 'string').slice(0, 500) : [],
  };
}

const channel = connect('diff');
const app = document.getElementById('app')!;
let saved = validState(channel.savedState());
let view: DiffView = { ...DEFAULT_DIFF_VIEW };
let summary: CompareSummary | undefined;
let rows: DiffRow[] = [];
let key = '';

const list = new DiffList({
  requestDetails: (ids) => channel.post('diff/details', { ids }),
  openEditor: (id) => channel.post('diff/open-editor', { id }),
  changed: () => save(),
});
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function save(): void {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => channel.saveState({ key, view, scrollTop: list.scrollTop, expanded: list.expandedIds } satisfies SavedState), 200);
}

const summaryHost = el('div', { class: 'summary-host' });
const count = el('span', { class: 'count muted' });
const search = el('input', { attrs: { type: 'search', placeholder: 'Filter prompts, ids, answers', 'aria-label': 'Filter' } });
const taskSelect = el('select', { attrs: { 'aria-label': 'Task' } });
const sortSelect = el('select', { class: 'sort', attrs: { 'aria-label': 'Sort' } }, ...SORTS.map((o) => el('option', { text: o.label, attrs: { value: o.value } })));
const toolbar = el('div', { class: 'toolbar' }, search, taskSelect, sortSelect, count);
const empty = el('div', { class: 'empty', text: 'Waiting for the comparison…' });
app.append(summaryHost, toolbar, list.element, empty);
toolbar.hidden = true;

let searchTimer: ReturnType<typeof setTimeout> | undefined;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => update({ text: search.value || undefined }), 150);
});
taskSelect.addEventListener('change', () => update({ task: taskSelect.value || undefined }));
sortSelect.addEventListener('change', () => {
  const o = SORTS.find((x) => x.value === sortSelect.value) ?? SORTS[0];
  update({ sort: o.sort, descending: o.descending });
});

function toggleFlip(f: FlipClass): void {
  update({ flips: view.flips.includes(f) ? view.flips.filter((x) => x !== f) : [...view.flips, f] });
}

/** Applies a change of filter/sort: re-renders the summary buttons and the list from the top. */
function update(change: Partial<DiffView>, restore?: { scrollTop?: number; expanded?: string[] }): void {
  view = { ...view, ...change };
  if (!summary) return;
  clear(summaryHost);
  summaryHost.appendChild(renderSummary(summary, view.flips, { toggleFlip }));
  const shown = applyDiffView(rows, view);
  count.textContent = `${shown.length} of ${rows.length} prompts`;
  empty.hidden = shown.length > 0;
  empty.textContent = rows.length ? 'No prompt matches the filter.' : 'The two eval files share no prompts.';
  list.setRows(shown, restore ?? { scrollTop: 0 });
  save();
}

function syncControls(): void {
  search.value = view.text ?? '';
  const tasks = [...new Set(rows.map((r) => r.task).filter((t): t is string => !!t))].sort();
  clear(taskSelect);
  taskSelect.append(el('option', { text: 'All tasks', attrs: { value: '' } }), ...tasks.map((t) => el('option', { text: t, attrs: { value: t } })));
  taskSelect.value = view.task && tasks.includes(view.task) ? view.task : '';
  taskSelect.hidden = tasks.length < 2;
  sortSelect.value = SORTS.find((o) => o.sort === view.sort && o.descending === view.descending)?.value ?? 'index';
}

channel.on('diff/data', (p) => {
  summary = p.summary;
  rows = p.rows;
  key = JSON.stringify([p.summary.a.file, p.summary.b.file]);
  const restore = saved && saved.key === key ? saved : undefined;
  saved = undefined;
  view = restore ? restore.view : { ...DEFAULT_DIFF_VIEW };
  toolbar.hidden = false;
  syncControls();
  update({}, restore ? { scrollTop: restore.scrollTop, expanded: restore.expanded } : { scrollTop: 0 });
});
channel.on('diff/details', (p) => list.addDetails(p.details));
channel.ready();
