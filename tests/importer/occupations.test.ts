/** occupations.yaml from the plan: names, carried-over aliases, a new name's derived aliases, withdrawn names. */
import { describe, expect, it } from "vitest";
import { buildOccupations, deriveAliases } from "../../src/importer/occupations.js";
import type { ReviewItem } from "../../src/importer/types.js";

const previous = {
  occupations: [
    { name: "电子商务师", aliases: ["电商", "电子商务"] },
    { name: "供应链管理师", aliases: ["供应链", "供应链管理"] },
  ],
  tracks: [{ name: "选品员", occupation: "互联网营销师", aliases: ["选品"] }],
};

describe("occupations.yaml", () => {
  it("carries aliases over, derives a new name's conservatively and lists it, keeps the dropped ones as withdrawn", () => {
    const review: ReviewItem[] = [];
    const out = buildOccupations(
      [
        { no: 1, occupation: "电子商务师", level: 4, months: [3] },
        { no: 2, occupation: "人工智能训练师", level: 5, months: [4] },
        { no: 3, occupation: "互联网营销师", track: "直播销售员", level: 5, months: [6] },
      ],
      previous,
      review,
      2025,
    );
    expect(out.occupations).toEqual([
      { name: "电子商务师", aliases: ["电商", "电子商务"] },
      { name: "人工智能训练师", aliases: ["人工智能训练", "智能训练师", "训练师"] },
      { name: "互联网营销师", aliases: ["互联网营销"] },
    ]);
    expect(out.tracks).toEqual([{ name: "直播销售员", occupation: "互联网营销师", aliases: ["直播销售"] }]);
    expect(out.withdrawn).toEqual([
      { name: "供应链管理师", aliases: ["供应链", "供应链管理"], lastYear: 2025 },
      { name: "选品员", aliases: ["选品"], lastYear: 2025 },
    ]);
    expect(review.map((r) => r.field)).toEqual(["occupations.1.aliases", "occupations.2.aliases", "tracks.0.aliases"]);
  });

  it("derives no alias that is too general or already another's", () => {
    expect(deriveAliases("电工", new Set())).toEqual([]);
    expect(deriveAliases("数据管理员", new Set())).toEqual(["数据管理"]);
    expect(deriveAliases("供应链管理师", new Set(["供应链管理"]))).toEqual([]);
    expect(deriveAliases("安全员", new Set())).toEqual([]);
  });

  it("derives the short name candidates say for a long new track, unless another name ends the same way", () => {
    const plan = ["人工智能训练师", "数据标注员", "人工智能算法测试员", "渗透测试员", "信息安全测试员"];
    expect(deriveAliases("数据标注员", new Set(plan), plan)).toContain("标注员");
    expect(deriveAliases("人工智能算法测试员", new Set(plan), plan)).toContain("算法测试员");
    expect(deriveAliases("人工智能算法测试员", new Set(plan), plan)).not.toContain("测试员");
    expect(deriveAliases("渗透测试员", new Set(plan), plan)).not.toContain("测试员");
  });
});
