// The VS Code host install (test/host/setup-code-server.sh) started from `npm test`: the parent npm's
// npm_config_* variables (user agent "npm/… node/v20…") must not reach the nested `npm install -g code-server`,
// whose postinstall reads the Node version from npm_config_user_agent (code-server v4.139.1 postinstall.sh,
// `main`: `sed -n 's/.*node\/v\([^.]*\).*/\1/p'` on $npm_config_user_agent). Two checks, both offline: the
// script run as `npm test` runs it, with a stand-in npm that records what each call sees; and real npm
// installing a local probe package after the script's cleaning, whose postinstall records the user agent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** What an outer `npm test` on Node 20 exports to its children (a made-up Node version, to be unmistakable). */
const NPM_TEST_ENV = {
  npm_config_user_agent: 'npm/10.8.2 node/v20.0.99 linux x64 workspaces/false',
  npm_config_cache: '/nonexistent/npm-cache',
  npm_lifecycle_event: 'test',
  npm_package_name: 'see2think',
};

describe('VS Code host install from an `npm test` environment', function () {
  this.timeout(120000);
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 's2t-hostenv-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('setup-code-server.sh gives the nested npm install of code-server a clean npm configuration', function () {
    // A stand-in npm: records each call's arguments and npm variables, and makes what the script checks next;
    // a stand-in apt-get, so a machine without chromium installs nothing here (the host layer does that).
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    const missing = spawnSync('dpkg-query', ['-W', '-f=${Status}\n', 'chromium', 'fonts-liberation', 'libkrb5-dev'], { encoding: 'utf8' });
    if (process.getuid?.() !== 0 && (missing.status !== 0 || /not-installed|deinstall/.test(missing.stdout))) {
      this.skip(); // the script would stop at its package step (not root, packages missing)
    }
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'apt-get'), 0o755);
    const log = join(tmp, 'npm.log');
    writeFileSync(join(bin, 'npm'), `#!/usr/bin/env bash
{ echo "CALL $*"; env | grep -i '^npm_' | sort; } >> "${log}"
prefix=""; prev=""
for a in "$@"; do [ "$prev" = --prefix ] && prefix="$a"; prev="$a"; done
if [ -n "$prefix" ]; then mkdir -p "$prefix/bin" && printf '#!/bin/sh\\necho 4.139.1\\n' > "$prefix/bin/code-server" && chmod +x "$prefix/bin/code-server"; fi
exit 0
`);
    chmodSync(join(bin, 'npm'), 0o755);
    const prefix = join(tmp, 'host');
    const r = spawnSync('bash', [join(ROOT, 'test/host/setup-code-server.sh'), prefix], {
      encoding: 'utf8', env: { ...process.env, ...NPM_TEST_ENV, PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const calls = readFileSync(log, 'utf8').split(/^(?=CALL )/m);
    const install = calls.find((c) => /^CALL install -g .*code-server@/.test(c));
    assert.ok(install, `no npm install -g code-server among:\n${calls.join('')}`);
    assert.doesNotMatch(install, /npm_config_user_agent|npm_config_cache|npm_lifecycle_event|npm_package_name/);
    assert.match(install, /npm_config_nodedir=.*node24/, 'the script still sets its own npm_config_nodedir');
  });

  it('after the cleaning, a postinstall sees the Node that runs npm, not the parent npm test’s', () => {
    const pkg = join(tmp, 'probe');
    mkdirSync(pkg);
    const out = join(tmp, 'ua.txt');
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({
      name: 's2t-ua-probe', version: '1.0.0', scripts: { postinstall: `echo "$npm_config_user_agent" > "${out}"` },
    }));
    const r = spawnSync('bash', ['-c', `source "${join(ROOT, 'test/host/cleanNpmEnv.sh')}" && npm install -g --prefix "${join(tmp, 'prefix')}" --no-audit --no-fund --foreground-scripts "${pkg}"`], {
      encoding: 'utf8', env: { ...process.env, ...NPM_TEST_ENV, npm_config_cache: join(tmp, 'cache') },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const nodeOnPath = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
    assert.match(readFileSync(out, 'utf8'), new RegExp(`node/${nodeOnPath.replace(/\./g, '\\.')} `));
  });
});
