// Derives protocol/recipe.generated.ts from protocol/recipe.schema.json (the single source).
// `node scripts/gen-types.mjs --check` exits 1 when the committed file is stale (run by the unit tests).
import { compile } from 'json-schema-to-typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(root, 'protocol/recipe.schema.json');
const outPath = join(root, 'protocol/recipe.generated.ts');

export async function generate() {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  return compile(schema, 'Recipe', {
    bannerComment: '// GENERATED from recipe.schema.json by scripts/gen-types.mjs — edit the schema, then `npm run gen`.',
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true },
    cwd: dirname(schemaPath),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ts = await generate();
  if (process.argv.includes('--check')) {
    const current = readFileSync(outPath, 'utf8');
    if (current !== ts) {
      console.error('protocol/recipe.generated.ts is stale: run `npm run gen`');
      process.exit(1);
    }
  } else writeFileSync(outPath, ts);
}
