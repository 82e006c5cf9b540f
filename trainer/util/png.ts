// PNG files for the scenes shown in traces (stages/<id>/samples/*.png), through pngjs, and the decode the
// tests use to prove a saved sample holds exactly the pixels the model was trained on.
import { PNG } from 'pngjs';
import type { SceneImage } from '../tasks/types';

const RGB = 2; // PNG colour type: truecolour without alpha

export function encodePng(image: SceneImage): Uint8Array {
  const { size, rgb } = image;
  if (!Number.isInteger(size) || size < 1 || rgb.length !== size * size * 3) {
    throw new RangeError(`not a ${size}x${size} RGB image: ${rgb.length} bytes`);
  }
  const png = new PNG({ width: size, height: size, inputColorType: RGB, inputHasAlpha: false, colorType: RGB });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  const out = PNG.sync.write(png, { inputColorType: RGB, inputHasAlpha: false, colorType: RGB });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decodes any square PNG to RGB (alpha dropped); a broken or non-square file is a clear error. */
export function decodePng(bytes: Uint8Array): SceneImage {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`not a readable PNG (${bytes.length} bytes): ${(e as Error).message}`);
  }
  if (png.width !== png.height) throw new RangeError(`scene PNG must be square, got ${png.width}x${png.height}`);
  const size = png.width;
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    rgb[i * 3] = png.data[i * 4];
    rgb[i * 3 + 1] = png.data[i * 4 + 1];
    rgb[i * 3 + 2] = png.data[i * 4 + 2];
  }
  return { size, rgb };
}
