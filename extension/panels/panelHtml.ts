// The panel page every webview host serves (extension side) and the test harness serves (browser tests), so
// both run one page under one Content-Security-Policy. Pure string building: no DOM, no Node, no 'vscode'.
//
// CSP the bundles need (and nothing more):
//   default-src 'none'                      nothing else loads
//   script-src 'nonce-<nonce>'              one bundle script; no eval / new Function anywhere (Chart.js, lit ok)
//   style-src  <cspSource>                  media/*.css and codicon.css; lit styles go through adoptedStyleSheets
//                                           and positions through CSSOM (el.style.x = …), so no 'unsafe-inline'
//   img-src    <cspSource> data:            trace images (asWebviewUri) and PNG export previews
//   font-src   <cspSource>                  codicon.ttf
import type { PanelKind } from '../../protocol/messages';

export interface PanelHtmlOptions {
  panel: PanelKind;
  title: string;
  /** The bundle: dist/webviews/<panel>.js as a webview URI. */
  scriptUri: string;
  /** Stylesheets in order: codicon.css first (its id lets <vscode-icon> find it), then media/<panel>.css. */
  styleUris: string[];
  /** Fresh per page load: 32+ chars of [A-Za-z0-9]. */
  nonce: string;
  /** `webview.cspSource` in VS Code; the harness origin in tests. */
  cspSource: string;
}

const ATTR_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;', "'": '&#39;' };
/** Escapes a value for a double-quoted HTML attribute or text. */
export const escapeHtml = (s: string): string => s.replace(/[&"<>']/g, (c) => ATTR_ESCAPES[c]);

/** The Content-Security-Policy of a panel page (see the top comment for why each directive). */
export function panelCsp(nonce: string, cspSource: string): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('panelCsp: nonce must be 16+ base64/alnum chars');
  // VS Code's cspSource is a list of sources, e.g. "'self' https://*.vscode-cdn.net": allow host sources and
  // the one keyword 'self', nothing that could add a directive or weaken one ('unsafe-…').
  const sources = cspSource.trim().split(/\s+/);
  if (!cspSource.trim() || !sources.every((t) => t === "'self'" || /^[A-Za-z0-9*.:/+_-]+$/.test(t))) throw new Error(`panelCsp: suspicious cspSource ${JSON.stringify(cspSource)}`);
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** A random nonce from the platform's CSPRNG (Web Crypto exists in browsers and in Node ≥ 19 / VS Code). */
export function newNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62];
  return s;
}

/** The whole HTML of a panel: CSP meta first, stylesheets, an #app root, the nonce'd bundle last. */
export function panelHtml(o: PanelHtmlOptions): string {
  const styles = o.styleUris.map((href, i) =>
    `<link rel="stylesheet" href="${escapeHtml(href)}"${i === 0 && /codicon\.css/.test(href) ? ' id="vscode-codicon-stylesheet"' : ''}>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="UTF-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(panelCsp(o.nonce, o.cspSource))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
    ...styles,
    `<title>${escapeHtml(o.title)}</title>`,
    '</head>',
    `<body data-panel="${escapeHtml(o.panel)}">`,
    '<div id="app"></div>',
    `<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>`,
    '</body>',
    '</html>',
  ].join('\n');
}

/**
 * Files a panel page loads, relative to the extension root (the host maps each with asWebviewUri): the
 * bundle, then codicon.css (first: its id is how <vscode-icon> finds it) and the panel's stylesheet, which
 * @imports media/common.css — so localResourceRoots must include dist/ and media/.
 */
export function panelAssets(panel: PanelKind): { script: string; styles: string[] } {
  return { script: `dist/webviews/${panel}.js`, styles: ['dist/codicons/codicon.css', `media/${panel}.css`] };
}
