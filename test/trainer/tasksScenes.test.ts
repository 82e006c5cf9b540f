// Scenes and their PNGs: the renderer draws exactly the scene (read back from pixels at every size), each
// shape stays inside its patch, the PNG holds the same pixels (checked with zlib, independent of pngjs), and a
// committed snapshot catches any change in how scenes look.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Rng } from '../../trainer/util/rng';
import { BACKGROUND, PALETTE, randomScene, renderScene, sceneLayout, type Scene } from '../../trainer/tasks/scenes';
import { encodePng, decodePng } from '../../trainer/util/png';
import { describeExample } from '../../trainer/tasks/describe';
import { taskGenerator } from '../../trainer/tasks/index';
import type { SceneImage } from '../../trainer/tasks/types';
import { readScene } from './tasksOracle';

const FIXTURES = join(__dirname, '../fixtures/tasks');
const sortObjects = (objs: { row: number; col: number; color: string; shape: string }[]) =>
  [...objs].sort((a, b) => a.row - b.row || a.col - b.col).map(({ row, col, color, shape }) => ({ row, col, color, shape }));

/** PNG → RGB with node's zlib and the five PNG filters (8-bit truecolour only): independent of pngjs. */
function zlibDecode(png: Uint8Array): { width: number; height: number; colorType: number; rgb: Uint8Array } {
  const buf = Buffer.from(png);
  assert.deepEqual([...buf.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let off = 8;
  let width = 0, height = 0, colorType = -1;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      [width, height, colorType] = [data.readUInt32BE(0), data.readUInt32BE(4), data[9]];
      assert.equal(data[8], 8, 'bit depth');
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = 3;
  const stride = width * bpp;
  const rgb = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? rgb[y * stride + x - bpp] : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? rgb[(y - 1) * stride + x - bpp] : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(pred !== undefined, `filter ${filter}`);
      rgb[y * stride + x] = (v + pred) & 255;
    }
  }
  return { width, height, colorType, rgb };
}

function upscale(img: SceneImage, k: number): SceneImage {
  const n = img.size * k;
  const rgb = new Uint8Array(n * n * 3);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const s = (Math.floor(y / k) * img.size + Math.floor(x / k)) * 3;
      rgb.set(img.rgb.subarray(s, s + 3), (y * n + x) * 3);
    }
  }
  return { size: n, rgb };
}

describe('scenes: rendering', () => {
  it('draws exactly the scene at every size from 16 to 64 pixels (read back from the pixels)', () => {
    const rng = new Rng(11);
    for (let size = 16; size <= 64; size++) {
      for (let i = 0; i < 20; i++) {
        const scene = randomScene(rng, { grid: 4, minObjects: 1, maxObjects: 16 });
        assert.deepEqual(sortObjects(readScene(renderScene(scene, size), 4)), sortObjects(scene.objects), `size ${size}`);
      }
    }
  });

  it('uses a plain background and the palette only (no blending a decoder could misread)', () => {
    const allowed = new Set([BACKGROUND, ...Object.values(PALETTE)].map((c) => c.join(',')));
    const img = renderScene(randomScene(new Rng(5), { grid: 4, minObjects: 16, maxObjects: 16 }), 32);
    for (let i = 0; i < 32 * 32; i++) assert.ok(allowed.has([...img.rgb.subarray(i * 3, i * 3 + 3)].join(',')));
  });

  it('keeps each shape inside its own 8x8 patch at 32 px (one patch per grid cell)', () => {
    const scene = randomScene(new Rng(6), { grid: 4, minObjects: 16, maxObjects: 16 });
    const img = renderScene(scene, 32);
    for (const o of scene.objects) {
      const colour = PALETTE[o.color].join(',');
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const inPatch = Math.floor(y / 8) === o.row - 1 && Math.floor(x / 8) === o.col - 1;
          if (!inPatch) continue;
          // the patch's edge rows/columns stay background: neighbours never touch
          const edge = x % 8 === 7 || y % 8 === 7;
          const px = [...img.rgb.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3)].join(',');
          if (edge) assert.equal(px, BACKGROUND.join(','));
          else assert.ok(px === colour || px === BACKGROUND.join(','));
        }
      }
    }
    assert.deepEqual(sceneLayout(32, 4), { cell: 8, shape: 6, inset: 1, origin: 0 });
  });

  it('refuses an image too small for the grid', () => {
    assert.throws(() => renderScene({ grid: 4, objects: [] }, 15), /image size 15 is too small for a 4x4 scene grid \(needs at least 16 pixels\)/);
  });
});

describe('scenes: PNG', () => {
  it('encodes 8-bit RGB that zlib and pngjs both decode to the same pixels', () => {
    const rng = new Rng(3);
    for (const size of [16, 32, 48, 64]) {
      const img = renderScene(randomScene(rng, { grid: 4, minObjects: 2, maxObjects: 10 }), size);
      const png = encodePng(img);
      const z = zlibDecode(png);
      assert.deepEqual([z.width, z.height, z.colorType], [size, size, 2]);
      assert.deepEqual(z.rgb, img.rgb);
      assert.deepEqual(decodePng(png), img);
    }
  });

  it('rejects broken input clearly', () => {
    assert.throws(() => encodePng({ size: 4, rgb: new Uint8Array(10) }), /not a 4x4 RGB image: 10 bytes/);
    assert.throws(() => decodePng(new Uint8Array([1, 2, 3])), /not a readable PNG \(3 bytes\)/);
    const png = encodePng({ size: 2, rgb: new Uint8Array(12) });
    const torn = png.slice(0, png.length - 20);
    assert.throws(() => decodePng(torn), /not a readable PNG/);
  });

  it('describeExample gives the trace its prompt, truth and a decodable PNG with a safe file name', () => {
    const [ex] = taskGenerator('visual-reasoning', { imageSize: 32, maxPromptLength: 64, maxResponseLength: 48 }).validation(1);
    const d = describeExample(ex);
    assert.deepEqual({ ...d, image: undefined }, { task: 'visual-reasoning', prompt_id: ex.id, prompt: ex.prompt, ground_truth: ex.answer, image: undefined });
    assert.equal(d.image!.name, 'visual-reasoning_val_000000.png');
    assert.match(d.image!.name, /^[A-Za-z0-9._-]+$/);
    assert.deepEqual(decodePng(d.image!.png), ex.image);
    const [text] = taskGenerator('textual-reasoning', { imageSize: 32, maxPromptLength: 64, maxResponseLength: 48 }).validation(1);
    assert.equal(describeExample(text).image, undefined);
  });
});

describe('scenes: snapshot', () => {
  // test/fixtures/tasks/scene-32.png is the model's view; scene-32-x8.png the same, enlarged for people.
  // Regenerate after an intended change with S2T_UPDATE_FIXTURES=1.
  const scene: Scene = randomScene(new Rng(2080), { grid: 4, minObjects: 8, maxObjects: 8 });
  const img = renderScene(scene, 32);

  it('renders the committed snapshot pixel for pixel', () => {
    const file = join(FIXTURES, 'scene-32.png');
    if (process.env.S2T_UPDATE_FIXTURES === '1' || !existsSync(file)) {
      assert.notEqual(process.env.CI, 'true', `snapshot ${file} is missing`);
      mkdirSync(FIXTURES, { recursive: true });
      writeFileSync(file, encodePng(img));
      writeFileSync(join(FIXTURES, 'scene-32-x8.png'), encodePng(upscale(img, 8)));
      writeFileSync(join(FIXTURES, 'scene-32.json'), JSON.stringify(scene, null, 2) + '\n');
    }
    assert.deepEqual(decodePng(readFileSync(file)), img);
    assert.deepEqual(JSON.parse(readFileSync(join(FIXTURES, 'scene-32.json'), 'utf8')), scene);
    assert.deepEqual(decodePng(readFileSync(join(FIXTURES, 'scene-32-x8.png'))), upscale(img, 8));
  });
});
