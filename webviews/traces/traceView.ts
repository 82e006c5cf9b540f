// DOM of one trace: the one-line summary row (step, stage, task, prompt, reward chips) and, when expanded,
// the details — image, prompt, ground truth, and every response of the group with its reward, accuracy,
// format, advantage and length, <think> and \boxed{} highlighted. All text goes in through textContent.
import type { TraceItem } from '../../protocol/messages';
import type { TraceResponse } from '../../protocol/runRecords';
import { el, formatValue } from '../common/dom';
import { highlightResponse } from './highlight';
import { meanReward } from './filter';

/** Image URIs the panel may show: webview resources (asWebviewUri), http(s) in tests, inline PNG/JPEG data. */
const SAFE_IMAGE = /^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)[:/]|vscode-webview-resource:|vscode-resource:|data:image\/(png|jpeg|gif|webp);base64,)/i;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

function rewardClass(r: number): string {
  if (!Number.isFinite(r)) return 'r-na';
  if (r >= 0.99) return 'r-good';
  if (r <= 0.01) return 'r-bad';
  return 'r-mid';
}

export function summaryRow(item: TraceItem, runLabel: string | undefined, expanded: boolean): HTMLElement {
  const responses = Array.isArray(item.responses) ? item.responses : [];
  const chips = el('span', { class: 'chips', attrs: { 'aria-label': 'rewards' } });
  for (const r of responses.slice(0, 16)) chips.append(el('span', { class: `chip ${rewardClass(num(r?.reward))}`, title: `reward ${formatValue(num(r?.reward))}` }));
  const mean = meanReward(item);
  const prompt = str(item.prompt).replace(/\s+/g, ' ').trim();
  return el('div', { class: 'summary', attrs: { role: 'button', tabindex: '0', 'aria-expanded': String(expanded) } },
    el('span', { class: `codicon ${expanded ? 'codicon-chevron-down' : 'codicon-chevron-right'} twisty` }),
    el('span', { class: 'step', text: `${num(item.step)}` }),
    el('span', { class: 'stage', text: str(item.stage) }),
    runLabel ? el('span', { class: 'run', text: runLabel }) : null,
    el('span', { class: 'prompt', text: prompt, title: prompt.slice(0, 500) }),
    chips,
    el('span', { class: `mean ${rewardClass(mean)}`, text: formatValue(mean) }));
}

function responseView(r: TraceResponse, i: number, truth: string): HTMLElement {
  const answer = r?.answer === undefined || r?.answer === null ? null : str(r.answer);
  const correct = num(r?.accuracy) >= 0.99;
  const meta = el('div', { class: 'resp-meta' },
    el('span', { class: 'resp-index', text: `#${i + 1}` }),
    el('span', { class: `badge ${rewardClass(num(r?.reward))}`, text: `reward ${formatValue(num(r?.reward))}` }),
    el('span', { class: 'kv', text: `acc ${formatValue(num(r?.accuracy))}` }),
    el('span', { class: 'kv', text: `format ${formatValue(num(r?.format))}` }),
    r?.advantage !== undefined ? el('span', { class: 'kv', text: `adv ${formatValue(num(r.advantage))}` }) : null,
    el('span', { class: 'kv', text: `${formatValue(num(r?.length))} tokens` }),
    el('span', { class: `answer ${answer === null ? 'none' : correct ? 'ok' : 'wrong'}`, text: answer === null ? 'no \\boxed{} answer' : `answer ${answer}${correct ? ' ✓' : ` ✗ (truth ${truth})`}` }));
  const body = el('div', { class: 'resp-text' });
  for (const span of highlightResponse(str(r?.text))) {
    const cls = [span.think && 'think', span.tag && 'tag', span.boxed && 'boxed'].filter(Boolean).join(' ');
    body.append(cls ? el('span', { class: cls, text: span.text }) : document.createTextNode(span.text));
  }
  return el('div', { class: 'response' }, meta, body);
}

export function detailView(item: TraceItem): HTMLElement {
  const truth = str(item.ground_truth);
  const uri = str(item.imageUri);
  const image = uri && SAFE_IMAGE.test(uri) ? el('img', { class: 'trace-image', attrs: { src: uri, alt: `image of prompt ${str(item.prompt_id)}` } }) : null;
  const responses = Array.isArray(item.responses) ? item.responses : [];
  return el('div', { class: 'detail' },
    el('div', { class: 'detail-head' },
      image,
      el('div', { class: 'detail-text' },
        el('div', { class: 'field' }, el('span', { class: 'label', text: 'prompt' }), el('div', { class: 'prompt-full', text: str(item.prompt) })),
        el('div', { class: 'field' }, el('span', { class: 'label', text: 'ground truth' }), el('code', { class: 'truth', text: truth })),
        el('div', { class: 'field meta-line', text: `task ${str(item.task)} · prompt ${str(item.prompt_id)} · step ${num(item.step)}${item.global_step !== undefined ? ` (global ${num(item.global_step)})` : ''}` }))),
    el('div', { class: 'responses' }, ...responses.map((r, i) => responseView(r, i, truth))));
}
