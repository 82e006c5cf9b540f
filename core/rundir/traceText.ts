// What trace search looks at and how it is made fast: the searchable text of a trace (its prompt and every
// response), a case-insensitive query compiled into byte prefilters for raw JSON lines, and the index's two
// trigram Bloom filters per block of lines — every lower-cased trigram (a block without one of the query's
// cannot hold it), and those whose text had a capital (a block without any of the query's holds it, if at all,
// only in lower case: found by a native byte search instead of a case-insensitive one) — and a third filter of
// word-boundary keys, for phrases of common words whose trigrams every block holds. Pure (docs/ARCHITECTURE.md,
// "Traces").
import type { TraceRecord } from '../../protocol/runRecords';

/** Bits of one block's trigram Bloom filter, and of its filter of trigrams written with a capital. */
export const BLOOM_BITS = 16384;
export const BLOOM_WORDS = BLOOM_BITS / 32;
export const UPPER_BITS = 4096;
export const UPPER_WORDS = UPPER_BITS / 32;
const BLOOM_SHIFT = 32 - Math.log2(BLOOM_BITS);
const UPPER_SHIFT = 32 - Math.log2(UPPER_BITS);
/** Bits of one block's filter of word-boundary keys (see boundaryKey). */
export const BOUNDARY_BITS = 16384;
export const BOUNDARY_WORDS = BOUNDARY_BITS / 32;
const BOUNDARY_SHIFT = 32 - Math.log2(BOUNDARY_BITS);

/** The strings a search matches against: the prompt and each response's text (non-strings are skipped). */
export function searchableTexts(r: TraceRecord): string[] {
  const out: string[] = [];
  if (typeof r.prompt === 'string') out.push(r.prompt);
  if (Array.isArray(r.responses)) for (const x of r.responses) if (typeof x?.text === 'string') out.push(x.text);
  return out;
}

/** A character folded to 8 bits; three of them make a trigram's 24-bit key (exact for Latin-1 text). */
const fold = (c: number): number => (c ^ (c >>> 8)) & 0xff;
/** The trigram's hash, from its key (one multiply: positions in both filters are its top bits). */
const mix = (key: number): number => Math.imul(key, 0x9e3779b1);
const set = (bits: Uint32Array, at: number, h: number) => (bits[at + (h >>> 5)] |= 1 << (h & 31));
const has = (bits: Uint32Array, at: number, h: number) => (bits[at + (h >>> 5)] & (1 << (h & 31))) !== 0;

/** Hashes of every trigram of a lower-cased string. */
function trigramHashes(lower: string): number[] {
  const out: number[] = [];
  let key = 0;
  for (let i = 0; i < lower.length; i++) {
    key = ((key << 8) | fold(lower.charCodeAt(i))) & 0xffffff;
    if (i >= 2) out.push(mix(key));
  }
  return out;
}

/**
 * The hash of the word-boundary key at the space `s[i]` of a lower-cased string: up to 3 characters before it and
 * up to 3 after, each side stopping early at another space or at the string's end. Phrases of common words have
 * common trigrams but rare keys ("ion doc"): a block lacking one of a query's keys cannot hold the query. In a
 * query (`query`), a side that reaches the query's end before 3 characters or a space is unknown — the text
 * may go on there (a query may start or end mid-word) — so the key is -1 (none): a query's keys are then exactly
 * keys of every text that contains it.
 */
function boundaryKey(s: string, i: number, query: boolean): number {
  let a = i;
  while (a > i - 3 && a > 0 && s.charCodeAt(a - 1) !== 32) a--;
  let b = i + 1;
  while (b < i + 4 && b < s.length && s.charCodeAt(b) !== 32) b++;
  if (query && ((a === 0 && i - a < 3) || (b === s.length && b - i - 1 < 3))) return -1;
  let h = 0x811c9dc5;
  for (let j = a; j < b; j++) h = Math.imul(h ^ fold(s.charCodeAt(j)), 0x01000193);
  return mix(h) >>> 0;
}

/**
 * Adds every trigram of `text`, lower-cased, to the filter at `bits[at ..]`, those where `text` has a capital
 * to the one at `upper[upperAt ..]` (all of them when lower-casing changes the text's length), and its
 * word-boundary keys to the one at `bounds[boundsAt ..]`.
 */
export function addToFilters(bits: Uint32Array, at: number, upper: Uint32Array, upperAt: number, bounds: Uint32Array, boundsAt: number, text: string): void {
  if (text.length < 3) return;
  const lower = text.toLowerCase();
  for (let i = lower.indexOf(' '); i >= 0; i = lower.indexOf(' ', i + 1)) set(bounds, boundsAt, boundaryKey(lower, i, false) >>> BOUNDARY_SHIFT);
  const aligned = lower.length === text.length;
  let key = 0;
  /** Bit i set: the character i positions back was a capital. */
  let caps = 0;
  for (let i = 0; i < lower.length; i++) {
    const l = lower.charCodeAt(i);
    key = ((key << 8) | fold(l)) & 0xffffff;
    caps = ((caps << 1) | (!aligned || l !== text.charCodeAt(i) ? 1 : 0)) & 7;
    if (i < 2) continue;
    const h = mix(key);
    set(bits, at, h >>> BLOOM_SHIFT);
    if (caps) set(upper, upperAt, h >>> UPPER_SHIFT);
  }
}

export interface TextQuery {
  /** The query, lower-cased: a trace matches when a searchable text, lower-cased, includes it. */
  lower: string;
  /** The lower-cased query's trigram hashes (none for queries under 3 characters). */
  trigrams: number[];
  /** Its word-boundary keys' hashes (those both of whose sides lie inside the query). */
  boundaries: number[];
  /**
   * Case-insensitive prefilter over a raw line's bytes read as latin1: the longest run of the query that every
   * JSON writer leaves unescaped. Undefined when the query has none (every line is then parsed and checked).
   */
  prefilter?: RegExp;
  /** That run lower-cased, as bytes: found natively (or a part of it) where a block cannot hold it with a capital. */
  needle?: Buffer;
  /** The needle's trigram hashes, in order (the i-th covers its characters i to i + 2). */
  needleTrigrams: number[];
}

/** Characters any JSON encoder writes literally (ASCII printable but quote, backslash, / < > & = '). */
const PLAIN = /[ !#-%(-.0-;?-[\]-~]+/g;
/**
 * The two characters that lower-case into ASCII: the Kelvin sign into "k", and "İ" into "i" and a combining dot
 * (so it matches a query's "i" only at the query's end, or before a dot, which is not plain). In the prefilter
 * they stand for themselves as UTF-8 bytes read as latin1, or escaped.
 */
const ASCII_FROM: Record<string, string> = { k: '(?:k|\xe2\x84\xaa|\\\\u212a)', i: '(?:i|\xc4\xb0|\\\\u0130)' };

export function compileSearch(text: string): TextQuery | undefined {
  if (!text) return undefined;
  const lower = text.toLowerCase();
  const hashes = new Set(trigramHashes(lower));
  const bounds = new Set<number>();
  for (let i = lower.indexOf(' '); i >= 0; i = lower.indexOf(' ', i + 1)) bounds.add(boundaryKey(lower, i, true));
  bounds.delete(-1);
  let longest = '';
  for (const m of text.match(PLAIN) ?? []) if (m.length > longest.length) longest = m;
  const prefilter = longest ? new RegExp(longest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/k|i$/gi, (c) => ASCII_FROM[c.toLowerCase()]), 'gi') : undefined;
  return { lower, trigrams: [...hashes], boundaries: [...bounds], prefilter, needle: longest ? Buffer.from(longest.toLowerCase(), 'latin1') : undefined, needleTrigrams: trigramHashes(longest.toLowerCase()) };
}

/** Whether the block whose filters are at `bits[at ..]` and `bounds[boundsAt ..]` may hold a trace containing the query. */
export function mayContain(bits: Uint32Array, at: number, bounds: Uint32Array, boundsAt: number, q: TextQuery): boolean {
  for (const h of q.trigrams) if (!has(bits, at, h >>> BLOOM_SHIFT)) return false;
  for (const h of q.boundaries) if (!has(bounds, boundsAt, h >>> BOUNDARY_SHIFT)) return false;
  return true;
}

/**
 * The longest part [start, end) of the needle, at least `min` characters, that the block whose capital filter is
 * at `upper[at ..]` holds, if at all, only in lower case: none of its trigrams is in that filter (a capital, or a
 * text whose length lower-casing changed, marks every trigram over it). Found natively, then the line checked with
 * the case-insensitive prefilter: case-insensitive scanning is ~3× slower than Buffer.indexOf, and in prose
 * capitals sit at sentence starts, so most of a phrase is lower case in most blocks. Undefined if there is none.
 */
export function lowerPart(upper: Uint32Array, at: number, q: TextQuery, min: number): [number, number] | undefined {
  let best = 0;
  let bestAt = 0;
  let run = 0;
  q.needleTrigrams.forEach((h, i) => {
    run = has(upper, at, h >>> UPPER_SHIFT) ? 0 : run + 1;
    if (run > best) [best, bestAt] = [run, i - run + 1];
  });
  return best && (best + 2 >= min || best === q.needleTrigrams.length) ? [bestAt, bestAt + best + 2] : undefined;
}

/** Whether the trace's prompt or one of its responses contains the query (case-insensitive). */
export function traceContains(r: TraceRecord, q: TextQuery): boolean {
  for (const t of searchableTexts(r)) if (t.toLowerCase().includes(q.lower)) return true;
  return false;
}
