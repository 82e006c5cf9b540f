// DOM of one prompt's timeline: every training step that sampled it and every evaluation that answered it,
// in step order, each showing one response (the group's best) as a word diff from the previous entry's, the
// rest of a group folded below. All text goes in through textContent.
import type { TraceTimeline, TimelineEntry } from '../../protocol/traces';
import { el } from '../common/dom';
import { responseMeta, responseText, str } from './traceView';

function diffView(e: TimelineEntry): HTMLElement {
  const body = el('div', { class: 'resp-text diff', attrs: { 'aria-label': 'word diff from the previous entry' } });
  for (const [op, text] of e.diff ?? []) {
    const t = str(text);
    body.append(op === -1 ? el('del', { class: 'del', text: t }) : op === 1 ? el('ins', { class: 'ins', text: t }) : document.createTextNode(t));
  }
  if (e.coarse) body.title = 'too different to diff word by word: shown whole';
  return body;
}

function entryView(e: TimelineEntry, i: number, truth: string): HTMLElement {
  const responses = Array.isArray(e.responses) ? e.responses : [];
  const shown = responses[e.shown] ?? responses[0];
  const head = el('div', { class: 'tl-head' },
    el('span', { class: `tl-kind ${e.kind === 'eval' ? 'eval' : 'train'}`, text: e.kind === 'eval' ? 'eval' : 'train' }),
    el('span', { class: 'tl-label', text: str(e.label) }),
    responses.length > 1 ? el('span', { class: 'kv', text: `best of ${responses.length}` }) : null);
  const out = el('div', { class: 'tl-entry', attrs: { 'data-kind': e.kind, 'data-index': String(i) } }, head);
  if (shown) out.append(responseMeta(shown, e.kind === 'eval' ? 'answer' : `#${e.shown + 1}`, truth), i > 0 && e.diff ? diffView(e) : responseText(str(shown.text), undefined));
  if (responses.length > 1) {
    const all = el('details', { class: 'tl-group' }, el('summary', { text: `all ${responses.length} responses` }));
    responses.forEach((r, k) => all.append(el('div', { class: 'response' }, responseMeta(r, `#${k + 1}`, truth), responseText(str(r?.text), undefined))));
    out.append(all);
  }
  return out;
}

export function timelineView(t: TraceTimeline): HTMLElement {
  const entries = Array.isArray(t.entries) ? t.entries : [];
  const truth = str(t.groundTruth);
  const trains = entries.filter((e) => e.kind === 'train').length;
  const count = `${trains} training step(s), ${entries.length - trains} evaluation(s)${t.omitted ? ` — the oldest ${t.omitted} left out` : ''}`;
  return el('div', { class: 'timeline', attrs: { role: 'region', 'aria-label': 'prompt timeline' } },
    el('div', { class: 'tl-top' },
      el('vscode-button', { text: 'Back to traces', attrs: { secondary: '', icon: 'arrow-left', 'data-action': 'close-timeline' } }),
      el('span', { class: 'tl-title', text: `Prompt ${str(t.promptId)}` }),
      el('span', { class: 'count', text: count })),
    el('div', { class: 'field' }, el('span', { class: 'label', text: 'prompt' }), el('div', { class: 'prompt-full', text: str(t.prompt) })),
    el('div', { class: 'field' }, el('span', { class: 'label', text: 'ground truth' }), el('code', { class: 'truth', text: truth })),
    ...(Array.isArray(t.problems) && t.problems.length ? [el('div', { class: 'error', attrs: { role: 'alert' } }, ...t.problems.map((p) => el('div', { text: str(p) })))] : []),
    entries.length ? el('div', { class: 'tl-entries' }, ...entries.map((e, i) => entryView(e, i, truth)))
      : el('p', { class: 'empty-state', text: 'This prompt was not found in the run\'s traces or evaluations.' }));
}
