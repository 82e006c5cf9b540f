#!/usr/bin/env node
// Entry of the `see2think` command: runs the bundled CLI (built by `npm install` / `npm run build`).
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('see2think: dist/cli.js is missing; run `npm install` (or `npm run build`) in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
require(cli).main(process.argv.slice(2)).then((code) => process.exit(code));
