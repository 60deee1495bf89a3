/**
 * The notice's photo spec (knowledge materials.photo) checked against a picture's bytes. Pure: no I/O, so every
 * channel (Wechaty, 公众号) uses the same rules; the limits come from the knowledge base, the words from replies.yaml.
 */
import { imageSize } from "image-size";
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

const isJpegMagic = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Checks a picture against the spec; each failing rule is listed. */
export function checkPhoto(spec: PhotoSpec, data: Uint8Array): PhotoCheck {
  const bytes = data.byteLength;
  const sizeKB = bytes / 1024;
  const problems: PhotoProblem[] = [];
  let format: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  try {
    const dim = imageSize(data);
    if (dim.type) format = formatName(dim.type);
    width = dim.width;
    height = dim.height;
    // EXIF orientations 5-8 turn the picture by 90°: the candidate sees (and the platform reads) it turned.
    if (dim.orientation && dim.orientation >= 5 && width !== undefined && height !== undefined) [width, height] = [height, width];
  } catch {
    // Not a picture image-size knows (or truncated): reported below.
  }
  const expected = formatName(spec.format);
  if (!format || width === undefined || height === undefined) {
    problems.push({ rule: "unreadable" });
  } else {
    if (format !== expected || (expected === "JPEG" && !isJpegMagic(data))) problems.push({ rule: "format", actual: format, expected });
    if (!(height > spec.minHeightPx)) problems.push({ rule: "height", actual: height, min: spec.minHeightPx });
    if (!(width > spec.minWidthPx)) problems.push({ rule: "width", actual: width, min: spec.minWidthPx });
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
