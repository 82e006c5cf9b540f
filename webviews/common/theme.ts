// Chart colours from VS Code's theme CSS variables (--vscode-*), which the webview host sets on <html> and
// updates on a theme switch (with the body class vscode-light / vscode-dark / vscode-high-contrast[-light]).
// Canvas drawing cannot use CSS variables, so charts read them here and re-read them on every change.

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  /** Series colours in order (VS Code's chart palette first). */
  series: string[];
  fontFamily: string;
  fontSize: number;
}

// Dark Modern defaults, used only where a variable is missing (e.g. a page opened outside VS Code).
const FALLBACK = {
  background: '#1f1f1f', foreground: '#cccccc', muted: '#9d9d9d', grid: 'rgba(204, 204, 204, 0.14)', border: '#2b2b2b',
  blue: '#3794ff', orange: '#d18616', green: '#89d185', red: '#f14c4c', purple: '#b180d7', yellow: '#cca700',
};
// Beyond VS Code's six chart colours: distinct extra hues for more series (Tableau 10 tail).
const EXTRA_SERIES = ['#17becf', '#e377c2', '#8c564b', '#bcbd22', '#7f7f7f', '#9edae5'];

export function themeKind(body: Element = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): Theme {
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => cs.getPropertyValue(`--vscode-${name}`).trim() || fallback;
  const kind = themeKind();
  const contrast = kind.startsWith('high-contrast');
  const foreground = v('editor-foreground', v('foreground', FALLBACK.foreground));
  return {
    kind,
    background: v('editor-background', FALLBACK.background),
    foreground,
    muted: v('descriptionForeground', FALLBACK.muted),
    // High contrast themes want visible structure: grid lines in the contrast border colour.
    grid: contrast ? v('contrastBorder', foreground) : v('charts-lines', FALLBACK.grid),
    border: v('contrastBorder', v('panel-border', v('widget-border', FALLBACK.border))),
    series: [
      v('charts-blue', FALLBACK.blue), v('charts-orange', FALLBACK.orange), v('charts-green', FALLBACK.green),
      v('charts-red', FALLBACK.red), v('charts-purple', FALLBACK.purple), v('charts-yellow', FALLBACK.yellow), ...EXTRA_SERIES,
    ],
    fontFamily: v('font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(v('font-size', '13')) || 13,
  };
}

/** Calls `onChange` (at most once per frame) whenever the host switches theme. Returns a disposer. */
export function watchTheme(onChange: (t: Theme) => void): () => void {
  let pending = false;
  const fire = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange(readTheme());
    });
  };
  const mo = new MutationObserver(fire);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => mo.disconnect();
}

/** A colour with alpha, from #rgb/#rrggbb/rgb()/rgba() (what themes use); other syntaxes pass unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let m = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (m) {
    let h = m[1];
    if (h.length <= 4) h = [...h].map((d) => d + d).join('');
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    const a = h.length === 8 ? parseInt(h.slice(6, 8), 16) / 255 : 1;
    return `rgba(${r}, ${g}, ${b}, ${+(a * alpha).toFixed(3)})`;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${+(a * alpha).toFixed(3)})`;
  }
  return c;
}
