/** The plan table (一) on the layout's hazards: merged cells, names broken in a cell or over rows, split rows, markers. */
import { describe, expect, it } from "vitest";
import { parsePlan } from "../../src/importer/plan.js";
import { ImportError, type SourceLine } from "../../src/importer/types.js";

const KNOWN = new Set(["电子商务师", "互联网营销师", "信息安全测试员", "人工智能训练师"]);
const TRACKS = new Set(["平台管理员", "视频创推员", "直播销售员", "渗透测试员"]);

/** Numbered lines as the importer reads them (line numbers from 100, so a test can see which line is named). */
const lines = (...texts: string[]): SourceLine[] => texts.map((text, i) => ({ no: 100 + i, text }));
const HEADER = "序号\t职业\t工种\t等级\t认定月份";
const parse = (...rows: string[]) => parsePlan(lines("2025年我机构面向社会开展……", "", HEADER, ...rows), KNOWN, TRACKS);
const brief = (r: ReturnType<typeof parse>) => r.data.rows.map((x) => [x.occupation, x.track, x.level, x.months]);

describe("the plan table", () => {
  it("keeps a blank (merged) month cell as null, taking the occupation of the row above", () => {
    const r = parse("1\t电子商务师\t--\t四级/中级工\t3、6、9、 11", "2\t\t\t三级/高级工\t", "3\t\t\t二级/技师\t", "4\t\t\t一级/高级技师\t6、11");
    expect(brief(r)).toEqual([
      ["电子商务师", undefined, 4, [3, 6, 9, 11]],
      ["电子商务师", undefined, 3, null],
      ["电子商务师", undefined, 2, null],
      ["电子商务师", undefined, 1, [6, 11]],
    ]);
    expect(r.review).toEqual([]);
  });

  it("joins a name broken inside its cell (平台管 理员) and one printed over two rows (信息安全 / 测试员)", () => {
    const r = parse(
      "1\t互联网营销师\t平台管 理员\t五级/初级工\t4、10",
      "2\t信息安全\t渗透测试员\t四级/中级工\t5、11",
      "3\t测试员\t\t三级/高级工\t11",
    );
    expect(brief(r)).toEqual([
      ["互联网营销师", "平台管理员", 5, [4, 10]],
      ["信息安全测试员", "渗透测试员", 4, [5, 11]],
      ["信息安全测试员", "渗透测试员", 3, [11]],
    ]);
    expect(r.review).toEqual([]);
  });

  it("joins a track broken over two rows when the joined name is known (视频创 / 推员)", () => {
    const r = parse("1\t互联网营销师\t视频创\t五级/初级工\t7", "2\t\t推员\t四级/中级工\t7");
    expect(brief(r)).toEqual([
      ["互联网营销师", "视频创推员", 5, [7]],
      ["互联网营销师", "视频创推员", 4, [7]],
    ]);
  });

  it("joins an unknown name broken over two rows, and lists it for review", () => {
    const r = parse("1\t数字孪生应\t--\t四级/中级工\t5", "2\t用技术员\t\t三级/高级工\t5");
    expect(brief(r).map((x) => x[0])).toEqual(["数字孪生应用技术员", "数字孪生应用技术员"]);
    expect(r.review).toHaveLength(1);
    expect(r.review[0]).toMatchObject({ file: "plan.yaml", line: 104 });
  });

  it("reads a row split by a blank line, and a row whose months go on to the next line (listed for review)", () => {
    const r = parse("1\t人工智能训练师\t--\t五级/初级工\t4、8、", "\t\t\t\t12", "", "2\t\t\t四级/中级工\t4、8");
    expect(brief(r)).toEqual([
      ["人工智能训练师", undefined, 5, [4, 8, 12]],
      ["人工智能训练师", undefined, 4, [4, 8]],
    ]);
    expect(r.review).toEqual([expect.objectContaining({ file: "plan.yaml", line: 104, source: "12" })]);
  });

  it("ignores footnote and bold markers, page rules and full-width digits", () => {
    const r = parse("1\t**电子商务师**①\t--\t四级/中级工\t３、６", "-------------", "2\t\t\t三级/高级工\t9月");
    expect(brief(r)).toEqual([
      ["电子商务师", undefined, 4, [3, 6]],
      ["电子商务师", undefined, 3, [9]],
    ]);
  });

  it("starts a new group when the same occupation comes back with another track", () => {
    const r = parse("1\t互联网营销师\t平台管理员\t五级/初级工\t4", "2\t互联网营销师\t直播销售员\t五级/初级工\t6", "3\t\t\t四级/中级工\t");
    expect(brief(r)).toEqual([
      ["互联网营销师", "平台管理员", 5, [4]],
      ["互联网营销师", "直播销售员", 5, [6]],
      ["互联网营销师", "直播销售员", 4, null],
    ]);
  });

  it("refuses a blank month cell with no row above in the same occupation and track, naming the line", () => {
    let err: unknown;
    try {
      parse("1\t互联网营销师\t平台管理员\t五级/初级工\t4", "2\t互联网营销师\t直播销售员\t五级/初级工\t", "3\t\t\t四级/中级工\t6");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).line).toBe(104);
    expect((err as ImportError).message).toMatch(/月份为空/);
  });

  it("refuses unreadable months and levels with the line", () => {
    expect(() => parse("1\t电子商务师\t--\t四级/中级工\t待定")).toThrow(/认定月份“待定”无法识别（第 103 行/);
    expect(() => parse("1\t电子商务师\t--\t四级/中级工\t13")).toThrow(/无法识别/);
    expect(() => parse("1\t电子商务师\t--\t四级/高级工\t3")).toThrow(/等级“四级\/高级工”无法识别/);
  });

  it("refuses a part without a plan table, and a table without rows", () => {
    expect(() => parsePlan(lines("2025年我机构……", "没有表格"), KNOWN, TRACKS)).toThrow(/没有找到认定计划表/);
    expect(() => parsePlan(lines(HEADER, ""), KNOWN, TRACKS)).toThrow(/没有数据行/);
  });

  it("lists a gap in the row numbers and a repeated row for review", () => {
    const r = parse("1\t电子商务师\t--\t四级/中级工\t3", "3\t\t\t三级/高级工\t5", "4\t\t\t三级/高级工\t6");
    expect(r.review.map((x) => x.reason).join("\n")).toMatch(/序号 3 不连续[\s\S]*出现了两次/);
  });

  it("reads a row whose cells are not where the header puts them (a missing tab)", () => {
    const r = parse("1\t电子商务师\t四级/中级工\t3、6");
    expect(brief(r)).toEqual([["电子商务师", undefined, 4, [3, 6]]]);
    expect(r.review).toHaveLength(1); // one name column: occupation or track? listed
  });
});
