// Seeded scenes of coloured shapes on a small grid, and their rendering to the square RGB image the VLM sees.
// One shape per grid cell, each cell aligned to the model's patches, so every shape stays legible after patching.
import type { Rng } from '../util/rng';
import type { SceneImage } from './types';

export const COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Color = (typeof COLORS)[number];
export type Shape = (typeof SHAPES)[number];

/** Display values: far apart in RGB so a nearest-colour decode (and a 2-layer vision tower) tells them apart. */
export const PALETTE: Record<Color, readonly [number, number, number]> = {
  red: [230, 50, 50],
  green: [40, 190, 70],
  blue: [60, 100, 245],
  yellow: [240, 215, 40],
};
export const BACKGROUND = [28, 28, 32] as const;

export interface SceneObject {
  /** 1-based grid coordinates, as the prompts name them ("row 2, col 3"). */
  row: number;
  col: number;
  color: Color;
  shape: Shape;
}

export interface Scene {
  grid: number;
  /** Sorted by row, then column (reading order), so listings in demonstrations are canonical. */
  objects: SceneObject[];
}

export interface SceneSpec {
  grid: number;
  minObjects: number;
  maxObjects: number;
}

/** A random scene: between min and max objects in distinct cells, colour and shape uniform. */
export function randomScene(rng: Rng, spec: SceneSpec): Scene {
  const cells = spec.grid * spec.grid;
  const n = rng.int(spec.minObjects, Math.min(spec.maxObjects, cells));
  const order = rng.shuffle(Array.from({ length: cells }, (_, i) => i)).slice(0, n).sort((a, b) => a - b);
  const objects = order.map((cell) => ({
    row: Math.floor(cell / spec.grid) + 1,
    col: (cell % spec.grid) + 1,
    color: rng.pick(COLORS),
    shape: rng.pick(SHAPES),
  }));
  return { grid: spec.grid, objects };
}

/** Compact canonical text of a scene ("4|r1c2:red/circle,…"): a key for held-out splits and ids. */
export function sceneSignature(scene: Scene): string {
  return `${scene.grid}|${scene.objects.map((o) => `${cellName(o)}:${o.color}/${o.shape}`).join(',')}`;
}

/** "r2c3": how demonstrations name a cell. */
export const cellName = (o: { row: number; col: number }): string => `r${o.row}c${o.col}`;

export function objectAt(scene: Scene, row: number, col: number): SceneObject | undefined {
  return scene.objects.find((o) => o.row === row && o.col === col);
}

/** Pixel geometry of the grid: cell side, shape side and where the grid starts (the leftover is centred). */
export function sceneLayout(imageSize: number, grid: number): { cell: number; shape: number; inset: number; origin: number } {
  const cell = Math.floor(imageSize / grid);
  // Below 4 px a cell leaves a 2 px shape, where circle, square and triangle are the same 2x2 block.
  if (cell < 4) {
    throw new RangeError(`image size ${imageSize} is too small for a ${grid}x${grid} scene grid (needs at least ${4 * grid} pixels)`);
  }
  // About a quarter of the cell is left as background so neighbouring shapes never touch.
  const gap = Math.max(1, Math.round(cell / 4));
  return { cell, shape: cell - gap, inset: Math.floor(gap / 2), origin: Math.floor((imageSize - cell * grid) / 2) };
}

/** Whether pixel (x, y) of an s×s shape box is inside the shape. */
export function shapeCovers(shape: Shape, s: number, x: number, y: number): boolean {
  const dx = x + 0.5 - s / 2;
  const dy = y + 0.5 - s / 2;
  switch (shape) {
    case 'square':
      return true;
    case 'circle':
      // 0.8·r² keeps the corners off even at 3 px (a plus), so a circle never reads as a square.
      return dx * dx + dy * dy < 0.8 * (s / 2) * (s / 2);
    case 'triangle':
      // Apex up, base the full width of the bottom row.
      return Math.abs(dx) <= (y + 1) / 2;
  }
}

export function renderScene(scene: Scene, imageSize: number): SceneImage {
  const { cell, shape: s, inset, origin } = sceneLayout(imageSize, scene.grid);
  const rgb = new Uint8Array(imageSize * imageSize * 3);
  for (let i = 0; i < imageSize * imageSize; i++) rgb.set(BACKGROUND, i * 3);
  for (const o of scene.objects) {
    const x0 = origin + (o.col - 1) * cell + inset;
    const y0 = origin + (o.row - 1) * cell + inset;
    const color = PALETTE[o.color];
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        if (shapeCovers(o.shape, s, x, y)) rgb.set(color, ((y0 + y) * imageSize + x0 + x) * 3);
      }
    }
  }
  return { size: imageSize, rgb };
}
