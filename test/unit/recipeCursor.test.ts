// Where the cursor is in a recipe that is still being typed (YAML that does not parse yet, JSON with a
// dangling quote): the path, key or value position, the word to replace, and what is already written.
import { strict as assert } from 'node:assert';
import { cursorContext } from '../../core/recipe/language/cursorContext';

/** `¦` marks the cursor. */
function ctxOf(marked: string, file = 'r.recipe.yaml') {
  const offset = marked.indexOf('¦');
  return cursorContext(marked.slice(0, offset) + marked.slice(offset + 1), offset, file);
}

describe('cursor context on incomplete YAML', () => {
  it('a blank line inside a stage: key position in that stage, with the keys written above and below', () => {
    const c = ctxOf('name: x\nstages:\n  - id: a\n    kind: sft\n    steps: 2\n  - id: b\n    ¦\n    steps: 3\n');
    assert.equal(c.position, 'key');
    assert.deepEqual(c.path, ['stages', 1]);
    assert.deepEqual(c.presentKeys.sort(), ['id', 'steps']);
    assert.deepEqual(c.stageIds, ['a', 'b']);
  });

  it('a partial key: its prefix and the offsets to replace (the rest of the word included)', () => {
    const text = 'name: x\nmodel:\n  trai\n';
    const c = cursorContext(text, text.indexOf('trai') + 2, 'r.recipe.yaml');
    assert.equal(c.position, 'key');
    assert.deepEqual(c.path, ['model']);
    assert.equal(c.prefix, 'tr');
    assert.equal(text.slice(c.replaceStart, c.replaceEnd), 'trai');
    assert.equal(c.keyHasColon, false);
  });

  it('a key already followed by a colon is completed by name only', () => {
    const c = ctxOf('name: x\nmodel:\n  tra¦: builtin\n');
    assert.equal(c.keyHasColon, true);
  });

  it('after "key: " the value position of that key, even when the line does not parse', () => {
    const c = ctxOf('name: x\nstages:\n  - id: a\n    kind: sft\n  - id: b\n    init_from: ¦\n');
    assert.equal(c.position, 'value');
    assert.deepEqual(c.path, ['stages', 1, 'init_from']);
    assert.equal(c.prefix, '');
  });

  it('a quoted value: the prefix without the quote, replacing quotes and all', () => {
    const text = 'name: x\nstages:\n- id: a\n  kind: "perc"\n';
    const c = cursorContext(text, text.indexOf('perc') + 4, 'r.recipe.yaml');
    assert.equal(c.quote, '"');
    assert.equal(c.prefix, 'perc');
    assert.equal(text.slice(c.replaceStart, c.replaceEnd), '"perc"');
    assert.deepEqual(c.path, ['stages', 0, 'kind'], 'compact sequence (dash at the key column)');
  });

  it('nested blocks: a key under algorithm of the first stage, while a later key closes the block', () => {
    const c = ctxOf('name: x\nstages:\n  - id: a\n    algorithm:\n      lr: 1\n      ¦\n    kind: sft\n');
    assert.deepEqual(c.path, ['stages', 0, 'algorithm']);
    assert.deepEqual(c.presentKeys, ['lr']);
  });

  it('right after a new "- " item marker: keys of a new stage, none present', () => {
    const c = ctxOf('name: x\nstages:\n  - id: a\n    kind: sft\n  - ¦\n');
    assert.deepEqual(c.path, ['stages', 1]);
    assert.equal(c.afterDash, true);
    assert.deepEqual(c.presentKeys, []);
    assert.deepEqual(c.stageIds, ['a']);
  });

  it('dedenting ends a block: the cursor at column 0 is back at the top level', () => {
    const c = ctxOf('name: x\nmodel:\n  trainer: builtin\n¦\n');
    assert.deepEqual(c.path, []);
    assert.deepEqual(c.presentKeys.sort(), ['model', 'name']);
  });

  it('ignores comments, quoted keys, and lines inside a block scalar', () => {
    const c = ctxOf('# top\n"name": x\ndescription: |\n  model:\n    not: a key\nstages:\n  - id: a # first\n    ¦\n');
    assert.deepEqual(c.path, ['stages', 0]);
    assert.deepEqual(c.stageIds, ['a']);
    const top = ctxOf('"name": x\ndescription: |\n  model: 1\n¦');
    assert.deepEqual(top.presentKeys.sort(), ['description', 'name'], "'model' inside the block scalar is text");
    const inside = ctxOf('name: x\ndescription: |\n  some text\n  ¦\n');
    assert.deepEqual(inside.path, [], 'inside free text: no key path to complete');
    assert.equal(inside.position, 'value');
  });

  it('CRLF line endings', () => {
    const c = ctxOf('name: x\r\nstages:\r\n  - id: a\r\n    kind: sft\r\n  - id: b\r\n    ¦\r\n    steps: 1\r\n');
    assert.deepEqual(c.path, ['stages', 1]);
    assert.deepEqual(c.presentKeys.sort(), ['id', 'steps']);
    assert.deepEqual(c.stageIds, ['a', 'b']);
    assert.deepEqual(ctxOf('name: x\r\nstages:\r\n  - id: a\r\n  - id: b\r\n    init_from: ¦\r\n').path, ['stages', 1, 'init_from']);
  });

  it('an empty document and a first word', () => {
    assert.deepEqual(ctxOf('¦').path, []);
    const c = ctxOf('na¦');
    assert.equal(c.position, 'key');
    assert.equal(c.prefix, 'na');
  });
});

describe('cursor context on incomplete JSON', () => {
  it('an empty string value of init_from', () => {
    const c = ctxOf('{"name": "x", "stages": [{"id": "a"}, {"id": "b", "init_from": "¦"}]}', 'r.recipe.json');
    assert.equal(c.position, 'value');
    assert.deepEqual(c.path, ['stages', 1, 'init_from']);
    assert.deepEqual(c.stageIds, ['a', 'b']);
    assert.equal(c.quote, '"');
  });

  it('a property name being typed: the object path and its other keys', () => {
    const c = ctxOf('{"name": "x", "stages": [{"id": "b", "ki¦"}]}', 'r.recipe.json');
    assert.equal(c.position, 'key');
    assert.deepEqual(c.path, ['stages', 0]);
    assert.equal(c.prefix, 'ki');
    assert.deepEqual(c.presentKeys, ['id']);
  });
});
