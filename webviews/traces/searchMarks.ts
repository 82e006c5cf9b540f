// Cuts text where a search query matches (case-insensitive), so the view can mark the matches. Untrusted text
// is only cut, never parsed; every character is kept in order. DOM-free (unit-tested).

export interface Mark {
  text: string;
  match: boolean;
}

export function markMatches(text: string, query: string | undefined): Mark[] {
  if (!query || !text) return text ? [{ text, match: false }] : [];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  // Lower-casing changed the length (a few scripts): positions would not line up; leave the text unmarked.
  if (lower.length !== text.length || !q) return [{ text, match: false }];
  const out: Mark[] = [];
  let i = 0;
  for (let j = lower.indexOf(q); j !== -1; j = lower.indexOf(q, i)) {
    if (j > i) out.push({ text: text.slice(i, j), match: false });
    out.push({ text: text.slice(j, j + q.length), match: true });
    i = j + q.length;
  }
  if (i < text.length) out.push({ text: text.slice(i), match: false });
  return out;
}
