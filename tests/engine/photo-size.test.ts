/** A photo's file size said in the question is measured against the notice's range (三（二）2), from the data. */
import { describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";

const kb = getKb();
const { minSizeKB: min, maxSizeKB: max } = kb.materials.photo;

describe("a photo's size asked about", () => {
  it("says a size inside the range fits, and names the rest of the spec", async () => {
    const r = await makeEngine().turn("p1", `照片${min + 1}KB可以吗`);
    expect(r.replies[0]).toMatch(/符合要求/);
    expect(r.replies[0]).not.toMatch(/不符合/);
    expect(r.replies[0]).toContain(`${min}-${max}`);
  });

  it("says a size below or above the range does not fit, whatever the unit's spelling", async () => {
    for (const text of [`照片${min - 5}K行不行`, `照片${max + 20}kb能用吗`, `我的照片${max + 1}千字节`]) {
      const r = await makeEngine().turn(`p-${text}`, text);
      expect(r.replies[0], text).toMatch(/不符合/);
    }
  });

  it("answers the spec as before when no size is said", async () => {
    const r = await makeEngine().turn("p3", "照片有什么要求");
    expect(r.replies[0]).toContain(`${min}-${max}`);
    expect(r.replies[0]).not.toMatch(/不符合|符合要求/);
  });
});
