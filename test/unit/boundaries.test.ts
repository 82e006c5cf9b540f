// The layer boundaries (docs/ARCHITECTURE.md): only extension/ imports 'vscode'; webviews/ never import Node;
// protocol/ has no runtime dependencies; each layer imports only the layers below it.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../..');
const NODE_BUILTINS = new Set(require('node:module').builtinModules as string[]);

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx|js|mjs)$/.test(f)) out.push(p);
    }
  };
  walk(join(root, dir));
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

const rel = (f: string) => relative(root, f);

describe('architecture boundaries', () => {
  it("only extension/ imports 'vscode'", () => {
    const leaks = ['core', 'cli', 'trainer', 'protocol', 'webviews'].flatMap(sources).filter((f) => importsOf(f).includes('vscode'));
    assert.deepEqual(leaks.map(rel), []);
  });

  it('webviews/ never import Node modules', () => {
    const leaks = sources('webviews').flatMap((f) => importsOf(f)
      .filter((m) => m.startsWith('node:') || NODE_BUILTINS.has(m.split('/')[0]))
      .map((m) => `${rel(f)} imports ${m}`));
    assert.deepEqual(leaks, []);
  });

  it('protocol/ imports nothing but itself (types and pure functions)', () => {
    const leaks = sources('protocol').flatMap((f) => importsOf(f).filter((m) => !m.startsWith('./')).map((m) => `${rel(f)} imports ${m}`));
    assert.deepEqual(leaks, []);
  });

  // The layers (docs/ARCHITECTURE.md): protocol <- core <- trainer <- cli; extension -> core; webviews -> protocol.
  const layerOf = (file: string, spec: string): string | undefined => {
    if (!spec.startsWith('.')) return undefined;
    const target = relative(root, join(file, '..', spec));
    return target.split(/[\\/]/)[0];
  };
  const allowed: Record<string, string[]> = {
    core: ['core', 'protocol'],
    trainer: ['trainer', 'core', 'protocol'],
    cli: ['cli', 'trainer', 'core', 'protocol'],
    extension: ['extension', 'core', 'protocol'],
  };
  for (const [layer, ok] of Object.entries(allowed)) {
    it(`${layer}/ imports only ${ok.join(', ')}`, () => {
      const leaks = sources(layer).flatMap((f) => importsOf(f)
        .map((m) => [m, layerOf(f, m)] as const)
        .filter(([, l]) => l !== undefined && !ok.includes(l))
        .map(([m]) => `${rel(f)} imports ${m}`));
      assert.deepEqual(leaks, []);
    });
  }
});

describe('generated recipe types', () => {
  it('protocol/recipe.generated.ts matches protocol/recipe.schema.json', () => {
    const r = require('node:child_process').spawnSync(process.execPath, [join(root, 'scripts/gen-types.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});
