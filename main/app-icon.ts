import { PngImage } from './png-image.js';

export type Rgba = readonly [number, number, number, number];

/** Colours of the icon's tile: the product's blue, and the tray's status colours. */
export const ICON_COLOURS = {
  brand: [31, 111, 235, 255],
  running: [26, 127, 55, 255],
  error: [207, 34, 46, 255],
  starting: [110, 119, 129, 255],
} as const satisfies Record<string, Rgba>;

const WHITE: Rgba = [255, 255, 255, 255];
const SUPERSAMPLE = 4;

/**
 * The OfficePBX icon at `size` pixels: a rounded tile in `tile` colour with a white telephone handset (a
 * thick arc with round ear and mouth pieces). Drawn from shapes with 4×4 supersampling, so every size is
 * sharp without a drawing library; the build's icon set and the tray's status icons both come from here.
 */
export function drawAppIcon(size: number, tile: Rgba = ICON_COLOURS.brand): PngImage {
  const img = new PngImage(size, size);
  const step = 1 / SUPERSAMPLE;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inTile = 0;
      let inGlyph = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const u = (x + (sx + 0.5) * step) / size;
          const v = (y + (sy + 0.5) * step) / size;
          if (insideRoundedSquare(u, v, 0.04, 0.22)) {
            inTile++;
            if (insideHandset(u, v)) inGlyph++;
          }
        }
      }
      const n = SUPERSAMPLE * SUPERSAMPLE;
      img.blend(x, y, tile, inTile / n);
      img.blend(x, y, WHITE, inGlyph / n);
    }
  }
  return img;
}

function insideRoundedSquare(u: number, v: number, margin: number, radius: number): boolean {
  const lo = margin + radius;
  const hi = 1 - margin - radius;
  const dx = Math.max(lo - u, 0, u - hi);
  const dy = Math.max(lo - v, 0, v - hi);
  return dx * dx + dy * dy <= radius * radius;
}

// The handset: an arc around the tile's centre, open towards the upper right, with a round cap at each end.
// The arc's centre sits right of and below the middle, so the glyph (which bulges to the upper left) is centred.
const CENTRE = 0.56;
const ARC_RADIUS = 0.24;
const ARC_WIDTH = 0.12;
const CAP_RADIUS = 0.11;
const ARC_FROM = (125 * Math.PI) / 180; // angles measured clockwise from +x in image coordinates (y down)
const ARC_TO = (325 * Math.PI) / 180;

function insideHandset(u: number, v: number): boolean {
  const dx = u - CENTRE;
  const dy = v - CENTRE;
  let angle = Math.atan2(dy, dx);
  if (angle < 0) angle += 2 * Math.PI;
  const r = Math.hypot(dx, dy);
  if (angle >= ARC_FROM && angle <= ARC_TO && Math.abs(r - ARC_RADIUS) <= ARC_WIDTH / 2) return true;
  for (const a of [ARC_FROM, ARC_TO]) {
    const cx = CENTRE + ARC_RADIUS * Math.cos(a);
    const cy = CENTRE + ARC_RADIUS * Math.sin(a);
    if (Math.hypot(u - cx, v - cy) <= CAP_RADIUS) return true;
  }
  return false;
}
