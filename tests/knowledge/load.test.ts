import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { KnowledgeError, loadKnowledge, ROOT } from "../../src/knowledge/load.js";
import { feeRow, planRows } from "../../src/knowledge/facts.js";
import { getKb } from "../helpers.js";

// The plan table of 一、认定项目及实施机构, transcribed from the notice: [occupation, track, level, months].
// Rows 2 and 3 have a blank month cell merged with row 1.
const EXPECTED_PLAN: [string, string | undefined, number, number[]][] = [
  ["电子商务师", undefined, 4, [3, 5, 8, 10, 11]],
  ["电子商务师", undefined, 3, [3, 5, 8, 10, 11]],
  ["电子商务师", undefined, 2, [3, 5, 8, 10, 11]],
  ["电子商务师", undefined, 1, [3, 5, 8, 11]],
  ["供应链管理师", undefined, 3, [4, 7, 11]],
  ["供应链管理师", undefined, 2, [4, 7, 11]],
  ["供应链管理师", undefined, 1, [4, 7, 11]],
  ["互联网营销师", "平台管理员", 5, [10]],
  ["互联网营销师", "平台管理员", 4, [10]],
  ["互联网营销师", "平台管理员", 3, [10]],
  ["互联网营销师", "视频创推员", 5, [8]],
  ["互联网营销师", "视频创推员", 4, [8]],
  ["互联网营销师", "视频创推员", 3, [8]],
  ["互联网营销师", "视频创推员", 2, [8]],
  ["互联网营销师", "视频创推员", 1, [8]],
  ["互联网营销师", "选品员", 5, [12]],
  ["互联网营销师", "选品员", 4, [12]],
  ["互联网营销师", "选品员", 3, [12]],
  ["互联网营销师", "选品员", 2, [12]],
  ["互联网营销师", "选品员", 1, [12]],
  ["互联网营销师", "直播销售员", 5, [4, 6, 9]],
  ["互联网营销师", "直播销售员", 4, [3, 6, 9]],
  ["互联网营销师", "直播销售员", 3, [6, 9]],
  ["信息安全测试员", "渗透测试员", 4, [6]],
  ["信息安全测试员", "渗透测试员", 3, [12]],
];

// 附件2: [occupation, level, theory, skill, review, total].
const EXPECTED_FEES: [string, number, number, number, number | null, number][] = [
  ["电子商务师", 4, 80, 80, null, 160],
  ["电子商务师", 3, 80, 80, null, 160],
  ["电子商务师", 2, 80, 80, 80, 240],
  ["电子商务师", 1, 80, 80, 80, 240],
  ["互联网营销师", 5, 80, 80, null, 160],
  ["互联网营销师", 4, 80, 80, null, 160],
  ["互联网营销师", 3, 80, 80, null, 160],
  ["互联网营销师", 2, 80, 80, 80, 240],
  ["互联网营销师", 1, 80, 80, 80, 240],
  ["供应链管理师", 3, 80, 80, null, 160],
  ["供应链管理师", 2, 80, 80, 80, 240],
  ["供应链管理师", 1, 80, 80, 80, 240],
  ["信息安全测试员", 4, 80, 80, null, 160],
  ["信息安全测试员", 3, 80, 80, null, 160],
];

describe("knowledge: the plan", () => {
  const kb = getKb();

  it("should hold the 25 rows of the plan, in order", () => {
    expect(kb.plan.rows.map((r) => [r.occupation, r.track, r.level, r.months])).toEqual(EXPECTED_PLAN);
  });

  it.each(EXPECTED_PLAN)("should give %s %s level %i the months %j", (occupation, track, level, months) => {
    expect(planRows(kb, { occupation, track, level })).toHaveLength(1);
    expect(planRows(kb, { occupation, track, level })[0].months).toEqual(months);
  });

  it("should record that the merged month cells of rows 2 and 3 come from row 1", () => {
    expect(kb.plan.rows[1].monthsFromRow).toBe(1);
    expect(kb.plan.rows[2].monthsFromRow).toBe(1);
    expect(kb.plan.rows[3].monthsFromRow).toBeUndefined();
  });

  it("should not offer levels missing from the plan", () => {
    expect(planRows(kb, { occupation: "电子商务师", level: 5 })).toEqual([]);
    expect(planRows(kb, { occupation: "供应链管理师", level: 4 })).toEqual([]);
    expect(planRows(kb, { occupation: "互联网营销师", track: "平台管理员", level: 2 })).toEqual([]);
    expect(planRows(kb, { occupation: "互联网营销师", track: "直播销售员", level: 1 })).toEqual([]);
    expect(planRows(kb, { occupation: "信息安全测试员", level: 2 })).toEqual([]);
  });
});

describe("knowledge: fees (附件2)", () => {
  const kb = getKb();
  it.each(EXPECTED_FEES)("should price %s level %i as %i + %i + %s = %i", (occupation, level, theory, skill, review, total) => {
    expect(feeRow(kb, occupation, level)).toEqual({ level, theory, skill, review, total });
  });
  it("should have exactly the fee rows of the notice", () => {
    expect(kb.fees.tables.flatMap((t) => t.rows).length).toBe(EXPECTED_FEES.length);
  });
});

describe("knowledge: contacts, materials and the notice", () => {
  const kb = getKb();
  it("should hold the contacts of 四、业务受理", () => {
    expect(kb.contacts.address.text).toBe("北京市石景山区玉泉路63号远洋时代广场313");
    expect(kb.contacts.hours.text).toBe("8:30-17:30");
    expect(kb.contacts.hotline.text).toBe("400-007-5676");
    expect(kb.contacts.website.text).toBe("http://www.jinengpingjia.com/");
    expect(kb.contacts.complaint).toMatchObject({ phone: "010-68662352", email: "ecc@itmc.cn" });
    expect(kb.contacts.certificateLookup.text).toBe("http://jndj.osta.org.cn");
  });
  it("should hold the photo spec of 三（二）2", () => {
    expect(kb.materials.photo).toMatchObject({ format: "JPEG", minHeightPx: 132, minWidthPx: 88, minSizeKB: 40, maxSizeKB: 80 });
    expect(kb.materials.photo.summary).toContain("白底");
  });
  it("should list the identity documents by residency", () => {
    const docs = Object.fromEntries(kb.materials.identity.groups.map((g) => [g.id, g.documents.join("|")]));
    expect(docs.mainland).toContain("第二代居民身份证");
    expect(docs.mainland).toContain("北京社保卡");
    expect(docs.hongkong).toContain("港澳居民居住证");
    expect(docs.macau).toContain("港澳护照");
    expect(docs.taiwan).toContain("台湾居民来往大陆通行证");
    expect(docs.foreign).toContain("外国人永久居留身份证");
    expect(docs.foreign).toContain("护照");
  });
  it("should carry the document number, date and issuer", () => {
    expect(kb.notice).toMatchObject({ year: 2024, docNumber: "中教培〔2023〕66号", date: "2023-12-29", issuer: "中教畅享（北京）科技有限公司" });
  });
  it("should list related majors by school type where the notice splits them", () => {
    const ec = kb.rules.get("电子商务师")!;
    expect(ec.majorLists.map((l) => l.label)).toHaveLength(4);
    const it4 = kb.rules.get("信息安全测试员")!;
    expect(it4.majorLists.find((l) => l.schools.includes("高等职业学校"))!.majors).toContain("软件技术");
    expect(it4.majorLists.find((l) => l.schools.includes("本科及以上"))!.majors).toContain("网络空间安全");
    expect(kb.rules.get("供应链管理师")!.relatedOccupations).toContain("邮政和快递服务人员");
    expect(kb.rules.get("互联网营销师")!.relatedOccupations).toContain("播音员");
  });
});

describe("knowledge: validation", () => {
  function brokenCopy(file: string, edit: (text: string) => string): string {
    const dir = mkdtempSync(join(tmpdir(), "kb-"));
    cpSync(join(ROOT, "knowledge", "2024"), dir, { recursive: true });
    writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), "utf8")));
    return dir;
  }

  it("should report a wrong type with its file and path", () => {
    const dir = brokenCopy("fees.yaml", (t) => t.replace("{ level: 4, theory: 80, skill: 80, review: null, total: 160 }", "{ level: 4, theory: eighty, skill: 80, review: null, total: 160 }"));
    try {
      loadKnowledge({ noticeDir: dir });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KnowledgeError);
      expect((err as KnowledgeError).problems[0]).toMatchObject({ path: "tables.0.rows.0.theory" });
      expect((err as KnowledgeError).problems[0].file).toContain("fees.yaml");
    }
  });

  it("should catch a total that is not the sum of the subjects", () => {
    const dir = brokenCopy("fees.yaml", (t) => t.replace("{ level: 2, theory: 80, skill: 80, review: 80, total: 240 }", "{ level: 2, theory: 80, skill: 80, review: 80, total: 250 }"));
    expect(() => loadKnowledge({ noticeDir: dir })).toThrow(/合计不等于各科之和/);
  });

  it("should catch a plan row of an unknown occupation and an offered level without fee", () => {
    const dir = brokenCopy("plan.yaml", (t) => t.replace("{ no: 5, occupation: 供应链管理师, level: 3", "{ no: 5, occupation: 供应链管理员, level: 3").replace("{ no: 24, occupation: 信息安全测试员, track: 渗透测试员, level: 4", "{ no: 24, occupation: 信息安全测试员, track: 渗透测试员, level: 5"));
    try {
      loadKnowledge({ noticeDir: dir });
      expect.unreachable();
    } catch (err) {
      const messages = (err as KnowledgeError).problems.map((p) => p.message).join("\n");
      expect(messages).toContain("未知职业 \"供应链管理员\"");
      expect(messages).toContain("没有收费标准");
    }
  });

  it("should make `npm run validate` exit non-zero on a broken file and zero on the real one", () => {
    const dir = brokenCopy("contacts.yaml", (t) => t.replace("ecc@itmc.cn", "not-an-email"));
    const bad = spawnSync("npx", ["tsx", "src/cli/validate.ts", "--dir", dir], { cwd: ROOT, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("contacts.yaml");
    expect(bad.stderr).toContain("complaint.email");
    const good = spawnSync("npx", ["tsx", "src/cli/validate.ts"], { cwd: ROOT, encoding: "utf8" });
    expect(good.status).toBe(0);
    expect(good.stdout).toContain("计划 25 行");
  });

  it("should pick the notice folder with the latest year", () => {
    expect(getKb().dir).toMatch(/knowledge[/\\]2024$/);
  });
});
