// Entry of the sample traces panel bundle (dist/webviews/traces.js): a filter bar (search, filters, sort)
// over a virtualised list whose pages the host sends on request, and a prompt's timeline. Sends the query
// whenever it changes, and saves filters/sort/expansion/timeline as panel state.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { RunInfo } from '../../protocol/messages';
import type { TraceQuery } from '../../protocol/traces';
import { connect } from '../common/messaging';
import { el, clear } from '../common/dom';
import { TraceList } from './traceList';
import { buildControls } from './controls';
import { timelineView } from './timelineView';
import { parseTracesState, type TracesState } from './state';

const channel = connect('traces');
let state: TracesState = parseTracesState(channel.savedState());
let runs: RunInfo[] = [];
const stages = new Set<string>();
let seq = -1;
/** What the page last acknowledged drawing (posted again only when it changes). */
let drawn = '';

const save = () => {
  state.expanded = list.expandedKeys();
  // While the timeline hides the list it has no scroll position: the one saved before stays.
  state.top = list.follow ? undefined : list.topPosition() ?? state.top;
  channel.saveState(state);
};
const list = new TraceList({
  runLabel: (run) => (runs.length > 1 ? runs.find((r) => r.key === run)?.label ?? run.split(/[\\/]/).pop() : undefined),
  changed: () => showCount(),
  request: (s, version, from, to) => channel.post('traces/rows', { seq: s, version, from, to }),
  timeline: (promptId) => openTimeline(promptId),
});

function showCount(): void {
  const c = list.cache;
  controls.showCount(c.total, c.indexed, c.done, !!state.search);
  empty.textContent = c.done && c.total === 0 ? (c.indexed ? 'No traces match.' : 'No sample traces yet. They appear here as the trainer writes them.') : '';
  empty.classList.toggle('hidden', !(c.done && c.total === 0));
  // Acknowledged when the result changes or its first rows are drawn (not on every scroll).
  const rows = list.root.querySelectorAll('.row:not(.pending)').length;
  const ack = `${c.seq}/${c.version}/${rows > 0}/${c.total}`;
  if (ack !== drawn && seq >= 0) {
    drawn = ack;
    channel.post('traces/drawn', { seq: c.seq, version: c.version, rows, total: c.total });
  }
}

/** Sends the query the controls show (a new seq: rows of older queries are ignored). */
function sendQuery(): void {
  const query: TraceQuery = { filter: state.filter, sort: state.sort, descending: state.descending, ...(state.search ? { search: state.search } : {}) };
  seq++;
  list.search = state.search || undefined;
  list.timeOrder = state.sort === 'time';
  list.descending = state.descending;
  list.start(seq);
  channel.post('traces/query', { seq, query });
}

let typing: ReturnType<typeof setTimeout> | undefined;
/** Text fields send their query once typing pauses; choices at once. */
const requery = (delay: number) => {
  clearTimeout(typing);
  typing = undefined;
  if (delay) typing = setTimeout(() => {
    typing = undefined;
    sendQuery();
  }, delay);
  else sendQuery();
};

const controls = buildControls({
  filter(f) {
    state.filter = f;
    save();
    requery(150);
  },
  search(text) {
    state.search = text;
    save();
    requery(150);
  },
  sort(key, descending) {
    state.sort = key;
    state.descending = descending;
    save();
    requery(0);
  },
  follow(on) {
    state.follow = on;
    list.follow = on;
    save();
  },
});
// Expanding or collapsing a row is state too (saved after the list has applied the click), and so is
// where the user scrolled to while not following (saved when scrolling pauses).
list.root.addEventListener('click', () => queueMicrotask(save));
let scrollTimer: ReturnType<typeof setTimeout> | undefined;
list.root.addEventListener('scroll', () => {
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(save, 250);
}, { passive: true });

const empty = el('div', { class: 'empty-state hidden' });
const pane = el('div', { class: 'timeline-pane hidden' });
pane.addEventListener('click', (e) => {
  if ((e.target as HTMLElement).closest('[data-action="close-timeline"]')) closeTimeline();
});
document.getElementById('app')!.append(controls.root, empty, list.root, pane);

function openTimeline(promptId: string): void {
  state.timeline = promptId;
  save();
  clear(pane);
  pane.append(el('p', { class: 'empty-state', text: `Reading the timeline of prompt ${promptId}…` }));
  pane.classList.remove('hidden');
  list.root.classList.add('hidden');
  channel.post('traces/timeline', { promptId });
}

function closeTimeline(): void {
  state.timeline = undefined;
  save();
  clear(pane);
  pane.classList.add('hidden');
  list.root.classList.remove('hidden');
  list.schedule();
}

function applyState(): void {
  list.follow = state.follow;
  list.setExpanded(state.expanded);
  if (!state.follow) list.restoreTop(state.top);
  controls.show(state.filter, state.search, state.sort, state.descending, state.follow);
  sendQuery();
  if (state.timeline !== undefined) openTimeline(state.timeline);
}

const refreshStages = () => controls.setRuns(runs, [...stages].sort());

channel.on('init', (p) => {
  if (p.state === undefined || p.state === null || channel.savedState()) return;
  state = parseTracesState(p.state);
  applyState();
});
channel.on('traces/runs', (p) => {
  runs = Array.isArray(p.runs) ? p.runs : [];
  for (const r of runs) for (const s of r.stages ?? []) stages.add(s.id);
  refreshStages();
});
channel.on('traces/result', (p) => {
  list.result(p);
  controls.showNotices(Array.isArray(p.notices) ? p.notices.map(String) : []);
  showCount();
});
channel.on('traces/rows', (p) => {
  const items = Array.isArray(p.items) ? p.items : [];
  const before = stages.size;
  for (const it of items) if (it && typeof it.stage === 'string') stages.add(it.stage);
  if (stages.size !== before) refreshStages();
  list.put(p.seq, p.version, p.from, items);
});
channel.on('traces/timeline', (p) => {
  if (p.promptId !== state.timeline) return;
  clear(pane);
  pane.append(timelineView(p));
  const entries = Array.isArray(p.entries) ? p.entries.length : 0;
  channel.post('traces/drawn', { seq: Math.max(0, seq), version: list.cache.version, rows: 0, total: list.cache.total, timeline: entries });
});
channel.on('traces/focus', (p) => {
  if (typeof p.search === 'string') {
    state.search = p.search;
    controls.show(state.filter, state.search, state.sort, state.descending, state.follow);
    save();
    sendQuery();
  }
  if (typeof p.promptId === 'string') openTimeline(p.promptId);
});
channel.on('error', (p) => controls.showError(String(p.message)));
channel.ready();
applyState();

// Read-only diagnostics for tests (counters, positions); nothing the host relies on.
(globalThis as { s2tDebug?: unknown }).s2tDebug = { list, typing: () => typing !== undefined };
