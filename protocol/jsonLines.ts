// JSON lines that keep NaN and ±Infinity, as Python trainers write them (`NaN`, `Infinity`) and as our
// trainer writes them too, so a diverging loss is shown as NaN instead of silently becoming null.

const SENTINEL = '\u0000see2think:';
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** One JSON line (no newline inside), with non-finite numbers written as bare NaN / Infinity / -Infinity. */
export function encodeJsonLine(value: unknown): string {
  let sawNonFinite = false;
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      sawNonFinite = true;
      return SENTINEL + String(v);
    }
    return v;
  });
  if (text === undefined) throw new TypeError('value is not JSON-serialisable');
  return sawNonFinite ? text.replace(/"\\u0000see2think:(NaN|-?Infinity)"/g, '$1') : text;
}

/**
 * Parses one JSON value, accepting bare NaN, Infinity and -Infinity outside strings.
 * Throws a SyntaxError (from JSON.parse) for anything else that is not JSON.
 */
export function parseJsonLoose(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
  }
  const rewritten = quoteNonFinite(text);
  return JSON.parse(rewritten, (_k, v) =>
    typeof v === 'string' && v.startsWith(SENTINEL) ? NON_FINITE[v.slice(SENTINEL.length)] : v,
  );
}

/** Replaces bare NaN/Infinity tokens (not inside strings) with sentinel strings. */
function quoteNonFinite(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = text.startsWith('-Infinity', i) ? '-Infinity'
      : text.startsWith('Infinity', i) ? 'Infinity'
      : text.startsWith('NaN', i) ? 'NaN' : null;
    if (token) {
      out += JSON.stringify(SENTINEL + token);
      i += token.length - 1;
    } else out += c;
  }
  return out;
}
