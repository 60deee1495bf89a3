import { describe, expect, it } from "vitest";
import { parseProfile, type Profile } from "../../src/eligibility/profile.js";
import { checkLevel, evaluate, type Facts } from "../../src/eligibility/rules.js";
import { getKb } from "../helpers.js";

const kb = getKb();
function check(input: object) {
  const p = parseProfile(kb, input);
  if (!p.ok) throw new Error(p.error);
  return evaluate(kb, p.profile);
}
const cert = (level: number, yearsHeld: number, yearsInFieldSince: number, related = true) => ({ level, related, yearsHeld, yearsInFieldSince });
const edu = (school: string, major: string, status = "毕业", program?: string) => ({ school, major, status, ...(program ? { program } : {}) });

// The four occupations' tables share the conditions of a level; each is checked for every occupation offering it.
const LEVEL4 = [
  ["电子商务师", undefined],
  ["互联网营销师", "直播销售员"],
  ["信息安全测试员", "渗透测试员"],
] as const;
const LEVEL3 = [...LEVEL4, ["供应链管理师", undefined]] as const;
const LEVEL2 = [
  ["电子商务师", undefined],
  ["互联网营销师", "视频创推员"],
  ["供应链管理师", undefined],
] as const;
// A related major for each occupation, valid for 高等职业学校 and for 技工院校.
const MAJOR_HIGHER: Record<string, string> = { 电子商务师: "电子商务", 互联网营销师: "市场营销", 信息安全测试员: "软件技术", 供应链管理师: "现代物流" };
const MAJOR_TECH: Record<string, string> = { 电子商务师: "电子商务", 互联网营销师: "市场营销", 信息安全测试员: "计算机网络应用", 供应链管理师: "市场营销" };

describe("eligibility: 四级/中级工", () => {
  it.each(LEVEL4)("%s: 累计工作满5年 (4.9 no, 5 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 4, yearsInField: 4.9 }).eligible).toBe(false);
    const r = check({ occupation, track, level: 4, yearsInField: 5 });
    expect(r.eligible).toBe(true);
    expect(r.conditions[0].text).toContain("满5年");
    expect(r.materials).toContain("工作经历承诺书");
  });

  it.each(LEVEL4)("%s: 五级证书后满3年 (2.9 no, 3 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 4, yearsInField: 3, certificate: cert(5, 3, 2.9) }).eligible).toBe(false);
    const r = check({ occupation, track, level: 4, yearsInField: 3, certificate: cert(5, 3, 3) });
    expect(r.eligible).toBe(true);
    expect(r.materials.join()).toMatch(/证书编号/);
  });

  it.each(LEVEL4)("%s: an unrelated certificate does not count", (occupation, track) => {
    const r = check({ occupation, track, level: 4, yearsInField: 3, certificate: cert(5, 3, 3, false) });
    expect(r.eligible).toBe(false);
    expect(JSON.stringify(r.gaps)).toContain("本职业或相关职业的证书");
  });

  it.each(LEVEL4)("%s: a graduate or 应届 student of a related major, not another student", (occupation, track) => {
    const major = MAJOR_HIGHER[occupation];
    expect(check({ occupation, track, level: 4, yearsInField: 0, education: edu("高等职业学校", major) }).eligible).toBe(true);
    expect(check({ occupation, track, level: 4, yearsInField: 0, education: edu("高等职业学校", major, "应届") }).eligible).toBe(true);
    const r = check({ occupation, track, level: 4, yearsInField: 0, education: edu("高等职业学校", major, "在读") });
    expect(r.eligible).toBe(false);
    expect(JSON.stringify(r.gaps)).toContain("在读");
  });

  it("should pick the diploma material of the candidate's school type", () => {
    const higher = check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("本科及以上", "电子商务") });
    expect(higher.materials.join()).toContain("学信网");
    expect(higher.materials.join()).not.toContain("职高毕业证书");
    const vocational = check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("中等职业学校", "电子商务") });
    expect(vocational.materials.join()).toContain("职高毕业证书");
    expect(vocational.materials.join()).not.toContain("学信网");
  });

  it("should always list the identity document and the photo among the materials", () => {
    const r = check({ occupation: "电子商务师", level: 4, yearsInField: 6 });
    expect(r.materials[0]).toContain("身份");
    expect(r.materials[1]).toContain("照片");
  });
});

describe("eligibility: related majors by school type", () => {
  it("电子商务师: 计算机科学与技术 counts for 本科 only", () => {
    expect(check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("本科及以上", "计算机科学与技术") }).eligible).toBe(true);
    expect(check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("中等职业学校", "计算机科学与技术") }).eligible).toBe(false);
  });
  it("电子商务师: 计算机应用 is a 中职 major, 计算机应用技术 a 高职 major", () => {
    expect(check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("中等职业学校", "计算机应用") }).eligible).toBe(true);
    expect(check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("高等职业学校", "计算机应用技术") }).eligible).toBe(true);
    expect(check({ occupation: "电子商务师", level: 4, yearsInField: 0, education: edu("技工学校", "计算机应用") }).eligible).toBe(false);
  });
  it("信息安全测试员: 软件技术 for 高职, 软件工程 for 普通高等学校, 计算机网络应用 for 技工学校", () => {
    const base = { occupation: "信息安全测试员", track: "渗透测试员", level: 4, yearsInField: 0 };
    expect(check({ ...base, education: edu("高等职业学校", "软件技术") }).eligible).toBe(true);
    expect(check({ ...base, education: edu("本科及以上", "软件技术") }).eligible).toBe(false);
    expect(check({ ...base, education: edu("本科及以上", "软件工程") }).eligible).toBe(true);
    expect(check({ ...base, education: edu("技工学校", "计算机网络应用") }).eligible).toBe(true);
    expect(check({ ...base, education: edu("中等职业学校", "计算机网络应用") }).eligible).toBe(false);
  });
  it("should name an unlisted major in the gaps, never guess", () => {
    const r = check({ occupation: "供应链管理师", level: 3, yearsInField: 0, certificate: cert(4, 1, 0), education: edu("本科及以上", "会计学") });
    expect(r.eligible).toBe(false);
    expect(JSON.stringify(r.gaps)).toContain("会计学");
  });
});

describe("eligibility: 三级/高级工", () => {
  it.each(LEVEL3)("%s: 累计工作满10年 (9.9 no, 10 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 3, yearsInField: 9.9 }).eligible).toBe(false);
    expect(check({ occupation, track, level: 3, yearsInField: 10 }).eligible).toBe(true);
  });
  it.each(LEVEL3)("%s: 四级证书后满4年 (3.9 no, 4 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 3, yearsInField: 6, certificate: cert(4, 5, 3.9) }).eligible).toBe(false);
    expect(check({ occupation, track, level: 3, yearsInField: 6, certificate: cert(4, 5, 4) }).eligible).toBe(true);
  });
  it.each(LEVEL3)("%s: 技工院校高级工班及以上, not a plain 技工学校 class", (occupation, track) => {
    const major = MAJOR_TECH[occupation];
    expect(check({ occupation, track, level: 3, yearsInField: 0, education: edu("技师学院", major, "毕业", "高级工班") }).eligible).toBe(true);
    expect(check({ occupation, track, level: 3, yearsInField: 0, education: edu("高级技工学校", major, "应届", "预备技师班") }).eligible).toBe(true);
    expect(check({ occupation, track, level: 3, yearsInField: 0, education: edu("技工学校", major, "毕业") }).eligible).toBe(false);
  });
  it.each(LEVEL3)("%s: 四级证书 plus a 高职/专科/本科 related diploma", (occupation, track) => {
    const major = MAJOR_HIGHER[occupation];
    expect(check({ occupation, track, level: 3, yearsInField: 0, certificate: cert(4, 0, 0), education: edu("高等职业学校", major, "应届") }).eligible).toBe(true);
    expect(check({ occupation, track, level: 3, yearsInField: 0, education: edu("高等职业学校", major, "应届") }).eligible).toBe(false);
  });
  it("should accept a higher certificate than the one required", () => {
    expect(check({ occupation: "电子商务师", level: 3, yearsInField: 5, certificate: cert(3, 5, 4) }).eligible).toBe(true);
  });
  it("电子商务师 三级 with 6 years and a 四级 certificate held 2 years: gaps and a suggestion of 四级", () => {
    const r = check({ occupation: "电子商务师", level: 3, yearsInField: 6, certificate: cert(4, 2, 2) });
    expect(r.eligible).toBe(false);
    expect(r.gaps.map((g) => g.missing.join()).join("|")).toContain("满10年（目前6年）");
    expect(r.suggestion).toMatchObject({ level: 4, months: [3, 5, 8, 10, 11], fee: 160 });
  });
});

describe("eligibility: 二级/技师 and 一级/高级技师", () => {
  it.each(LEVEL2)("%s: 三级证书后满5年 (4.9 no, 5 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 2, yearsInField: 8, certificate: cert(3, 6, 4.9) }).eligible).toBe(false);
    expect(check({ occupation, track, level: 2, yearsInField: 8, certificate: cert(3, 6, 5) }).eligible).toBe(true);
  });
  it.each(LEVEL2)("%s: 三级证书 + 高级技工学校/技师学院 graduate + 2 years (1.9 no, 2 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 2, yearsInField: 1.9, certificate: cert(3, 1, 1), education: edu("技师学院", "任意", "毕业") }).eligible).toBe(false);
    const r = check({ occupation, track, level: 2, yearsInField: 2, certificate: cert(3, 1, 1), education: edu("高级技工学校", "任意", "毕业") });
    expect(r.eligible).toBe(true);
    expect(r.materials.join()).toContain("技工院校毕业证书");
    expect(check({ occupation, track, level: 2, yearsInField: 2, certificate: cert(3, 1, 1), education: edu("技工学校", "任意", "毕业") }).eligible).toBe(false);
  });
  it.each(LEVEL2)("%s: a 技师学院 预备技师班/技师班 student holding 三级 for 2 years (1.9 no, 2 yes)", (occupation, track) => {
    expect(check({ occupation, track, level: 2, yearsInField: 0, certificate: cert(3, 1.9, 0), education: edu("技师学院", "任意", "在读", "技师班") }).eligible).toBe(false);
    expect(check({ occupation, track, level: 2, yearsInField: 0, certificate: cert(3, 2, 0), education: edu("技师学院", "任意", "在读", "预备技师班") }).eligible).toBe(true);
    expect(check({ occupation, track, level: 2, yearsInField: 0, certificate: cert(3, 2, 0), education: edu("技师学院", "任意", "在读", "高级工班") }).eligible).toBe(false);
  });
  it("一级: 二级证书后满5年 (4.9 no, 5 yes); a 三级 certificate is not enough", () => {
    expect(check({ occupation: "电子商务师", level: 1, yearsInField: 9, certificate: cert(2, 5, 4.9) }).eligible).toBe(false);
    expect(check({ occupation: "供应链管理师", level: 1, yearsInField: 9, certificate: cert(2, 5, 5) }).eligible).toBe(true);
    expect(check({ occupation: "电子商务师", level: 1, yearsInField: 15, certificate: cert(3, 10, 10) }).eligible).toBe(false);
  });
});

describe("eligibility: 互联网营销师 五级/初级工", () => {
  const base = { occupation: "互联网营销师", track: "选品员", level: 5 };
  it("should accept 16 and over, intending to work in the field (工作承诺书)", () => {
    const r = check({ ...base, age: 16, yearsInField: 0 });
    expect(r.eligible).toBe(true);
    expect(r.materials).toContain("工作承诺书");
  });
  it("should accept 16 and over, working in the field (工作经历承诺书)", () => {
    const r = check({ ...base, age: 30, yearsInField: 1 });
    expect(r.eligible).toBe(true);
    expect(r.materials).toContain("工作经历承诺书");
  });
  it("should refuse 15, and a missing age", () => {
    expect(check({ ...base, age: 15, yearsInField: 0 }).eligible).toBe(false);
    const r = check({ ...base, yearsInField: 0 });
    expect(r.eligible).toBe(false);
    expect(JSON.stringify(r.gaps)).toContain("16周岁");
  });
});

describe("eligibility: levels the 2024 plan does not offer", () => {
  it.each([
    ["电子商务师", undefined, 5],
    ["供应链管理师", undefined, 4],
    ["互联网营销师", "平台管理员", 1],
    ["互联网营销师", "直播销售员", 2],
    ["信息安全测试员", "渗透测试员", 2],
  ] as const)("%s %s level %i is not eligible, with the reason", (occupation, track, level) => {
    const r = check({ occupation, track, level, yearsInField: 30, age: 40, certificate: cert(level === 5 ? 5 : level, 20, 20) });
    expect(r.eligible).toBe(false);
    expect(r.reason).toMatch(/未开设/);
  });
});

describe("eligibility: the profile schema", () => {
  it.each([
    [{ occupation: "厨师", level: 4, yearsInField: 1 }, "未知职业"],
    [{ occupation: "互联网营销师", level: 4, yearsInField: 1 }, "工种"],
    [{ occupation: "电子商务师", level: 6, yearsInField: 1 }, "1-5"],
    [{ occupation: "电子商务师", level: 4, yearsInField: -1 }, "负数"],
    [{ occupation: "电子商务师", level: 4 }, "yearsInField"],
    [{ occupation: "电子商务师", level: 4, yearsInField: "5" }, "yearsInField"],
    [{ occupation: "电子商务师", level: 4, yearsInField: 1, education: { school: "大学", status: "毕业", major: "x" } }, "school"],
  ])("should reject %j with a message about %s", (input, word) => {
    const r = parseProfile(kb, input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(word);
  });
  it("should default the single track of 信息安全测试员", () => {
    const r = parseProfile(kb, { occupation: "信息安全测试员", level: 4, yearsInField: 5 });
    expect(r.ok && (r.profile as Profile).track).toBe("渗透测试员");
  });
});

describe("a level settled without asking (every answer to an open question meets it)", () => {
  it("五级 at 16: met whatever the work, with the 拟从事 and 从事 conditions as the cases", () => {
    const lc = checkLevel(kb, { occupation: "互联网营销师", track: "直播销售员", level: 5, age: 16 }, false);
    expect(lc.status).toBe("met");
    expect(lc.cases?.field).toBe("yearsInField");
    expect(lc.cases?.conditions.map((c) => c.id)).toEqual(["age-intending", "age-working"]);
    // Below 16 nothing is met; with the age unknown, the answer can still change it.
    expect(checkLevel(kb, { occupation: "互联网营销师", track: "直播销售员", level: 5, age: 15 }, false).status).toBe("unmet");
    expect(checkLevel(kb, { occupation: "互联网营销师", track: "直播销售员", level: 5 }, false).status).toBe("unknown");
    // 四级 with no certificate or schooling depends on the years: not settled.
    expect(checkLevel(kb, { occupation: "电子商务师", level: 4, certificate: null, education: null }, false).status).toBe("unknown");
  });

  it("never says met when some answers to the open questions would not meet the level (2,000 random partial profiles)", () => {
    let seed = 20261204;
    const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const rows = kb.plan.rows;
    const schools = ["技工学校", "高级技工学校", "技师学院", "中等职业学校", "高等职业学校", "普通高等学校专科", "本科及以上"] as const;
    const complete = (): Facts & { occupation: string; level: number } => {
      const row = pick(rows);
      const majors = kb.rules.get(row.occupation)!.majorLists.flatMap((l) => l.majors);
      return {
        occupation: row.occupation,
        track: row.track ?? undefined,
        level: row.level,
        age: pick([15, 16, 17, 30]),
        yearsInField: pick([0, 1, 2, 3, 4.5, 5, 8, 10, 12]),
        certificate: r() < 0.4 ? null : { level: pick([5, 4, 3, 2]), related: r() < 0.8, yearsHeld: pick([0, 1, 2, 3, 5]), yearsInFieldSince: pick([0, 2, 3, 4, 5, 6]) },
        education: r() < 0.3 ? null : { school: pick(schools), program: pick(["高级工班", "预备技师班", "技师班", null] as const), status: pick(["毕业", "应届", "在读"] as const), major: r() < 0.6 ? pick(majors) : "烹饪" },
      };
    };
    const forget = (f: Facts): Facts => {
      const g: Facts = structuredClone(f);
      for (const k of ["age", "yearsInField", "certificate", "education"] as const) if (r() < 0.4) delete g[k];
      for (const k of ["certificate", "education"] as const) {
        const o = g[k] as Record<string, unknown> | null | undefined;
        if (o) for (const key of Object.keys(o)) if (r() < 0.3) delete o[key];
      }
      return g;
    };
    let settled = 0;
    for (let i = 0; i < 2000; i++) {
      const truth = complete();
      const partial = forget(truth) as Facts & { occupation: string; level: number };
      const lc = checkLevel(kb, partial, false);
      if (!lc.cases) continue;
      settled++;
      // Settled as met from the partial facts: the candidate's true facts meet the level too.
      expect(checkLevel(kb, truth, true).status, JSON.stringify({ partial, truth })).toBe("met");
    }
    expect(settled).toBeGreaterThan(10);
  });
});
