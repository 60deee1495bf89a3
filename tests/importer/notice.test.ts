/** The notice's facts outside the tables: head, process numbers, materials, contacts, clauses. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outline } from "../../src/importer/sections.js";
import { parseNoticeFacts } from "../../src/importer/notice.js";
import { readPrevious } from "../../src/importer/import.js";
import { parseDate, parseLevel, parseMonths, parseNumber, tidy } from "../../src/importer/text.js";
import type { ReviewItem } from "../../src/importer/types.js";
import { ROOT } from "../../src/knowledge/load.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const PREV = readPrevious(join(ROOT, "knowledge", "2024"));
const facts = (text: string) => {
  const review: ReviewItem[] = [];
  const f = parseNoticeFacts(outline(text.split("\n").map((t, i) => ({ no: i + 1, text: t }))), PREV, review);
  return { ...f, review };
};
const seed = readFileSync(join(FIXTURES, "2024-seed.txt"), "utf8");

describe("text helpers", () => {
  it("tidies markers, spaces inside words and numbers, URLs' angle brackets", () => {
    expect(tidy("**本职业：**电子商务师①")).toBe("本职业：电子商务师");
    expect(tidy("《国家职业标准编制技术规程（2023 年版）》见附件 1。")).toBe("《国家职业标准编制技术规程（2023年版）》见附件1。");
    expect(tidy("网址：<http://www.jinengpingjia.com/>")).toBe("网址：http://www.jinengpingjia.com/");
    expect(tidy("JPEG 格式")).toBe("JPEG 格式");
  });
  it("reads numbers, levels, months and dates as the notice writes them", () => {
    expect([parseNumber("15"), parseNumber("一"), parseNumber("两"), parseNumber("十二"), parseNumber("１５")]).toEqual([15, 1, 2, 12, 15]);
    expect([parseLevel("四级/中级工"), parseLevel("一级/高级技师"), parseLevel("技师"), parseLevel("四级/高级工")]).toEqual([4, 1, 2, undefined]);
    expect([parseMonths("3、5、8、 10、11"), parseMonths(""), parseMonths("6月,9月"), parseMonths("全年")]).toEqual([[3, 5, 8, 10, 11], null, [6, 9], "invalid"]);
    expect([parseDate("2023 年 12 月 29 日"), parseDate("2024年2月30日")]).toEqual(["2023-12-29", undefined]);
  });
});

describe("the notice's facts", () => {
  it("reads the seed's head, parts and process numbers", () => {
    const f = facts(seed);
    expect(f.notice).toMatchObject({
      year: 2024,
      docNumber: "中教培〔2023〕66号",
      date: "2023-12-29",
      issuer: "中教畅享（北京）科技有限公司",
      standard: "《国家职业标准编制技术规程（2023年版）》",
      ticket: { clause: "三（四）", daysBeforeExam: 7 },
      results: { clause: "三（五）1", withinWorkingDays: 15, publicityDays: 7 },
      retake: { clause: "三（六）", keepYears: 1, retakes: 1 },
      adjustment: { clause: "五" },
    });
    expect(f.organiser).toBe("中教畅享（北京）科技有限公司");
    expect(f.review).toEqual([]);
  });

  it("joins a sentence broken over a page (居民身 / 份证原件) and splits 香港和澳门 into two groups", () => {
    const groups = (facts(seed).materials.identity as { groups: { id: string; documents: string[] }[] }).groups;
    expect(groups.map((g) => g.id)).toEqual(["mainland", "hongkong", "macau", "taiwan", "foreign"]);
    expect(groups[0].documents).toEqual(["有效的第二代居民身份证原件", "北京社保卡"]);
    expect(groups[2].documents).toEqual(groups[1].documents);
  });

  it("reads numbers written in Chinese, in full width or with spaces, and contacts with half-width brackets", () => {
    const text = seed
      .replace("考试开始前7日", "考试开始前 １０ 日")
      .replace("结束后15个工作日内", "结束后二十个工作日内")
      .replace("公示期为7天", "公示期为 5 天")
      .replace("单科合格成绩保留一年，一年内有一次补考机会", "单科合格成绩保留两年，两年内有两次补考机会")
      .replace("文件大小为 40-80 千字节", "文件大小为 30～100KB")
      .replace("（二）业务受理时间：8:30-17:30", "(二) 业务受理时间：9：00—16：30")
      .replace("ecc@itmc.cn", "tousu@example.org.cn");
    const f = facts(text);
    expect(f.notice).toMatchObject({ ticket: { daysBeforeExam: 10 }, results: { withinWorkingDays: 20, publicityDays: 5 }, retake: { keepYears: 2, retakes: 2 } });
    expect(f.materials.photo).toMatchObject({ minSizeKB: 30, maxSizeKB: 100, minHeightPx: 132, minWidthPx: 88, format: "JPEG" });
    expect(f.contacts).toMatchObject({ hours: { clause: "四（二）", text: "9:00-16:30" }, complaint: { phone: "010-68662352", email: "tousu@example.org.cn" } });
    expect(f.review).toEqual([]);
  });

  it("keeps the previous value of a number it cannot read, and lists it with the line", () => {
    const f = facts(seed.replace("考试开始前7日至开考前", "考试开始前一周至开考前"));
    expect((f.notice.ticket as { daysBeforeExam: number }).daysBeforeExam).toBe(7);
    const item = f.review.find((r) => r.field === "ticket.daysBeforeExam");
    expect(item).toMatchObject({ file: "notice.yaml", line: 74 });
    expect(item?.reason).toMatch(/沿用上一份通知的值“7”/);
  });

  it("keeps each sub-clause's text, tidied", () => {
    const clauses = facts(seed).notice.clauses as Record<string, string>;
    expect(Object.keys(clauses)).toEqual(["一", "二", "三（一）", "三（二）1", "三（二）2", "三（二）3", "三（三）", "三（四）", "三（五）1", "三（五）2", "三（六）", "三（七）", "四（一）", "四（二）", "四（三）", "四（四）", "四（五）", "五"]);
    expect(clauses["四（五）"]).toBe("投诉监督途径：电话010-68662352、电子邮箱：ecc@itmc.cn");
  });

  it("joins a title broken over two lines", () => {
    const f = facts(seed.replace("关于开展2024年北京市社会化职业技能等级认定有关工作的通知", "关于开展2024年北京市社会化职业技能等级认定\n有关工作的通知"));
    expect(f.notice.title).toBe("关于开展2024年北京市社会化职业技能等级认定有关工作的通知");
    expect(f.review).toEqual([]);
  });

  it("refuses a text without a title or without parts", () => {
    expect(() => facts("中教畅享（北京）科技有限公司\n\n随便一段文字")).toThrow(/没有找到通知的正文部分/);
    expect(() => facts(seed.replace(/关于开展2024年.*通知/, ""))).toThrow(/没有找到通知标题/);
  });
});
