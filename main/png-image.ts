import zlib from 'node:zlib';

/** An RGBA bitmap that can be written as a PNG (RFC 2083) with nothing but node:zlib. */
export class PngImage {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 4);
  }

  /** Blends `rgba` (alpha 0–1 scaled by `coverage`) over the pixel at x, y ("source over"). */
  blend(x: number, y: number, rgba: readonly [number, number, number, number], coverage: number): void {
    const a = (rgba[3] / 255) * coverage;
    if (a <= 0) return;
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    const da = p[i + 3]! / 255;
    const oa = a + da * (1 - a);
    for (let c = 0; c < 3; c++) p[i + c] = Math.round((rgba[c]! * a + p[i + c]! * da * (1 - a)) / oa);
    p[i + 3] = Math.round(oa * 255);
  }

  /** PNG file bytes: signature, IHDR (8-bit RGBA), one IDAT, IEND. */
  encode(): Buffer {
    const rows = Buffer.alloc((this.width * 4 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      const start = y * (this.width * 4 + 1);
      rows[start] = 0; // filter type None
      Buffer.from(this.pixels.buffer, this.pixels.byteOffset + y * this.width * 4, this.width * 4).copy(
        rows,
        start + 1,
      );
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 6; // colour type RGBA
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
