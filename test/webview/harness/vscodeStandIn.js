// Stand-in for the VS Code webview boundary, loaded (nonce'd) before a panel bundle in the test harness:
// acquireVsCodeApi (once per page, JSON-cloned posts recorded in window.__posted, state kept in
// sessionStorage so a reload plays "the panel came back"), host messages delivered as window 'message'
// events the way VS Code delivers them, VS Code's theme variables set through CSSOM on <html> plus the
// body class, and every CSP violation recorded. E tests the real boundary inside VS Code.
(function () {
  'use strict';
  // Test code passed to page.evaluate is compiled by tsx, which wraps named inner functions in __name().
  window.__name = window.__name || function (f) { return f; };
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile + ':' + e.lineNumber });
  });
  window.__errors = [];
  window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });

  window.__posted = [];
  var acquired = false;
  var KEY = 's2t-state';
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: function (m) {
        var copy = JSON.parse(JSON.stringify(m));
        window.__posted.push(copy);
        // A test playing the host (a real host-side session) receives what the page posts.
        if (typeof window.__toHost === 'function') window.__toHost(copy);
      },
      getState: function () { var s = sessionStorage.getItem(KEY); return s === null ? undefined : JSON.parse(s); },
      setState: function (s) { sessionStorage.setItem(KEY, JSON.stringify(s)); return s; },
    });
  };
  // VS Code serialises host messages (NaN/Infinity become null); __deliverRaw skips that (benchmarks).
  window.__deliver = function (msg) { window.__deliverRaw(JSON.parse(JSON.stringify(msg))); };
  window.__deliverRaw = function (msg) { window.dispatchEvent(new MessageEvent('message', { data: msg })); };

  // A subset of VS Code's Dark Modern / Light Modern / High Contrast colours, as the workbench sets them.
  var THEMES = {
    dark: { cls: 'vscode-dark', vars: {
      'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc', foreground: '#cccccc', descriptionForeground: '#9d9d9d',
      'charts-lines': 'rgba(204, 204, 204, 0.5)', 'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185',
      'charts-red': '#f14c4c', 'charts-purple': '#b180d7', 'charts-yellow': '#cca700', 'panel-border': '#2b2b2b',
      'font-family': 'sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace', 'button-background': '#0078d4',
      'button-foreground': '#ffffff', 'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'focusBorder': '#0078d4',
      'editorHoverWidget-background': '#202020', 'editorHoverWidget-border': '#454545', 'list-hoverBackground': '#2a2d2e',
      'dropdown-background': '#313131', 'dropdown-foreground': '#cccccc', 'dropdown-border': '#3c3c3c',
      'editor-findMatchHighlightBackground': 'rgba(234, 92, 0, 0.33)',
    } },
    light: { cls: 'vscode-light', vars: {
      'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', foreground: '#3b3b3b', descriptionForeground: '#3b3b3b',
      'charts-lines': 'rgba(59, 59, 59, 0.5)', 'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'charts-green': '#388a34',
      'charts-red': '#e51400', 'charts-purple': '#652d90', 'charts-yellow': '#bf8803', 'panel-border': '#e5e5e5',
      'font-family': 'sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace', 'button-background': '#005fb8',
      'button-foreground': '#ffffff', 'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'focusBorder': '#005fb8',
      'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-border': '#c8c8c8', 'list-hoverBackground': '#f2f2f2',
      'dropdown-background': '#ffffff', 'dropdown-foreground': '#3b3b3b', 'dropdown-border': '#cecece',
      'editor-findMatchHighlightBackground': 'rgba(234, 92, 0, 0.33)',
    } },
    'high-contrast': { cls: 'vscode-high-contrast', vars: {
      'editor-background': '#000000', 'editor-foreground': '#ffffff', foreground: '#ffffff', descriptionForeground: '#ffffff',
      'contrastBorder': '#6fc3df', 'charts-lines': 'rgba(255, 255, 255, 0.5)', 'charts-blue': '#3794ff', 'charts-orange': '#d18616',
      'charts-green': '#89d185', 'charts-red': '#f14c4c', 'charts-purple': '#b180d7', 'charts-yellow': '#ffff00',
      'font-family': 'sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace', 'button-background': '#000000',
      'focusBorder': '#f38518',
    } },
  };
  window.__setTheme = function (name) {
    var t = THEMES[name];
    var root = document.documentElement;
    for (var i = root.style.length - 1; i >= 0; i--) {
      var p = root.style[i];
      if (p.indexOf('--vscode-') === 0) root.style.removeProperty(p);
    }
    for (var k in t.vars) root.style.setProperty('--vscode-' + k, t.vars[k]);
    var apply = function () {
      document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
      document.body.classList.add(t.cls);
    };
    if (document.body) apply(); else document.addEventListener('DOMContentLoaded', apply);
  };
  window.__setTheme(new URLSearchParams(location.search).get('theme') || 'dark');
})();
