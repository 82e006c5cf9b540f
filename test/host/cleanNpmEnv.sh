# Sourced by setup-code-server.sh. Started from `npm test`, a shell inherits npm's configuration as npm_config_*
# variables, among them npm_config_user_agent ("npm/… node/v20…"). A nested `npm install` takes them as its own
# configuration, and code-server's postinstall reads the Node major version from npm_config_user_agent: it then
# sees the outer Node 20, not the Node 24 first on PATH, and refuses to install. Unset them all.
for v in $(compgen -e); do
  case "$v" in npm_config_* | NPM_CONFIG_* | npm_package_* | npm_lifecycle_* | npm_command | npm_execpath | npm_node_execpath) unset "$v" ;; esac
done
unset v
