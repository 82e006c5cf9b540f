// The comparison summary at the top of the diff panel: which two checkpoints, accuracy A vs B with the
// paired interval, the four flip classes (buttons that filter the list), response length — the relative change
// of the mean (the paper's "shorter traces" in one number) and, labelled apart, the share of prompts whose
// response got shorter — the correct answers' length, the error analysis (wrong visual answers: perception vs
// reasoning), per-task lines and warnings.
import { FLIP_CLASSES, FLIP_LABELS, formatPercentChange, type CompareSummary, type EvalSide, type FlipClass } from '../../protocol/diff';
import { el } from '../common/dom';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
const pts = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}` : 'n/a');
const num = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(1)}` : 'n/a');

function side(name: 'A' | 'B', s: EvalSide): HTMLElement {
  return el('div', { class: `side-label side-${name.toLowerCase()}`, title: s.file },
    el('span', { class: 'side-name', text: name }),
    el('span', { class: 'side-checkpoint', text: s.label }),
    el('span', { class: 'muted', text: ` ${s.set} · ${s.sampling}${s.seed === null ? '' : ` · seed ${s.seed}`} · ${s.prompts} prompts` }));
}

function card(title: string, ...children: (HTMLElement | string)[]): HTMLElement {
  return el('div', { class: 'card' }, el('div', { class: 'card-title', text: title }), ...children);
}

export interface SummaryHandlers {
  /** A flip class button was clicked. */
  toggleFlip(flip: FlipClass): void;
}

export function renderSummary(s: CompareSummary, active: readonly FlipClass[], on: SummaryHandlers): HTMLElement {
  const flips = el('div', { class: 'flip-buttons' });
  for (const f of FLIP_CLASSES) {
    const b = el('button', { class: `flip-button flip-${f}${active.includes(f) ? ' active' : ''}`, attrs: { 'data-flip': f, 'aria-pressed': String(active.includes(f)) } },
      el('span', { class: 'flip-count', text: String(s.flips[f]) }), el('span', { class: 'flip-label', text: FLIP_LABELS[f] }));
    b.addEventListener('click', () => on.toggleFlip(f));
    flips.appendChild(b);
  }
  const cards = el('div', { class: 'cards' },
    card('Accuracy',
      el('div', { class: 'big', attrs: { 'data-metric': 'accuracy' } }, `${pct(s.accuracyA)} → ${pct(s.accuracyB)}`),
      el('div', { class: 'muted', attrs: { 'data-metric': 'accuracy-delta' } },
        `Δ ${pts(s.accuracyDelta)} points (95 % CI ${pts(s.accuracyDeltaCi95[0])} … ${pts(s.accuracyDeltaCi95[1])}) on ${s.paired} prompts`)),
    card('Flips', flips),
    // Two numbers that can point different ways (the mean grows while most prompts shorten), each labelled.
    card('Response length',
      el('div', { class: `big ${s.lengthRelativeChange < 0 ? 'shorter' : s.lengthRelativeChange > 0 ? 'longer' : ''}`, attrs: { 'data-metric': 'length-change' } },
        formatPercentChange(s.lengthRelativeChange)),
      el('div', { class: 'caption', attrs: { 'data-metric': 'length-change-label' } }, 'change of the mean length'),
      el('div', { class: 'muted', attrs: { 'data-metric': 'length' } }, `mean A ${num(s.meanLengthA)} → B ${num(s.meanLengthB)} tokens`),
      el('div', { class: 'muted', attrs: { 'data-metric': 'shorter-share' } },
        `per prompt: B shorter on ${pct(s.shorterShare)} of prompts · median change ${signed(s.medianLengthDelta)} tokens`)),
    card('Mean reward', el('div', { class: 'big', attrs: { 'data-metric': 'reward' } }, `${num(s.meanRewardA, 3)} → ${num(s.meanRewardB, 3)}`),
      el('div', { class: 'muted', attrs: { 'data-metric': 'correct-length' } }, `correct answers: A ${num(s.meanCorrectLengthA)} → B ${num(s.meanCorrectLengthB)} tokens`)),
    card('Wrong visual answers: perception errors',
      el('div', { class: 'big', attrs: { 'data-metric': 'perception-errors' } }, `${pct(s.perceptionErrorShareA)} → ${pct(s.perceptionErrorShareB)}`),
      el('div', { class: 'muted', attrs: { 'data-metric': 'reasoning-errors' } },
        `reasoning errors ${pct(s.reasoningErrorShareA)} → ${pct(s.reasoningErrorShareB)} · of ${s.visualWrongA} → ${s.visualWrongB} wrong`)),
  );
  const root = el('header', { class: 'summary' }, el('div', { class: 'sides' }, side('A', s.a), side('B', s.b)), cards);
  if (s.byTask.length) {
    const table = el('table', { class: 'by-task' },
      el('tr', {}, ...['task', 'prompts', 'accuracy A → B', 'length A → B', 'w→r', 'r→w', 'perception errors A → B'].map((h) => el('th', { text: h }))));
    for (const t of s.byTask) {
      table.appendChild(el('tr', {}, ...[t.task, String(t.paired), `${pct(t.accuracyA)} → ${pct(t.accuracyB)}`,
        `${num(t.meanLengthA)} → ${num(t.meanLengthB)}`, String(t.flips['wrong-to-right']), String(t.flips['right-to-wrong']),
        `${pct(t.perceptionErrorShareA)} → ${pct(t.perceptionErrorShareB)}`].map((c) => el('td', { text: c }))));
    }
    root.appendChild(table);
  }
  if (s.onlyA || s.onlyB) root.appendChild(el('div', { class: 'muted', text: `Only in A: ${s.onlyA} · only in B: ${s.onlyB} (left out)` }));
  if (s.warnings.length) {
    const list = el('ul', { class: 'warnings' });
    for (const w of s.warnings) list.appendChild(el('li', { text: w }));
    root.appendChild(list);
  }
  return root;
}
