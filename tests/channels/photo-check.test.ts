/** The photo check against the notice's spec (knowledge materials.photo): every rule, its edges, and the replies. */
import { describe, expect, it } from "vitest";
import { getKb } from "../helpers.js";
import { checkPhoto, formatKB, photoReply } from "../../src/channels/photo-check.js";
import { jpeg, KB, png } from "./images.js";

const kb = getKb();
const spec = kb.materials.photo;
const good = { width: spec.minWidthPx + 100, height: spec.minHeightPx + 150, bytes: Math.round(((spec.minSizeKB + spec.maxSizeKB) / 2) * KB) };

describe("checkPhoto", () => {
  it("passes a JPEG within every limit", () => {
    const c = checkPhoto(spec, jpeg(good));
    expect(c).toMatchObject({ ok: true, format: "JPEG", width: good.width, height: good.height, problems: [] });
  });

  it("takes height and width as strictly greater than the limits", () => {
    expect(checkPhoto(spec, jpeg({ ...good, height: spec.minHeightPx })).problems).toEqual([{ rule: "height", actual: spec.minHeightPx, min: spec.minHeightPx }]);
    expect(checkPhoto(spec, jpeg({ ...good, height: spec.minHeightPx + 1 })).ok).toBe(true);
    expect(checkPhoto(spec, jpeg({ ...good, width: spec.minWidthPx })).problems).toEqual([{ rule: "width", actual: spec.minWidthPx, min: spec.minWidthPx }]);
    expect(checkPhoto(spec, jpeg({ ...good, width: spec.minWidthPx + 1 })).ok).toBe(true);
  });

  it("takes the size range in KB (1024 bytes) with both ends included", () => {
    expect(checkPhoto(spec, jpeg({ ...good, bytes: spec.minSizeKB * KB })).ok).toBe(true);
    expect(checkPhoto(spec, jpeg({ ...good, bytes: spec.maxSizeKB * KB })).ok).toBe(true);
    expect(checkPhoto(spec, jpeg({ ...good, bytes: spec.minSizeKB * KB - 1 })).problems.map((p) => p.rule)).toEqual(["size_small"]);
    expect(checkPhoto(spec, jpeg({ ...good, bytes: spec.maxSizeKB * KB + 1 })).problems.map((p) => p.rule)).toEqual(["size_large"]);
  });

  it("names another format", () => {
    const c = checkPhoto(spec, png({ ...good }));
    expect(c.problems).toEqual([{ rule: "format", actual: "PNG", expected: "JPEG" }]);
  });

  it("lists every broken rule, in the spec's order", () => {
    const c = checkPhoto(spec, png({ width: 50, height: 60, bytes: 10 * KB }));
    expect(c.problems.map((p) => p.rule)).toEqual(["format", "height", "width", "size_small"]);
  });

  it("reports bytes that are no picture", () => {
    const c = checkPhoto(spec, Buffer.from("这不是图片".repeat(5000)));
    expect(c.ok).toBe(false);
    expect(c.problems[0]).toEqual({ rule: "unreadable" });
  });

  it("applies the EXIF orientation (a picture turned by 90° is measured as shown)", () => {
    const turned = jpeg({ ...good, width: good.height, height: good.width, orientation: 6 });
    expect(checkPhoto(spec, turned)).toMatchObject({ ok: true, width: good.width, height: good.height });
  });

  it("reads its limits from the spec it is given (no literals)", () => {
    const stricter = { ...spec, minHeightPx: good.height + 10, maxSizeKB: spec.minSizeKB + 1 };
    expect(checkPhoto(stricter, jpeg(good)).problems.map((p) => p.rule)).toEqual(["height", "size_large"]);
  });
});

describe("photoReply", () => {
  it("confirms a passing photo with what was measured and the rules to check by eye", () => {
    const text = photoReply(kb, checkPhoto(spec, jpeg(good)), "original");
    expect(text).toContain(String(good.width));
    expect(text).toContain(String(good.height));
    expect(text).toContain(spec.rules[0]);
    expect(text).not.toMatch(/不符合/);
  });

  it("names each failing rule with what to fix, numbered", () => {
    const text = photoReply(kb, checkPhoto(spec, png({ width: 50, height: 60, bytes: 100 * KB })), "original");
    const lines = text.split("\n");
    expect(lines.filter((l) => /^\d\. /.test(l))).toHaveLength(4);
    expect(text).toMatch(/PNG/);
    expect(text).toContain(`${spec.minHeightPx} 像素`);
    expect(text).toContain(`${spec.minWidthPx} 像素`);
    expect(text).toContain(`${spec.maxSizeKB}KB`);
    expect(text).toMatch(/原图/); // WeChat compresses pictures unless sent as the original
  });

  it("adds the compression note for the 公众号", () => {
    expect(photoReply(kb, checkPhoto(spec, jpeg(good)), "compressed")).toMatch(/压缩/);
  });
});

describe("formatKB", () => {
  it("never rounds a size across a limit", () => {
    expect(formatKB(39.97, { min: 40 })).toBe("39.9");
    expect(formatKB(80.02, { max: 80 })).toBe("80.1");
    expect(formatKB(50)).toBe("50");
    expect(formatKB(50.26)).toBe("50.3");
  });
});
