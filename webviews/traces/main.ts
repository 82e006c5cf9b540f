// Entry of the sample traces panel bundle (dist/webviews/traces.js): a filter bar over a virtualised list
// of streamed traces. Wires host messages (runs, items) and saves filters/order/expansion as panel state.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { RunInfo } from '../../protocol/messages';
import { connect } from '../common/messaging';
import { el } from '../common/dom';
import { TraceList } from './traceList';
import { buildControls } from './controls';
import { parseTracesState, type TracesState } from './state';

const channel = connect('traces');
let state: TracesState = parseTracesState(channel.savedState());
let runs: RunInfo[] = [];
const stages = new Set<string>();

const save = () => {
  state.expanded = list.expandedKeys();
  state.top = list.follow ? undefined : list.topKey();
  channel.saveState(state);
};
const list = new TraceList(
  (run) => (runs.length > 1 ? runs.find((r) => r.key === run)?.label ?? run.split(/[\\/]/).pop() : undefined),
  () => controls.showCount(list.count, list.total),
);
const controls = buildControls({
  filter(f) {
    state.filter = f;
    list.setFilter(f);
    save();
  },
  order(nf) {
    state.newestFirst = nf;
    list.setOrder(nf);
    save();
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

const empty = el('div', { class: 'empty-state' }, el('p', { text: 'No sample traces yet. They appear here as the trainer writes them.' }));
document.getElementById('app')!.append(controls.root, empty, list.root);

function applyState(): void {
  list.newestFirst = state.newestFirst;
  list.follow = state.follow;
  list.setExpanded(state.expanded);
  list.setFilter(state.filter);
  if (!state.follow) list.restoreTop(state.top);
  controls.show(state.filter, state.newestFirst, state.follow);
}
applyState();

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
channel.on('traces/items', (p) => {
  const items = Array.isArray(p.items) ? p.items : [];
  const before = stages.size;
  for (const it of items) if (it && typeof it.stage === 'string') stages.add(it.stage);
  if (stages.size !== before) refreshStages();
  list.add(items, p.reset === true);
  empty.classList.toggle('hidden', list.total > 0);
});
channel.on('error', (p) => controls.showError(String(p.message)));
channel.ready();

// Read-only diagnostics for tests (counters, positions); nothing the host relies on.
(globalThis as { s2tDebug?: unknown }).s2tDebug = { list };
