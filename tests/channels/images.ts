/** Pictures made byte by byte for the photo check: a JPEG of a given size in pixels and bytes, a PNG, and junk. */

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];

function segment(marker: number, data: number[] | Buffer): Buffer {
  const body = Buffer.from(data);
  return Buffer.concat([Buffer.from([0xff, marker, ...u16(body.length + 2)]), body]);
}

/**
 * A JPEG file image-size reads as `width`×`height`, exactly `bytes` long (padded with comment segments), with an
 * EXIF orientation when given.
 */
export function jpeg(opts: { width: number; height: number; bytes: number; orientation?: number }): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  parts.push(segment(0xe0, [...Buffer.from("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  if (opts.orientation) {
    // Exif\0\0, TIFF big-endian header, IFD0 with one entry: Orientation (274), SHORT, 1, value.
    parts.push(segment(0xe1, [...Buffer.from("Exif\0\0"), 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 1, 18, 0, 3, 0, 0, 0, 1, ...u16(opts.orientation), 0, 0, 0, 0, 0, 0]));
  }
  const sof = segment(0xc0, [8, ...u16(opts.height), ...u16(opts.width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const eoi = Buffer.from([0xff, 0xd9]);
  let size = parts.reduce((n, p) => n + p.length, 0) + sof.length + eoi.length;
  if (size > opts.bytes) throw new Error(`a JPEG needs at least ${size} bytes`);
  while (size < opts.bytes) {
    let fill = Math.min(opts.bytes - size - 4, 65533);
    if (fill < 0) throw new Error("cannot pad by fewer than 4 bytes");
    // Leave either nothing or at least 4 bytes for the next comment segment.
    const after = opts.bytes - size - 4 - fill;
    if (after > 0 && after < 4) fill -= 4;
    parts.push(segment(0xfe, Buffer.alloc(fill, 0x20)));
    size += fill + 4;
  }
  return Buffer.concat([...parts, sof, eoi]);
}

/** A PNG header image-size reads as `width`×`height`, padded to `bytes`. */
export function png(opts: { width: number; height: number; bytes: number }): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write("IHDR", 4, "ascii");
  ihdr.writeUInt32BE(opts.width, 8);
  ihdr.writeUInt32BE(opts.height, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  return Buffer.concat([sig, ihdr, Buffer.alloc(Math.max(0, opts.bytes - sig.length - ihdr.length))]);
}

export const KB = 1024;
