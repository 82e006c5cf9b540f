// The virtualised list of paired prompts: only the rows in view (plus a few) exist in the DOM, each showing
// the prompt's image, its flip class, the length change and both answers, and A's and B's trace side by
// side with the word diff. Rows have one collapsed height; an expanded row grows by its measured overflow.
// Details (traces, diff, image) are asked of the host for the rows coming into view, and cached.
import { MAX_DETAIL_IDS } from '../../protocol/messages';
import type { DiffRow, DiffRowDetail } from '../../protocol/diff';
import { FLIP_LABELS } from '../../protocol/diff';
import { clear, el } from '../common/dom';
import { RowLayout } from '../traces/rowLayout';
import { sidePieces } from './pieces';

/** Collapsed row height in px (kept in step with .row in diff.css). */
export const ROW_HEIGHT = 176;
/** Height of the two trace boxes in a collapsed row (the rest of ROW_HEIGHT is the head and the prompt). */
export const SIDES_HEIGHT = 112;
const OVERSCAN = 3;
const MAX_CACHED_DETAILS = 3000;

export interface ListHandlers {
  requestDetails(ids: string[]): void;
  openEditor(id: string): void;
  /** Scroll position or expanded rows changed (to save state). */
  changed(): void;
}

interface Rendered {
  el: HTMLElement;
  index: number;
  filled: boolean;
}

const correctA = (r: DiffRow) => r.flip === 'both-right' || r.flip === 'right-to-wrong';
const correctB = (r: DiffRow) => r.flip === 'both-right' || r.flip === 'wrong-to-right';

export class DiffList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layout = new RowLayout(ROW_HEIGHT);
  private rows: DiffRow[] = [];
  private indexById = new Map<string, number>();
  private readonly rendered = new Map<string, Rendered>();
  private readonly details = new Map<string, DiffRowDetail>();
  private readonly pending = new Set<string>();
  /** Expanded row ids → extra px (0 until measured). */
  private readonly expanded = new Map<string, number>();
  private frame = 0;

  constructor(private readonly on: ListHandlers) {
    this.spacer = el('div', { class: 'spacer' });
    this.element = el('div', { class: 'list', attrs: { role: 'list', tabindex: '0' } }, this.spacer);
    this.element.addEventListener('scroll', () => {
      this.schedule();
      this.on.changed();
    });
    new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  get scrollTop(): number {
    return this.element.scrollTop;
  }

  get expandedIds(): string[] {
    return [...this.expanded.keys()];
  }

  /** Shows `rows` (already filtered and sorted). Expanded rows stay expanded if still shown. */
  setRows(rows: DiffRow[], restore?: { scrollTop?: number; expanded?: string[] }): void {
    this.rows = rows;
    this.indexById = new Map(rows.map((r, i) => [r.id, i]));
    if (restore?.expanded) for (const id of restore.expanded) if (!this.expanded.has(id)) this.expanded.set(id, 0);
    for (const r of this.rendered.values()) r.el.remove();
    this.rendered.clear();
    this.layout.setCount(rows.length);
    this.applyExtras();
    if (restore?.scrollTop !== undefined) this.element.scrollTop = restore.scrollTop;
    this.render();
  }

  addDetails(details: DiffRowDetail[]): void {
    for (const d of details) {
      this.pending.delete(d.id);
      this.details.set(d.id, d);
      const r = this.rendered.get(d.id);
      if (r && !r.filled) this.fill(r, d);
    }
    // Forget the oldest details that are off screen.
    for (const id of this.details.keys()) {
      if (this.details.size <= MAX_CACHED_DETAILS) break;
      if (!this.rendered.has(id)) this.details.delete(id);
    }
    this.measureExpanded();
  }

  /** Row ids currently in the DOM, top to bottom (for tests and state). */
  visibleIds(): string[] {
    return [...this.rendered.values()].sort((a, b) => a.index - b.index).map((r) => this.rows[r.index].id);
  }

  scrollToRow(index: number): void {
    this.element.scrollTop = this.layout.offsetOf(index);
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private applyExtras(): void {
    const pairs: [number, number][] = [];
    for (const [id, extra] of this.expanded) {
      const i = this.indexById.get(id);
      if (i !== undefined && extra > 0) pairs.push([i, extra]);
    }
    this.layout.setExtras(pairs);
    this.spacer.style.height = `${this.layout.total()}px`;
  }

  private render(): void {
    const top = this.element.scrollTop;
    const height = this.element.clientHeight || 600;
    const first = Math.max(0, this.layout.indexAt(top) - OVERSCAN);
    const last = Math.min(this.rows.length - 1, this.layout.indexAt(top + height) + OVERSCAN);
    const want = new Set<string>();
    for (let i = first; i <= last && i >= 0; i++) want.add(this.rows[i].id);
    for (const [id, r] of this.rendered) {
      if (!want.has(id)) {
        r.el.remove();
        this.rendered.delete(id);
      }
    }
    const missing: string[] = [];
    for (let i = first; i <= last && i >= 0; i++) {
      const row = this.rows[i];
      let r = this.rendered.get(row.id);
      if (!r) {
        r = { el: this.rowElement(row), index: i, filled: false };
        this.rendered.set(row.id, r);
        this.element.appendChild(r.el);
        const d = this.details.get(row.id);
        if (d) this.fill(r, d);
        else if (!this.pending.has(row.id)) missing.push(row.id);
      }
      r.index = i;
      r.el.style.top = `${this.layout.offsetOf(i)}px`;
      r.el.style.height = `${this.layout.heightOf(i)}px`;
    }
    for (let k = 0; k < missing.length; k += MAX_DETAIL_IDS) {
      const ids = missing.slice(k, k + MAX_DETAIL_IDS);
      for (const id of ids) this.pending.add(id);
      this.on.requestDetails(ids);
    }
  }

  private rowElement(r: DiffRow): HTMLElement {
    const answer = (name: string, a: string | null, ok: boolean) =>
      el('span', { class: `answer ${ok ? 'right' : 'wrong'}`, title: ok ? 'correct' : 'wrong' }, `${name} `, el('code', { text: a ?? '∅' }), ok ? ' ✓' : ' ✗');
    const delta = r.lengthDelta;
    const icon = (name: string) => el('span', { class: `codicon codicon-${name}`, attrs: { 'aria-hidden': 'true' } });
    const open = el('button', { class: 'open-editor', title: "Open in Diff Editor: A's and B's trace in VS Code's diff editor", attrs: { 'aria-label': 'Open in Diff Editor' } }, icon('diff'), ' Diff');
    open.addEventListener('click', () => this.on.openEditor(r.id));
    const isExpanded = this.expanded.has(r.id);
    const expand = el('button', { class: 'expand', title: 'Show the whole traces', attrs: { 'aria-expanded': String(isExpanded), 'aria-label': 'Expand' } }, icon(isExpanded ? 'fold' : 'unfold'));
    expand.addEventListener('click', () => this.toggle(r.id));
    const head = el('div', { class: 'row-head' },
      el('img', { class: 'thumb', attrs: { alt: '' } }),
      el('span', { class: 'row-id', text: r.id, title: r.task ?? '' }),
      el('span', { class: `badge flip-${r.flip}`, text: FLIP_LABELS[r.flip] }),
      el('span', { class: `len ${delta < 0 ? 'shorter' : delta > 0 ? 'longer' : ''}`, text: `len ${r.lengthA} → ${r.lengthB} (${delta > 0 ? '+' : ''}${delta})` }),
      answer('A', r.answerA, correctA(r)),
      answer('B', r.answerB, correctB(r)),
      el('span', { class: 'truth' }, 'truth ', el('code', { text: r.groundTruth })),
      el('span', { class: 'grow' }),
      open,
      expand);
    return el('div', { class: `row${isExpanded ? ' expanded' : ''}`, attrs: { role: 'listitem', 'data-id': r.id, 'data-flip': r.flip } },
      head,
      el('div', { class: 'row-prompt', text: r.prompt, title: r.prompt }),
      this.sidesElement(isExpanded));
  }

  private sidesElement(expanded: boolean): HTMLElement {
    const sides = el('div', { class: 'row-sides' },
      el('div', { class: 'trace trace-a', attrs: { 'data-side': 'a' } }, el('span', { class: 'loading', text: 'loading…' })),
      el('div', { class: 'trace trace-b', attrs: { 'data-side': 'b' } }));
    sides.style.height = expanded ? '' : `${SIDES_HEIGHT}px`;
    return sides;
  }

  private fill(r: Rendered, d: DiffRowDetail): void {
    r.filled = true;
    const img = r.el.querySelector<HTMLImageElement>('img.thumb')!;
    if (d.imageUri) {
      img.src = d.imageUri;
      img.classList.add('shown');
    }
    r.el.querySelector('.row-prompt')!.textContent = d.prompt;
    for (const side of ['a', 'b'] as const) {
      const box = r.el.querySelector<HTMLElement>(`.trace-${side}`)!;
      clear(box);
      // A \boxed{…} answer is one outlined box, whatever diff pieces it is made of.
      let boxed: HTMLElement | undefined;
      for (const p of sidePieces(d.segments, side)) {
        const cls = [p.op === -1 ? 'del' : p.op === 1 ? 'ins' : '', p.tag ? 'tag' : p.think ? 'think' : ''].filter(Boolean).join(' ');
        const node = cls ? el('span', { class: cls, text: p.text }) : document.createTextNode(p.text);
        if (p.boxed) {
          boxed ??= box.appendChild(el('span', { class: 'boxed' }));
          boxed.appendChild(node);
        } else {
          boxed = undefined;
          box.appendChild(node);
        }
      }
      if (d.coarse) box.title = 'too different to diff word by word: shown whole';
    }
  }

  private toggle(id: string): void {
    const r = this.rendered.get(id);
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.set(id, 0);
    if (r) {
      const on = this.expanded.has(id);
      r.el.classList.toggle('expanded', on);
      const b = r.el.querySelector('button.expand')!;
      b.firstElementChild!.className = `codicon codicon-${on ? 'fold' : 'unfold'}`;
      b.setAttribute('aria-expanded', String(on));
      r.el.querySelector<HTMLElement>('.row-sides')!.style.height = on ? '' : `${SIDES_HEIGHT}px`;
    }
    this.measureExpanded();
    this.on.changed();
  }

  /** Extra height of each expanded row on screen: its traces' natural height beyond the collapsed box. */
  private measureExpanded(): void {
    for (const [id, r] of this.rendered) {
      if (!this.expanded.has(id) || !r.filled) continue;
      const sides = r.el.querySelector<HTMLElement>('.row-sides')!;
      this.expanded.set(id, Math.max(0, Math.ceil(sides.getBoundingClientRect().height) - SIDES_HEIGHT));
    }
    this.applyExtras();
    this.render();
  }
}
