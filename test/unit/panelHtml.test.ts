// The panel page both the extension and the browser tests serve: strict CSP, nonce'd bundle, escaping.
import { strict as assert } from 'node:assert';
import { panelHtml, panelCsp, newNonce, escapeHtml } from '../../extension/panels/panelHtml';

const opts = {
  panel: 'dashboard' as const, title: 'Runs <b>"x"</b>', scriptUri: 'https://file.vscode-cdn.net/ext/dist/webviews/dashboard.js',
  styleUris: ['https://file.vscode-cdn.net/ext/dist/codicons/codicon.css', 'https://file.vscode-cdn.net/ext/media/dashboard.css'],
  nonce: 'abcdefghijklmnopqrstuvwxyz012345', cspSource: 'https://*.vscode-cdn.net',
};

describe('panel html', () => {
  it('has a strict CSP: nonce script, no eval, no inline styles, only the webview source for styles, images, fonts', () => {
    const csp = panelCsp(opts.nonce, opts.cspSource);
    assert.equal(csp, "default-src 'none'; script-src 'nonce-abcdefghijklmnopqrstuvwxyz012345'; style-src https://*.vscode-cdn.net; img-src https://*.vscode-cdn.net data:; font-src https://*.vscode-cdn.net");
    assert.ok(!/unsafe-(eval|inline)/.test(csp));
  });

  it('puts the CSP first, the codicon sheet with its id, the bundle last with the nonce, and escapes the title', () => {
    const html = panelHtml(opts);
    const head = html.indexOf('<head>');
    assert.ok(html.indexOf('Content-Security-Policy') > head && html.indexOf('Content-Security-Policy') < html.indexOf('<link'));
    assert.match(html, /<link rel="stylesheet" href="[^"]+codicon\.css" id="vscode-codicon-stylesheet">/);
    assert.match(html, /<script nonce="abcdefghijklmnopqrstuvwxyz012345" src="[^"]+dashboard\.js"><\/script>\n<\/body>/);
    assert.match(html, /<title>Runs &lt;b&gt;&quot;x&quot;&lt;\/b&gt;<\/title>/);
    assert.match(html, /<body data-panel="dashboard">/);
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script only');
  });

  it('refuses a weak nonce or a cspSource that would inject directives', () => {
    assert.throws(() => panelCsp('short', opts.cspSource), /nonce/);
    assert.throws(() => panelCsp(opts.nonce, "https://x; script-src 'unsafe-eval'"), /cspSource/);
    assert.throws(() => panelCsp(opts.nonce, ''), /cspSource/);
    assert.throws(() => panelCsp(opts.nonce, "'self' 'unsafe-inline'"), /cspSource/);
    // What VS Code 1.139's webview.cspSource really is.
    assert.match(panelCsp(opts.nonce, "'self' https://*.vscode-cdn.net"), /img-src 'self' https:\/\/\*\.vscode-cdn\.net data:/);
  });

  it('makes fresh nonces and escapes attribute text', () => {
    const a = newNonce();
    assert.match(a, /^[A-Za-z0-9]{24}$/);
    assert.notEqual(a, newNonce());
    assert.equal(escapeHtml(`"><script>'&`), '&quot;&gt;&lt;script&gt;&#39;&amp;');
  });
});
