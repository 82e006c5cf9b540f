// Full-text search over lines of a trace index: which of some parsed lines contain a query in their prompt or
// responses (case-insensitive). Blocks whose filters lack one of the query's trigrams or word-boundary keys are
// skipped; the rest are read a chunk at a time and searched raw — natively for the longest part of the lower-cased
// query that the block's filter of capitalised trigrams says is lower case wherever it is, else with a
// case-insensitive expression — and only the lines hit are parsed and checked (docs/ARCHITECTURE.md, "Traces").
import { parseTraceLine, type TraceFileIndex } from './traceFileIndex';
import { lowerPart, mayContain, traceContains, type TextQuery } from './traceText';

/** Shortest part of the query searched natively (shorter ones hit too many lines to be worth it). */
const MIN_PART = 4;

/** The lines of `ords` (ascending, parsed) that contain the query, ascending; undefined if the index was reset. */
export async function linesContaining(f: TraceFileIndex, ords: readonly number[], q: TextQuery): Promise<number[] | undefined> {
  const cands = ords.filter((o) => mayContain(f.bloom, f.bloomAt(o), f.boundary, f.boundaryAt(o), q));
  const hits: number[] = [];
  const ok = await f.eachGroup(cands, (buf, at, group) => {
    const verify = (o: number) => {
      const [s, e] = f.bytesOf(o);
      const r = parseTraceLine(buf, s - at, e - at);
      if (typeof r !== 'string' && traceContains(r, q)) hits.push(o);
    };
    const re = q.prefilter;
    if (!re || !q.needle) return group.forEach(verify);
    // Runs of consecutive candidate lines of one block are searched at once.
    for (let a = 0; a < group.length;) {
      let b = a + 1;
      while (b < group.length && group[b] === group[b - 1] + 1 && f.bloomAt(group[b]) === f.bloomAt(group[a])) b++;
      const from = f.bytesOf(group[a])[0] - at;
      const to = f.bytesOf(group[b - 1])[1] - at;
      // The next hit at or after `i` (a buffer offset), or -1.
      let next: (i: number) => number;
      const part = lowerPart(f.upper, f.upperAt(group[a]), q, MIN_PART);
      // Whether a line whose bytes hold a hit may hold the query (only a part was found: checked with the expression).
      let maybe = (_s: number, _e: number) => true;
      if (!part) {
        // Read as latin1 (a byte a character, the fastest decoding); the expression is ASCII, so no match is hidden.
        const text = buf.toString('latin1', from, to);
        next = (i) => {
          re.lastIndex = i - from;
          const m = re.exec(text);
          return m ? from + m.index : -1;
        };
      } else {
        const run = buf.subarray(0, to);
        const needle = q.needle.subarray(part[0], part[1]);
        next = (i) => run.indexOf(needle, i);
        if (needle.length < q.needle.length) maybe = (s, e) => ((re.lastIndex = 0), re.test(buf.toString('latin1', s, e)));
      }
      let g = a;
      for (let pos = next(from); pos >= 0 && g < b; ) {
        while (g < b && f.bytesOf(group[g])[1] - at <= pos) g++;
        if (g >= b) break;
        const [s, end] = f.bytesOf(group[g]).map((x) => x - at);
        if (maybe(s, end)) verify(group[g]);
        g++;
        pos = end < to ? next(end) : -1;
      }
      a = b;
    }
  });
  return ok ? hits : undefined;
}
