// Python trainers print numbers the way Python sees them: `0.5`, `nan`, `inf`, and with NumPy 2 a repr
// like `np.float64(0.5)` or a torch `tensor(0.5, device='cuda:0')`. This turns such text into a number.

const WRAPPED = /^(?:np|numpy)\.(?:float|int|uint)(?:16|32|64|128)?\((.*)\)$|^tensor\(([^,()]*)(?:,.*)?\)$/s;
const SPECIAL: Record<string, number> = {
  nan: NaN, NaN: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, Infinity: Infinity, '-Infinity': -Infinity,
};
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a Python-printed scalar stands for, or undefined when the text is not a number. */
export function parsePythonNumber(text: string): number | undefined {
  let t = text.trim();
  for (let depth = 0; depth < 3; depth++) {
    const m = WRAPPED.exec(t);
    if (!m) break;
    t = (m[1] ?? m[2]).trim();
  }
  if (t in SPECIAL) return SPECIAL[t];
  if (!NUMBER.test(t)) return undefined;
  return Number(t);
}
