// Independent checkers for the task tests: read a scene back from raw pixels (connected blobs, colour by
// dominant channels, shape by outline) and answer each prompt from that reading, without the generators' code.
import type { SceneImage } from '../../trainer/tasks/types';

export interface SeenObject { row: number; col: number; color: string; shape: string }

function colorOf(r: number, g: number, b: number): string | null {
  if (r < 80 && g < 80 && b < 80) return null; // background
  if (r > 150 && g > 150 && b < 110) return 'yellow';
  if (r > 150 && g < 110 && b < 110) return 'red';
  if (g > 150 && r < 110 && b < 140) return 'green';
  if (b > 150 && r < 110) return 'blue';
  throw new Error(`pixel (${r},${g},${b}) is no known colour`);
}

/** Every blob of same-coloured pixels, as the object in the grid cell its centre falls in. */
export function readScene(img: SceneImage, grid: number): SeenObject[] {
  const n = img.size;
  const color = Array.from({ length: n * n }, (_, i) => colorOf(img.rgb[i * 3], img.rgb[i * 3 + 1], img.rgb[i * 3 + 2]));
  const seen = new Uint8Array(n * n);
  const cell = Math.floor(n / grid);
  const origin = Math.floor((n - cell * grid) / 2);
  const out: SeenObject[] = [];
  for (let start = 0; start < n * n; start++) {
    if (!color[start] || seen[start]) continue;
    const px: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      px.push(p);
      const [x, y] = [p % n, Math.floor(p / n)];
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const [u, v] = [x + dx, y + dy];
        const q = v * n + u;
        if (u < 0 || v < 0 || u >= n || v >= n || seen[q] || !color[q]) continue;
        if (color[q] !== color[start]) throw new Error(`two colours touch at (${u},${v}): objects must be separated`);
        seen[q] = 1;
        stack.push(q);
      }
    }
    const xs = px.map((p) => p % n);
    const ys = px.map((p) => Math.floor(p / n));
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const width = x1 - x0 + 1;
    const rowWidth = (y: number) => px.filter((p) => Math.floor(p / n) === y).length;
    const [top, bottom] = [rowWidth(y0), rowWidth(y1)];
    const shape = top === width && bottom === width ? 'square' : bottom === width ? 'triangle' : 'circle';
    const col = Math.floor(((x0 + x1) / 2 - origin) / cell) + 1;
    const row = Math.floor(((y0 + y1) / 2 - origin) / cell) + 1;
    out.push({ row, col, color: color[start]!, shape });
  }
  return out;
}

const COLOR_WORDS = ['red', 'green', 'blue', 'yellow'];
const singular = (w: string) => w.replace(/s$/, '');
const count = (objs: SeenObject[], word: string) => {
  const w = singular(word);
  return objs.filter((o) => (COLOR_WORDS.includes(w) ? o.color === w : o.shape === w)).length;
};

/** The cells ("rc") of the objects of a colour or shape ("red", "circles"), in reading order, read off the pixels. */
export function cellsFromPixels(objs: SeenObject[], word: string): string[] {
  const w = singular(word);
  return objs.filter((o) => word === 'all' || (COLOR_WORDS.includes(w) ? o.color === w : o.shape === w))
    .sort((a, b) => a.row - b.row || a.col - b.col).map((o) => `${o.row}${o.col}`);
}

/** The answer to a scene question, computed from the objects read off the pixels; throws on an unknown prompt. */
export function answerFromPixels(prompt: string, objs: SeenObject[]): string {
  let m: RegExpExecArray | null;
  if (prompt === 'How many objects are there?') return String(objs.length);
  if ((m = /^How many (\w+) objects are there\?$/.exec(prompt))) return String(count(objs, m[1]));
  if ((m = /^How many (\w+)s are there\?$/.exec(prompt))) return String(count(objs, m[1]));
  if ((m = /^Take away (\d) (\w+?)(?: objects?)?\. How many (\w+?)(?: objects)? are left\?$/.exec(prompt))) {
    if (singular(m[2]) !== singular(m[3])) throw new Error(`takes ${m[2]} but asks for ${m[3]}`);
    return String(count(objs, m[2]) - +m[1]);
  }
  if ((m = /^How many more (\w+) than (\w+?)(?: objects)? are there\?$/.exec(prompt))) return String(count(objs, m[1]) - count(objs, m[2]));
  if ((m = /^How many objects are (\w+) or (\w+)\?$/.exec(prompt))) return String(count(objs, m[1]) + count(objs, m[2]));
  if ((m = /^How many (\w+) and (\w+) are there in total\?$/.exec(prompt))) return String(count(objs, m[1]) + count(objs, m[2]));
  if ((m = /^Add (\d) (\w+?)(?: objects?)?\. How many (\w+?)(?: objects)? are there now\?$/.exec(prompt))) {
    if (singular(m[2]) !== singular(m[3])) throw new Error(`adds ${m[2]} but asks for ${m[3]}`);
    return String(count(objs, m[2]) + +m[1]);
  }
  throw new Error(`no oracle for prompt: ${prompt}`);
}

/** The answer to a word problem, from its text alone. */
export function answerFromText(prompt: string): string {
  const GAIN = '(?:gets|buys|finds|wins)';
  const LOSS = '(?:loses|gives away|sells|uses)';
  const stepValue = (v: number, clause: string): number => {
    const g = new RegExp(`^${GAIN} (\\d+)$`).exec(clause);
    if (g) return v + +g[1];
    const l = new RegExp(`^${LOSS} (\\d+)$`).exec(clause);
    if (l) return v - +l[1];
    throw new Error(`unknown step "${clause}" in ${prompt}`);
  };
  let m: RegExpExecArray | null;
  if ((m = /^\w+ has (\d+) \w+, (.*)\. How many now\?$/.exec(prompt))) {
    return String(m[2].split(', ').reduce(stepValue, +m[1]));
  }
  if ((m = /^(\d+) bags hold (\d+) (\w+) each\. (.*)$/.exec(prompt))) {
    const p = +m[1] * +m[2];
    const rest = m[4];
    let r: RegExpExecArray | null;
    if (rest === `How many ${m[3]} in all?`) return String(p);
    if ((r = /^(\d+) more (?:is|are) loose\. How many in all\?$/.exec(rest))) return String(p + +r[1]);
    if ((r = /^(\d+) (?:is|are) lost\. How many are left\?$/.exec(rest))) return String(p - +r[1]);
  }
  if ((m = /^(\w+) has (\d+) \w+, (\w+) has (\d+)\.(?: (\w+) (.*?)\.)? How many in total\?$/.exec(prompt))) {
    let y = +m[4];
    if (m[5] !== undefined) {
      if (m[5] !== m[3]) throw new Error(`the change is not about ${m[3]}: ${prompt}`);
      y = stepValue(y, m[6]);
    }
    return String(+m[2] + y);
  }
  throw new Error(`no oracle for prompt: ${prompt}`);
}

/** Checks every "a op b = c" in a think part and returns the last result (or null when it has none). */
export function checkedEquations(think: string): number | null {
  let last: number | null = null;
  for (const m of think.matchAll(/(\d+)([-+*])(\d+)=(\d+)/g)) {
    const [a, b, c] = [+m[1], +m[3], +m[4]];
    const v = m[2] === '+' ? a + b : m[2] === '-' ? a - b : a * b;
    if (v !== c) throw new Error(`wrong equation ${m[0]} in "${think}"`);
    last = c;
  }
  return last;
}
