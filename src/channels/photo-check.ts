/**
 * The notice's photo spec (knowledge materials.photo) checked against a picture's bytes. Pure: no I/O, so every
 * channel (Wechaty, 公众号, /api/photo) uses the same rules; the limits come from the knowledge base, the words from
 * replies.yaml.
 *
 * Only JPEG (the spec's format) and PNG are measured, by a hand-written scan of their headers: a JPEG's segments up
 * to its frame header (SOF, at most MAX_JPEG_SEGMENTS segments), a PNG's IHDR. The scan reads a few hundred bytes of
 * a camera's photo and never decodes anything, so a crafted file cannot make it slow (image-size took 2 s on a 20 MB
 * JPEG and 4 s on an SVG of many `<svg ` openings). Other formats are named by their magic bytes and not measured.
 */
import type { Knowledge } from "../knowledge/load.js";
import { baseVars, render } from "../knowledge/facts.js";

export interface PhotoSpec {
  format: string;
  /** Height must be strictly greater. */
  minHeightPx: number;
  /** Width must be strictly greater. */
  minWidthPx: number;
  /** Size range in KB (1 KB = 1024 bytes), both ends included. */
  minSizeKB: number;
  maxSizeKB: number;
}

export type PhotoProblem =
  | { rule: "unreadable" }
  | { rule: "format"; actual: string; expected: string }
  | { rule: "height"; actual: number; min: number }
  | { rule: "width"; actual: number; min: number }
  | { rule: "size_small"; actualKB: number; min: number }
  | { rule: "size_large"; actualKB: number; max: number };

export interface PhotoCheck {
  ok: boolean;
  /** The detected format in the notice's spelling (JPEG, PNG, …); undefined when the bytes are no known picture. */
  format?: string;
  /** As displayed (EXIF orientation applied). */
  width?: number;
  height?: number;
  bytes: number;
  sizeKB: number;
  /** Every rule the picture breaks, in the order of the spec. */
  problems: PhotoProblem[];
}

const FORMAT_NAMES: Record<string, string> = { jpg: "JPEG", jpeg: "JPEG", png: "PNG", gif: "GIF", webp: "WEBP", bmp: "BMP", heif: "HEIC", tiff: "TIFF" };

/** "jpg", "JPEG", "image/jpeg" → "JPEG". */
export function formatName(type: string): string {
  const t = type.toLowerCase().replace(/^image\//, "");
  return FORMAT_NAMES[t] ?? t.toUpperCase();
}

/** Default largest picture a channel reads (PHOTO_MAX_KB): the spec's 40–80 KB with room for a camera's original. */
export const PHOTO_MAX_KB = 2048;
/** Segments of a JPEG walked before its frame header at most (a camera's photo has about ten). */
export const MAX_JPEG_SEGMENTS = 64;
/** IFD entries of an EXIF block read at most for the orientation. */
const MAX_EXIF_ENTRIES = 64;

export interface PhotoHeader {
  /** In the notice's spelling: JPEG, PNG, or the name of another format found by its magic bytes. */
  format: string;
  /** As stored (before the EXIF orientation); undefined for formats that are not measured. */
  width?: number;
  height?: number;
  /** EXIF orientation 1–8 of a JPEG, when it has one. */
  orientation?: number;
}

/** Formats told by their first bytes only, so a wrong one can be named; none of them is measured. */
const OTHER_MAGIC: [string, (b: Uint8Array) => boolean][] = [
  ["GIF", (b) => ascii(b, 0, 4) === "GIF8"],
  ["WEBP", (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP"],
  ["BMP", (b) => ascii(b, 0, 2) === "BM"],
  ["HEIC", (b) => ascii(b, 4, 4) === "ftyp" && /^(heic|heix|mif1|msf1|hevc|avif)$/.test(ascii(b, 8, 4))],
  ["TIFF", (b) => ascii(b, 0, 4) === "II*\0" || ascii(b, 0, 4) === "MM\0*"],
  ["SVG", (b) => /^\s*<(\?xml|svg|!doctype svg)/i.test(ascii(b, 0, 64))],
];

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = "";
  for (let i = at; i < at + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

/**
 * What a picture is and how big, from its header: bounded work whatever the bytes (a JPEG's segments are skipped by
 * their lengths, at most MAX_JPEG_SEGMENTS of them). Undefined for bytes that are no picture, or a JPEG or PNG whose
 * header is broken or missing.
 */
export function readPhotoHeader(b: Uint8Array): PhotoHeader | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return readJpeg(b);
  if (b.length >= 24 && u32be(b, 0) === 0x89504e47 && u32be(b, 4) === 0x0d0a1a0a && ascii(b, 12, 4) === "IHDR") {
    const width = u32be(b, 16);
    const height = u32be(b, 20);
    return width && height ? { format: "PNG", width, height } : undefined;
  }
  for (const [format, test] of OTHER_MAGIC) if (test(b)) return { format };
  return undefined;
}

/** SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC): the frame header with the picture's size. */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function readJpeg(b: Uint8Array): PhotoHeader | undefined {
  let pos = 2;
  let orientation: number | undefined;
  for (let n = 0; n < MAX_JPEG_SEGMENTS; n++) {
    if (pos + 4 > b.length || b[pos] !== 0xff) return undefined;
    // Fill bytes (0xFF) may precede a marker; at most a few in a real file.
    let fill = 0;
    while (b[pos + 1] === 0xff && fill++ < 16 && pos + 5 <= b.length) pos++;
    const marker = b[pos + 1];
    pos += 2;
    // Markers without a length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    // The scan or the end before any frame header: no size to read.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = u16be(b, pos);
    if (length < 2) return undefined;
    if (isSof(marker)) {
      if (pos + 7 > b.length) return undefined;
      const height = u16be(b, pos + 3);
      const width = u16be(b, pos + 5);
      return width && height ? { format: "JPEG", width, height, ...(orientation ? { orientation } : {}) } : undefined;
    }
    if (marker === 0xe1 && orientation === undefined) orientation = exifOrientation(b, pos + 2, Math.min(b.length, pos + length));
    pos += length;
  }
  return undefined;
}

/** The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" block between `start` and `end`, if any. */
function exifOrientation(b: Uint8Array, start: number, end: number): number | undefined {
  if (end - start < 14 || ascii(b, start, 6) !== "Exif\0\0") return undefined;
  const tiff = start + 6;
  const order = ascii(b, tiff, 2);
  if (order !== "II" && order !== "MM") return undefined;
  const le = order === "II";
  const r16 = (i: number) => (le ? b[i] | (b[i + 1] << 8) : u16be(b, i));
  const r32 = (i: number) => (le ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0 : u32be(b, i));
  if (r16(tiff + 2) !== 42) return undefined;
  const ifd = tiff + r32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const count = Math.min(r16(ifd), MAX_EXIF_ENTRIES);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > end) return undefined;
    if (r16(entry) === 0x0112) {
      const v = r16(entry + 8);
      return v >= 1 && v <= 8 ? v : undefined;
    }
  }
  return undefined;
}

/**
 * Checks a picture against the spec; each failing rule is listed. `totalBytes`: the file's size when `data` is only
 * its beginning (a channel that counted the rest without keeping it).
 */
export function checkPhoto(spec: PhotoSpec, data: Uint8Array, totalBytes = data.byteLength): PhotoCheck {
  const bytes = totalBytes;
  const sizeKB = bytes / 1024;
  const problems: PhotoProblem[] = [];
  const header = readPhotoHeader(data);
  const format = header?.format;
  let width = header?.width;
  let height = header?.height;
  // EXIF orientations 5-8 turn the picture by 90°: the candidate sees (and the platform reads) it turned.
  if (header?.orientation && header.orientation >= 5 && width !== undefined && height !== undefined) [width, height] = [height, width];
  const expected = formatName(spec.format);
  if (!format) {
    problems.push({ rule: "unreadable" });
  } else {
    if (format !== expected) problems.push({ rule: "format", actual: format, expected });
    if (width === undefined || height === undefined) {
      // Another format, not measured: its format is what to fix first.
    } else {
      if (!(height > spec.minHeightPx)) problems.push({ rule: "height", actual: height, min: spec.minHeightPx });
      if (!(width > spec.minWidthPx)) problems.push({ rule: "width", actual: width, min: spec.minWidthPx });
    }
  }
  if (sizeKB < spec.minSizeKB) problems.push({ rule: "size_small", actualKB: sizeKB, min: spec.minSizeKB });
  if (sizeKB > spec.maxSizeKB) problems.push({ rule: "size_large", actualKB: sizeKB, max: spec.maxSizeKB });
  return { ok: problems.length === 0, format, width, height, bytes, sizeKB, problems };
}

/** KB with one decimal, never rounded across a limit: 39.97 KB shows as 39.9, not 40. */
export function formatKB(kb: number, limit?: { min?: number; max?: number }): string {
  let shown = Math.round(kb * 10) / 10;
  if (limit?.min !== undefined && kb < limit.min && shown >= limit.min) shown = Math.floor(kb * 10) / 10;
  if (limit?.max !== undefined && kb > limit.max && shown <= limit.max) shown = Math.ceil(kb * 10) / 10;
  return shown.toFixed(1).replace(/\.0$/, "");
}

/** The reply for a checked photo: confirmation, or each failing rule with what to fix (replies.yaml photo_*). */
export function photoReply(kb: Knowledge, check: PhotoCheck, note?: "original" | "compressed"): string {
  const vars = baseVars(kb);
  const r = kb.replies;
  const spec = kb.materials.photo;
  let text: string;
  if (check.ok) {
    text = render(r.photo_ok, { ...vars, format: check.format!, width: check.width!, height: check.height!, size: formatKB(check.sizeKB) });
  } else {
    const lines = check.problems.map((p, i) => {
      const line = (() => {
        switch (p.rule) {
          case "unreadable":
            return render(r.photo_fix_unreadable, { format: spec.format });
          case "format":
            return render(r.photo_fix_format, { actual: p.actual, format: spec.format });
          case "height":
            return render(r.photo_fix_height, { actual: p.actual, min: p.min });
          case "width":
            return render(r.photo_fix_width, { actual: p.actual, min: p.min });
          case "size_small":
            return render(r.photo_fix_small, { actual: formatKB(p.actualKB, { min: p.min }), min: p.min });
          case "size_large":
            return render(r.photo_fix_large, { actual: formatKB(p.actualKB, { max: p.max }), max: p.max });
        }
      })();
      return `${i + 1}. ${line}`;
    });
    text = render(r.photo_bad, { ...vars, list: lines.join("\n") });
  }
  if (note === "original" && !check.ok) text += "\n" + render(r.photo_original_note, vars);
  if (note === "compressed") text += "\n" + render(r.photo_compressed_note, vars);
  return text;
}
