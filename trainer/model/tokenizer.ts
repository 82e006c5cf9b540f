// Character-level tokenizer for the built-in VLM: printable ASCII and newline, plus single tokens for the
// response format's markers (`<think>`, `</think>`, `\boxed{`) so a formatted answer costs fewer steps.
// Response lengths everywhere are counted in these tokens.

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
const MARKERS = ['<think>', '</think>', '\\boxed{'] as const;
const FIRST_MARKER = 3;
const NEWLINE = FIRST_MARKER + MARKERS.length;
const FIRST_CHAR = NEWLINE + 1;
/** Printable ASCII: space (32) … tilde (126). */
const CHARS = 95;
export const VOCAB_SIZE = FIRST_CHAR + CHARS;

export class TokenizeError extends Error {}

/** Token ids of `text`; markers match greedily. Characters outside printable ASCII are an error (with position). */
export function encode(text: string): number[] {
  const out: number[] = [];
  let i = 0;
  outer: while (i < text.length) {
    if (text[i] === '<' || text[i] === '\\') {
      for (let m = 0; m < MARKERS.length; m++) {
        if (text.startsWith(MARKERS[m], i)) {
          out.push(FIRST_MARKER + m);
          i += MARKERS[m].length;
          continue outer;
        }
      }
    }
    const c = text.charCodeAt(i);
    if (c === 10) out.push(NEWLINE);
    else if (c >= 32 && c <= 126) out.push(FIRST_CHAR + c - 32);
    else throw new TokenizeError(`character ${JSON.stringify(text[i])} (code ${c}) at offset ${i} is not printable ASCII`);
    i++;
  }
  return out;
}

/** Text of token ids; PAD/BOS/EOS decode to nothing. */
export function decode(ids: ArrayLike<number>): string {
  let s = '';
  for (let k = 0; k < ids.length; k++) s += tokenText(ids[k]);
  return s;
}

export function tokenText(id: number): string {
  if (id >= FIRST_CHAR && id < VOCAB_SIZE) return String.fromCharCode(32 + id - FIRST_CHAR);
  if (id === NEWLINE) return '\n';
  if (id >= FIRST_MARKER && id < NEWLINE) return MARKERS[id - FIRST_MARKER];
  return '';
}
