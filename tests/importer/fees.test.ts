/** 附件2: fee tables per occupation, dashes, totals checked against the parts. */
import { describe, expect, it } from "vitest";
import { parseFees } from "../../src/importer/fees.js";
import type { SourceLine } from "../../src/importer/types.js";

const lines = (...texts: string[]): SourceLine[] => texts.map((text, i) => ({ no: 200 + i, text }));
const HEADER = "职业等级\t理论知识（元）\t操作技能（元）\t综合评审（元）\t合计（元）";

describe("附件2 fee tables", () => {
  it("reads each occupation's table, a dash as no 综合评审, the subjects' names from the header", () => {
    const r = parseFees(
      lines(
        "2025 年电子商务师职业技能等级认定",
        "",
        "收费标准",
        "",
        HEADER,
        "四级/中级工\t90\t90\t-\t180",
        "二级/技师\t90\t90\t100\t280",
        "",
        "2025 年信息安全测 试员职业技能等级认定",
        "收费标准",
        HEADER,
        "四级/中级工\t９０\t90\t—\t180",
      ),
      2025,
    );
    expect(r.data.subjects).toEqual({ theory: "理论知识", skill: "操作技能", review: "综合评审" });
    expect(r.data.tables.map((t) => [t.occupation, t.rows])).toEqual([
      ["电子商务师", [{ level: 4, theory: 90, skill: 90, review: null, total: 180 }, { level: 2, theory: 90, skill: 90, review: 100, total: 280 }]],
      ["信息安全测试员", [{ level: 4, theory: 90, skill: 90, review: null, total: 180 }]],
    ]);
    expect(r.review).toEqual([]);
  });

  it("lists a total that is not the sum of the parts for review, with its line, and writes the sum", () => {
    const r = parseFees(lines("2025 年电子商务师职业技能等级认定", HEADER, "二级/技师\t90\t90\t100\t290"), 2025);
    expect(r.data.tables[0].rows[0].total).toBe(280);
    expect(r.review).toEqual([expect.objectContaining({ file: "fees.yaml", line: 202, reason: expect.stringMatching(/合计印为 290 元，各科之和为 280 元/) })]);
  });

  it("lists a table titled with another year for review", () => {
    const r = parseFees(lines("2024 年电子商务师职业技能等级认定", HEADER, "四级/中级工\t90\t90\t-\t180"), 2025);
    expect(r.review[0]).toMatchObject({ line: 200, reason: expect.stringMatching(/2024.*2025/) });
  });

  it("a level with no skills exam (操作技能 printed “-”, 综合评审 instead): read, written as 0, listed for staff to check", () => {
    const r = parseFees(lines("2025 年数字化管理师职业技能等级认定", HEADER, "二级/技师\t100\t-\t160\t260"), 2025);
    expect(r.data.tables[0].rows[0]).toMatchObject({ level: 2, theory: 100, skill: 0, review: 160, total: 260 });
    expect(r.review).toEqual([expect.objectContaining({ line: 202, reason: expect.stringMatching(/操作技能费用印为“-”.*已按 0 元写入/) })]);
    expect(() => parseFees(lines("2025 年数字化管理师职业技能等级认定", HEADER, "二级/技师\t-\t-\t160\t160"), 2025)).toThrow(/缺少理论知识和操作技能的费用/);
  });

  it("refuses an annex without tables, a table without its title, an unreadable amount", () => {
    expect(() => parseFees(lines("附件说明", "没有表"), 2025)).toThrow(/没有找到收费表/);
    expect(() => parseFees(lines(HEADER, "四级/中级工\t90\t90\t-\t180"), 2025)).toThrow(/不知道是哪个职业（第 200 行/);
    expect(() => parseFees(lines("2025 年电子商务师职业技能等级认定", HEADER, "四级/中级工\t九十\t90\t-\t180"), 2025)).toThrow(/金额“九十”无法识别（第 202 行/);
  });
});
