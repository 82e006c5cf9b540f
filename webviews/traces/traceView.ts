// DOM of one trace: the one-line summary row (step, stage, task, prompt, reward chips, longest response) and,
// when expanded, the details — image, prompt, ground truth, and every response of the group with its reward,
// accuracy, format, advantage and length, <think> and \boxed{} highlighted, search matches marked, and a
// button for the prompt's timeline. All text goes in through textContent.
import type { TraceItem } from '../../protocol/messages';
import type { TraceResponse } from '../../protocol/runRecords';
import { groupMax, meanReward } from '../../protocol/traces';
import { el, formatValue } from '../common/dom';
import { highlightResponse } from './highlight';
import { markMatches } from './searchMarks';

/** Image URIs the panel may show: webview resources (asWebviewUri), http(s) in tests, inline PNG/JPEG data. */
const SAFE_IMAGE = /^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)[:/]|vscode-webview-resource:|vscode-resource:|data:image\/(png|jpeg|gif|webp);base64,)/i;

export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
export const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

export function rewardClass(r: number): string {
  if (!Number.isFinite(r)) return 'r-na';
  if (r >= 0.99) return 'r-good';
  if (r <= 0.01) return 'r-bad';
  return 'r-mid';
}

/** `text` as nodes with search matches wrapped in <mark> (and an extra class on every piece). */
export function marked(text: string, search: string | undefined, cls?: string): Node[] {
  return markMatches(text, search).map((m) => (m.match ? el('mark', { class: cls ? `match ${cls}` : 'match', text: m.text })
    : cls ? el('span', { class: cls, text: m.text }) : document.createTextNode(m.text)));
}

export function summaryRow(item: TraceItem, runLabel: string | undefined, expanded: boolean, search?: string): HTMLElement {
  const responses = Array.isArray(item.responses) ? item.responses : [];
  const chips = el('span', { class: 'chips', attrs: { 'aria-label': 'rewards' } });
  for (const r of responses.slice(0, 16)) chips.append(el('span', { class: `chip ${rewardClass(num(r?.reward))}`, title: `reward ${formatValue(num(r?.reward))}` }));
  const mean = meanReward(responses);
  const longest = groupMax(responses, 'length');
  const prompt = str(item.prompt).replace(/\s+/g, ' ').trim();
  const promptEl = el('span', { class: 'prompt', title: prompt.slice(0, 500) });
  promptEl.append(...marked(prompt, search));
  return el('div', { class: 'summary', attrs: { role: 'button', tabindex: '0', 'aria-expanded': String(expanded) } },
    el('span', { class: `codicon ${expanded ? 'codicon-chevron-down' : 'codicon-chevron-right'} twisty` }),
    el('span', { class: 'step', text: `${num(item.step)}` }),
    el('span', { class: 'stage', text: str(item.stage) }),
    runLabel ? el('span', { class: 'run', text: runLabel }) : null,
    promptEl,
    chips,
    el('span', { class: 'len', text: Number.isFinite(longest) ? `${longest} tok` : '', title: 'longest response (tokens)' }),
    el('span', { class: `mean ${rewardClass(mean)}`, text: formatValue(mean), title: 'mean reward' }));
}

/** A response's text with <think> and \boxed{} highlighted and search matches marked. */
export function responseText(text: string, search: string | undefined): HTMLElement {
  const body = el('div', { class: 'resp-text' });
  for (const span of highlightResponse(text)) {
    const cls = [span.think && 'think', span.tag && 'tag', span.boxed && 'boxed'].filter(Boolean).join(' ');
    body.append(...marked(span.text, search, cls || undefined));
  }
  return body;
}

export function responseMeta(r: TraceResponse, label: string, truth: string): HTMLElement {
  const answer = r?.answer === undefined || r?.answer === null ? null : str(r.answer);
  const correct = num(r?.accuracy) >= 0.99;
  return el('div', { class: 'resp-meta' },
    el('span', { class: 'resp-index', text: label }),
    el('span', { class: `badge ${rewardClass(num(r?.reward))}`, text: `reward ${formatValue(num(r?.reward))}` }),
    el('span', { class: 'kv', text: `acc ${formatValue(num(r?.accuracy))}` }),
    el('span', { class: 'kv', text: `format ${formatValue(num(r?.format))}` }),
    r?.advantage !== undefined && r?.advantage !== null ? el('span', { class: 'kv', text: `adv ${formatValue(num(r.advantage))}` }) : null,
    el('span', { class: 'kv', text: `${formatValue(num(r?.length))} tokens` }),
    el('span', { class: `answer ${answer === null ? 'none' : correct ? 'ok' : 'wrong'}`, text: answer === null ? 'no \\boxed{} answer' : `answer ${answer}${correct ? ' ✓' : ` ✗ (truth ${truth})`}` }));
}

export function detailView(item: TraceItem, search?: string): HTMLElement {
  const truth = str(item.ground_truth);
  const uri = str(item.imageUri);
  const image = uri && SAFE_IMAGE.test(uri) ? el('img', { class: 'trace-image', attrs: { src: uri, alt: `image of prompt ${str(item.prompt_id)}` } }) : null;
  const responses = Array.isArray(item.responses) ? item.responses : [];
  const prompt = el('div', { class: 'prompt-full' });
  prompt.append(...marked(str(item.prompt), search));
  const where = `task ${str(item.task)} · prompt ${str(item.prompt_id)} · step ${num(item.step)}${item.global_step !== undefined ? ` (global ${num(item.global_step)})` : ''}${typeof item.line === 'number' ? ` · line ${item.line}` : ''}`;
  return el('div', { class: 'detail' },
    el('div', { class: 'detail-head' },
      image,
      el('div', { class: 'detail-text' },
        el('div', { class: 'field' }, el('span', { class: 'label', text: 'prompt' }), prompt),
        el('div', { class: 'field' }, el('span', { class: 'label', text: 'ground truth' }), el('code', { class: 'truth', text: truth })),
        el('div', { class: 'field meta-line' }, el('span', { text: where }),
          el('vscode-button', { class: 'timeline-button', text: 'Timeline', attrs: { secondary: '', icon: 'history', 'data-action': 'timeline', title: 'This prompt at every step and evaluation of the run' } })))),
    el('div', { class: 'responses' }, ...responses.map((r, i) => el('div', { class: 'response' }, responseMeta(r, `#${i + 1}`, truth), responseText(str(r?.text), search)))));
}
