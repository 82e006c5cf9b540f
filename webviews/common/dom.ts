// Tiny DOM builders for the panels. Text always goes in as text nodes (never innerHTML): trace responses,
// prompts, run labels and stage ids are untrusted. Attributes named on* or style are refused.

type Child = Node | string | null | undefined | false;

export interface ElOptions {
  class?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, opts?: ElOptions, ...children: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, opts?: ElOptions, ...children: Child[]): HTMLElement;
export function el(tag: string, opts: ElOptions = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  if (opts.class) e.className = opts.class;
  if (opts.text !== undefined) e.textContent = opts.text;
  if (opts.title !== undefined) e.title = opts.title;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) {
    if (/^on|^style$/i.test(k)) throw new Error(`el: refusing attribute ${k}`);
    e.setAttribute(k, v);
  }
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) if (c) parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
}

/** Removes every child (cheaper than innerHTML = '' and never parses anything). */
export function clear(node: Node): void {
  while (node.lastChild) node.removeChild(node.lastChild);
}

/** Formats a metric value compactly for tooltips and legends. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '—' : v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(+v.toPrecision(5));
}
