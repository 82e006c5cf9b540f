// Splits a model response into spans to highlight: the <think>…</think> reasoning (tags and body) and every
// \boxed{…} answer (braces matched, nesting allowed). Responses are untrusted model text: this only cuts the
// string, and the view writes each piece with textContent — nothing is ever parsed as HTML.

export interface Span {
  text: string;
  /** Inside a <think> block (an unclosed one runs to the end: a truncated response). */
  think: boolean;
  /** The literal <think> or </think> tag. */
  tag: boolean;
  /** Part of a \boxed{…} (the command, braces and content). */
  boxed: boolean;
}

const OPEN = '<think>';
const CLOSE = '</think>';
const BOXED = '\\boxed{';

/** End index (exclusive) of the \boxed{…} starting at i, matching nested braces; unbalanced → text end. */
function boxedEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i + BOXED.length - 1; j < text.length; j++) {
    const c = text[j];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j + 1;
  }
  return text.length;
}

/** Pushes `text` with \boxed{…} parts cut out and flagged. */
function pushBoxed(out: Span[], text: string, think: boolean): void {
  let i = 0;
  while (i < text.length) {
    const b = text.indexOf(BOXED, i);
    if (b < 0) break;
    if (b > i) out.push({ text: text.slice(i, b), think, tag: false, boxed: false });
    const e = boxedEnd(text, b);
    out.push({ text: text.slice(b, e), think, tag: false, boxed: true });
    i = e;
  }
  if (i < text.length) out.push({ text: text.slice(i), think, tag: false, boxed: false });
}

export function highlightResponse(text: string): Span[] {
  const out: Span[] = [];
  let i = 0;
  let think = false;
  while (i < text.length) {
    const tag = think ? CLOSE : OPEN;
    const j = text.indexOf(tag, i);
    // A stray closing tag outside a think block is still shown as a tag.
    const stray = think ? -1 : text.indexOf(CLOSE, i);
    if (stray >= 0 && (j < 0 || stray < j)) {
      pushBoxed(out, text.slice(i, stray), false);
      out.push({ text: CLOSE, think: false, tag: true, boxed: false });
      i = stray + CLOSE.length;
      continue;
    }
    if (j < 0) {
      pushBoxed(out, text.slice(i), think);
      break;
    }
    pushBoxed(out, text.slice(i, j), think);
    out.push({ text: tag, think: true, tag: true, boxed: false });
    i = j + tag.length;
    think = !think;
  }
  return out;
}
