// 附件1's layout hazards, each in a small notice text of its own (tests/importer/fixtures/annex1-*.txt), and the
// per-occupation conditions in the loader.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseAnnex1 } from "../../src/importer/annex1.js";
import { ImportError, type SourceLine } from "../../src/importer/types.js";
import { ConditionsFile } from "../../src/knowledge/schema.js";
import { KnowledgeError, loadKnowledge, ROOT } from "../../src/knowledge/load.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const HAND = join(ROOT, "knowledge", "2024");
const PREVIOUS = parse(readFileSync(join(HAND, "conditions.yaml"), "utf8"));

const toLines = (text: string): SourceLine[] => text.split("\n").map((t, i) => ({ no: i + 1, text: t }));
const fixture = (name: string) => toLines(readFileSync(join(FIXTURES, name), "utf8"));

interface Cond {
  id: string;
  text: string;
  rule?: Record<string, unknown>;
  materials: { ref: string; schools?: unknown }[];
}
interface Occ {
  occupation: string;
  levels: number[];
  conditions: Record<string, Cond[]>;
  relatedOccupations: string[];
  relatedOccupationAliases?: Record<string, string[]>;
  majorLists: { label: string; schools: unknown; note?: string; majors: string[] }[];
}
interface Data {
  materialTexts: Record<string, string>;
  occupations: Occ[];
}

describe("附件1: the layout's hazards", () => {
  const plan = new Map([
    ["数据标注员", [5, 4, 3, 2, 1]],
    ["无人机装调检修工", [4, 3]],
    ["家政服务员", [4]],
  ]);
  const lines = fixture("annex1-hazards.txt");
  const { data, review } = parseAnnex1(lines, { conditions: PREVIOUS }, plan);
  const d = data as Data;
  const occ = (name: string) => d.occupations.find((o) => o.occupation === name)!;
  const texts = (name: string, level: number) => occ(name).conditions[level].map((c) => c.text);
  const rules = (name: string, level: number) => occ(name).conditions[level].map((c) => c.rule);
  const materials = (c: Cond) => c.materials.map((m) => ({ text: d.materialTexts[m.ref], ...(m.schools ? { schools: m.schools } : {}) }));
  const lineOf = (needle: string) => lines.find((l) => l.text.includes(needle))!.no;

  it("writes data the schema accepts", () => {
    expect(ConditionsFile.safeParse(data).success).toBe(true);
  });

  it("reads each table's levels in the notice's order", () => {
    expect(d.occupations.map((o) => o.occupation)).toEqual(["数据标注员", "无人机装调检修工"]);
    expect(occ("无人机装调检修工").levels).toEqual([4, 3]);
  });

  it("an occupation with its own numbers: 五级 at 18, 四级 after 4 years, a 五级 certificate plus 2 years", () => {
    expect(rules("数据标注员", 5)).toEqual([
      { age: 18, working: false },
      { age: 18, working: true },
    ]);
    expect(texts("数据标注员", 5)[0]).toBe("年满18周岁，拟从事本职业或相关职业工作。");
    expect(rules("数据标注员", 4).slice(0, 2)).toEqual([{ years: 4 }, { certificate: { level: 5, yearsSince: 2 } }]);
    // Half-width parentheses and commas in the notice are stored in full-width, spaces around numbers dropped.
    expect(texts("数据标注员", 4)[1]).toBe("取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满2年。");
    // …while another occupation of the same notice keeps the usual 5 years.
    expect(rules("无人机装调检修工", 4)[0]).toEqual({ years: 5 });
  });

  it("a level cell and a condition cell split over two lines, a blank line and a page rule between rows", () => {
    expect(texts("数据标注员", 3)).toEqual([
      "累计从事本职业或相关职业工作满8年。",
      "取得本职业或相关职业四级/中级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满3年。",
      "取得本专业或相关专业的技工院校高级工班及以上毕业证书（含在读应届毕业生）。",
    ]);
    expect(rules("数据标注员", 3)[0]).toEqual({ years: 8 });
    // "具备以下条件之一者，可申报" / "一级/高级 技师", and the sentence "…或相" / "关职业工作满 4 年。", its materials "1. …" / "2. …".
    const top = occ("数据标注员").conditions[1];
    expect(top.map((c) => c.text)).toEqual(["取得本职业或相关职业二级/技师职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满4年。"]);
    expect(top[0].rule).toEqual({ certificate: { level: 2, yearsSince: 4 } });
    expect(materials(top[0])).toEqual([{ text: "职业资格证书（技能等级证书）原件或证书编号" }, { text: "工作经历承诺书" }]);
  });

  it("a material continued on a line of its own after a blank line; 或 between school types: one for each", () => {
    const diploma = occ("数据标注员").conditions[4][2];
    expect(diploma.rule).toEqual({ education: { schools: "all", status: ["毕业", "应届"], relatedMajor: true } });
    expect(materials(diploma)).toEqual([
      { text: "技工院校、中等职业院校、职高毕业证书或学历承诺书", schools: ["技工学校", "高级技工学校", "技师学院", "中等职业学校"] },
      {
        text: "高职、专科及以上普通高等学校在学信网《教育部学籍在线验证报告》或《教育部学历证书电子注册备案表》中的在线验证码或线下认证证书验证码（学信网查不到的须线下申请纸质认证）",
        schools: "higher",
      },
    ]);
  });

  it("或 between a certificate and a diploma a condition requires both of: both are required", () => {
    const c = occ("无人机装调检修工").conditions[3][1];
    expect(c.rule).toEqual({ certificate: { level: 4 }, education: { schools: "higher", status: ["毕业", "应届"], relatedMajor: true } });
    expect(c.materials).toEqual([{ ref: "certificate" }, { ref: "higherDiploma" }]);
  });

  it("footnotes: related occupations separated by ， keep the 、 inside a name; bold markers dropped", () => {
    expect(occ("数据标注员").relatedOccupations).toEqual(["数据分析员", "人工智能训练师", "计算机程序设计员", "轨道、道路交通数据采集员"]);
  });

  it("footnotes: majors split by school type, a list broken over two lines, 等…类专业 kept as the note", () => {
    expect(occ("数据标注员").majorLists).toEqual([
      { label: "技工学校本专业或相关专业", schools: "技工院校", majors: ["计算机应用", "人工智能技术应用", "大数据技术应用"] },
      { label: "中等及以上职业学校本专业或相关专业", schools: ["中等职业学校"], note: "等电子与信息类专业", majors: ["计算机应用", "大数据技术应用", "数字媒体技术应用"] },
      { label: "高等职业学校本专业或相关专业", schools: ["高等职业学校", "普通高等学校专科"], majors: ["大数据技术", "人工智能技术应用"] },
      { label: "本科院校本专业或相关专业", schools: ["本科及以上", "普通高等学校专科"], note: "等计算机类、电子信息类专业", majors: ["数据科学与大数据技术", "人工智能"] },
    ]);
  });

  it("a new occupation with its own related occupations and majors (① 本职业, ② 相关职业, ③ majors in its table)", () => {
    const o = occ("无人机装调检修工");
    expect(o.relatedOccupations).toEqual(["无人机驾驶员", "航空器制造工"]);
    expect(o.majorLists).toEqual([{ label: "本专业或相关专业", schools: "all", majors: ["无人机应用技术", "飞行器制造技术"] }]);
  });

  it("an unknown sentence pattern: kept with its text and materials, without a rule, and listed for review with its line", () => {
    const c = occ("无人机装调检修工").conditions[4][1];
    expect(c.text).toBe("取得本职业五级/初级工职业资格（职业技能等级）证书后，连续从事本职业工作满2年。");
    expect(c.rule).toBeUndefined();
    expect(c.materials.map((m) => m.ref)).toEqual(["certificate", "workHistory"]);
    const item = review.find((r) => r.field === "occupations.无人机装调检修工.conditions.4.1.rule");
    expect(item).toMatchObject({ file: "conditions.yaml", line: lineOf("连续从事本职业工作满2年") });
    expect(item!.source).toContain("连续从事本职业工作满2年");
    expect(item!.reason).toContain("连续从事本职业工作满2年");
  });

  it("a level of the plan without conditions in 附件1, and an occupation of the plan without a table: review items", () => {
    expect(review.find((r) => r.field === "occupations.数据标注员.conditions.2")?.reason).toMatch(/没有这一级的申报条件/);
    expect(occ("数据标注员").levels).toEqual([5, 4, 3, 2, 1]);
    expect(occ("数据标注员").conditions[2]).toEqual([]);
    expect(review.find((r) => r.field === "occupations.家政服务员")?.reason).toMatch(/没有它的申报条件表/);
  });

  it("nothing else is listed for review (a material the previous notice had and this one has not is)", () => {
    expect(review.map((r) => r.field).sort()).toEqual(
      [
        "occupations.无人机装调检修工.conditions.4.1.rule",
        "occupations.数据标注员.conditions.2",
        "occupations.家政服务员",
        "materialTexts.technicalPledge",
      ].sort(),
    );
  });

  it("ids: the previous one for an unchanged sentence, one made from the rule for a changed one", () => {
    expect(occ("无人机装调检修工").conditions[4][0].id).toBe("years-5");
    expect(occ("数据标注员").conditions[4].map((c) => c.id)).toEqual(["years-4", "cert5-years-2", "diploma"]);
    expect(occ("数据标注员").conditions[5].map((c) => c.id)).toEqual(["age-18-intending", "age-18-working"]);
  });

  it("material keys of unchanged texts are the previous ones (canned answers name them)", () => {
    expect(d.materialTexts).toMatchObject({ workHistory: "工作经历承诺书", workPledge: "工作承诺书", certificate: PREVIOUS.materialTexts.certificate });
  });

  it("an occupation in 附件1 that the plan lacks is kept and noted", () => {
    const r = parseAnnex1(lines, { conditions: PREVIOUS }, new Map([["数据标注员", [5, 4, 3, 1]]]));
    expect((r.data as Data).occupations.map((o) => o.occupation)).toContain("无人机装调检修工");
    const item = r.review.find((x) => x.field === "occupations.无人机装调检修工");
    expect(item?.reason).toMatch(/计划中没有这个职业/);
    expect(item?.line).toBe(lineOf("职业名称\t无人机装调检修工"));
  });
});

describe("附件1: majors split by school type in parentheses, footnote numbers that differ per table", () => {
  const { data, review } = parseAnnex1(fixture("annex1-schools.txt"), { conditions: PREVIOUS }, new Map([["网络安全评估员", [2]]]));
  const o = (data as Data).occupations[0];

  it("reads 二级 with its own numbers: 6 years since a certificate, graduates after 3 years, students holding it 3 years", () => {
    expect(o.conditions[2].map((c) => c.rule)).toEqual([
      { certificate: { level: 3, yearsSince: 6 } },
      { certificate: { level: 3 }, education: { schools: ["高级技工学校", "技师学院"], status: ["毕业"] }, years: 3 },
      { certificate: { level: 3, yearsHeld: 3 }, education: { schools: ["技师学院"], programs: ["预备技师班", "技师班"], status: ["在读", "应届"] } },
      { education: { schools: "技工院校", programs: ["高级工班", "预备技师班", "技师班"], status: ["毕业", "应届"], relatedMajor: true } },
    ]);
  });

  it("① is the related occupations here and ② the majors: 相关专业（技工学校） / （普通高等学校）", () => {
    expect(o.relatedOccupations).toEqual(["信息安全测试员", "网络与信息安全管理员"]);
    expect(o.majorLists).toEqual([
      { label: "相关专业（技工学校）", schools: "技工院校", note: "等信息类专业", majors: ["网络与信息安全", "计算机网络应用"] },
      { label: "相关专业（普通高等学校）", schools: ["普通高等学校专科", "本科及以上"], note: "等计算机类专业", majors: ["信息安全", "网络空间安全"] },
    ]);
  });

  it("lists the previous notice's materials this one does not use, and nothing about the tables", () => {
    expect(review.every((r) => r.field.startsWith("materialTexts."))).toBe(true);
  });
});

describe("附件1: rows the PDF broke without tabs", () => {
  it("a sentence and a material going on at the start of a line, a row that lost its empty level cell", () => {
    const text = [
      "附件 1",
      "职业名称\t花艺师\t国标版本\t《…》",
      "级别\t申报条件\t申报材料",
      "具备以下条件之一者，可申报四级/中级工\t累计从事本职业或相关职业①工作满\t工作经历",
      "6 年。",
      "承诺书",
      "取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满 3 年。\t1. 职业资格证书（技能等级证书）原件或证书编号 2. 工作经历承诺书",
      "",
      "①**相关职业：**插花员等，下同。",
    ].join("\n");
    const r = parseAnnex1(toLines(text), { conditions: PREVIOUS }, new Map([["花艺师", [4]]]));
    const c = (r.data as Data).occupations[0].conditions[4];
    expect(c.map((x) => x.rule)).toEqual([{ years: 6 }, { certificate: { level: 5, yearsSince: 3 } }]);
    expect(c.map((x) => x.materials.map((m) => m.ref))).toEqual([["workHistory"], ["certificate", "workHistory"]]);
    expect(r.review.filter((x) => !x.field.startsWith("materialTexts."))).toEqual([]);
  });
});

describe("附件1: what it cannot read", () => {
  it("no table at all: not a notice it can read (ImportError with the line)", () => {
    const lines = toLines("附件 1\n\n申报条件见网站。\n");
    expect(() => parseAnnex1(lines, {}, new Map())).toThrow(ImportError);
    try {
      parseAnnex1(lines, {}, new Map());
    } catch (e) {
      expect((e as ImportError).line).toBe(1);
    }
  });

  it("a table without any level row: ImportError naming the table's line", () => {
    const lines = toLines("附件 1\n职业名称\t花艺师\t国标版本\t《…》\n级别\t申报条件\t申报材料\n\n①**相关职业：**插花员等，下同。\n");
    expect(() => parseAnnex1(lines, {}, new Map([["花艺师", [4]]]))).toThrow(/花艺师/);
  });

  it("a level cell it cannot read, a sentence without its full stop: review items, never a silent guess", () => {
    const text = [
      "附件 1",
      "职业名称\t花艺师\t国标版本\t《…》",
      "级别\t申报条件\t申报材料",
      "具备以下条件之一者，可申报四级/高级工\t累计从事本职业或相关职业工作满5年。\t工作经历承诺书",
      "具备以下条件之一者，可申报三级/高级工\t累计从事本职业或相关职业工作满10年\t工作经历承诺书",
      "",
      "①**相关职业：**插花员等，下同。",
    ].join("\n");
    const r = parseAnnex1(toLines(text), {}, new Map([["花艺师", [3]]]));
    expect(r.review.some((x) => x.line === 4 && /不一致/.test(x.reason))).toBe(true);
    expect(r.review.some((x) => x.line === 5 && /。/.test(x.reason))).toBe(true);
    const o = (r.data as Data).occupations[0];
    expect(o.levels).toEqual([3]);
    expect(o.conditions[3][0].rule).toEqual({ years: 10 });
  });
});

describe("附件1: a table per track", () => {
  const table = (name: string, years: number) => [
    `职业名称\t${name}\t国标版本\t《…》`,
    "级别\t申报条件\t申报材料",
    `具备以下条件之一者，可申报四级/中级工\t累计从事本职业或相关职业工作满${years}年。\t工作经历承诺书`,
    "",
    "①**相关职业：**营销员等，下同。",
  ];
  it("a name with its track in brackets is the plan's occupation; a second table of it is listed, not merged", () => {
    const text = ["附件 1", ...table("互联网营销师（直播销售员）", 5), ...table("互联网营销师（选品员）", 3)].join("\n");
    const r = parseAnnex1(toLines(text), {}, new Map([["互联网营销师", [4]]]));
    const occs = (r.data as Data).occupations;
    expect(occs.map((o) => o.occupation)).toEqual(["互联网营销师"]);
    expect(occs[0].conditions[4][0].rule).toEqual({ years: 5 });
    expect(r.review).toEqual([expect.objectContaining({ field: "occupations.互联网营销师", line: 7, reason: expect.stringMatching(/两张/) })]);
  });
});

const SEED = [join(ROOT, "..", "shared", "seed", "000_2a3069a21d62eb2b.txt"), "/work/shared/seed/000_2a3069a21d62eb2b.txt"].find((p) => existsSync(p));

describe.skipIf(!SEED)("附件1: carried over from the previous folder", () => {
  const seed = readFileSync(SEED!, "utf8");
  const lines = toLines(seed);
  const start = lines.findIndex((l) => /^附件\s*1\s*$/.test(l.text.trim()));
  const end = lines.findIndex((l) => /^附件\s*2\s*$/.test(l.text.trim()));
  const plan = new Map([
    ["电子商务师", [4, 3, 2, 1]],
    ["供应链管理师", [3, 2, 1]],
    ["互联网营销师", [5, 4, 3, 2, 1]],
    ["信息安全测试员", [4, 3]],
  ]);

  it("everyday names of related occupations still listed, not of those dropped", () => {
    const changed = lines.slice(start, end).map((l) => ({ ...l, text: l.text.replace("采购员，销售员， 仓储员，", "采购员，销售员，") }));
    const r = parseAnnex1(changed, { conditions: PREVIOUS }, plan);
    const scm = (r.data as Data).occupations.find((o) => o.occupation === "供应链管理师")!;
    expect(scm.relatedOccupations).not.toContain("仓储员");
    expect(Object.keys(scm.relatedOccupationAliases!)).not.toContain("仓储员");
    expect(scm.relatedOccupationAliases!["邮政和快递服务人员"]).toContain("快递员");
  });

  it("without a previous folder: the same rules, material keys of its own, nothing to review", () => {
    const r = parseAnnex1(lines.slice(start, end), {}, plan);
    expect(r.review).toEqual([]);
    expect(ConditionsFile.safeParse(r.data).success).toBe(true);
  });
});

describe("conditions.yaml: an occupation's own conditions in the loader", () => {
  function folder(edit: (c: Record<string, any>) => void): string {
    const dir = mkdtempSync(join(tmpdir(), "annex1-load-"));
    cpSync(HAND, dir, { recursive: true });
    const c = structuredClone(PREVIOUS);
    edit(c);
    writeFileSync(join(dir, "conditions.yaml"), stringify(c));
    return dir;
  }
  const own = (text: string, rule?: object) => ({ id: "own", text, ...(rule ? { rule } : {}), materials: [{ ref: "workHistory" }] });

  it("own conditions replace the template for their level; the other levels keep the template", () => {
    const dir = folder((c) => {
      c.occupations[0].conditions = { "4": [own("累计从事本职业或相关职业工作满4年。", { years: 4 })] };
    });
    const kb = loadKnowledge({ noticeDir: dir });
    const rules = kb.rules.get("电子商务师")!;
    expect([...rules.levels.keys()]).toEqual([4, 3, 2, 1]);
    expect(rules.levels.get(4)!.map((c) => c.rule)).toEqual([{ years: 4 }]);
    expect(rules.levels.get(3)!.map((c) => c.id)).toEqual(["years-10", "cert4-years-4", "senior-class", "cert4-higher"]);
    expect(kb.rules.get("互联网营销师")!.levels.get(4)!.map((c) => c.rule)[0]).toEqual({ years: 5 });
  });

  it("a condition without a rule (the importer could not read it) loads but is never evaluated", () => {
    const dir = folder((c) => {
      c.occupations[0].conditions = { "4": [own("累计从事本职业或相关职业工作满4年。", { years: 4 }), { ...own("连续从事本职业工作满2年。"), id: "unread" }] };
    });
    const kb = loadKnowledge({ noticeDir: dir });
    expect(kb.rules.get("电子商务师")!.levels.get(4)!.map((c) => c.id)).toEqual(["own"]);
  });

  it("an occupation without levels takes them from its own conditions, 五级 first", () => {
    const dir = folder((c) => {
      const o = c.occupations[3];
      delete o.levels;
      o.conditions = { "3": [own("累计从事本职业或相关职业工作满10年。", { years: 10 })], "4": [own("累计从事本职业或相关职业工作满5年。", { years: 5 })] };
    });
    expect([...loadKnowledge({ noticeDir: dir }).rules.get("信息安全测试员")!.levels.keys()]).toEqual([4, 3]);
  });

  it("a level with neither own conditions nor a template, or own conditions for a level not listed: errors naming them", () => {
    const noTemplate = folder((c) => {
      delete c.templates["1"];
    });
    expect(() => loadKnowledge({ noticeDir: noTemplate })).toThrow(/没有 1 级的条件/);
    const stray = folder((c) => {
      c.occupations[3].conditions = { "2": [own("x。", { years: 1 })] };
    });
    expect(() => loadKnowledge({ noticeDir: stray })).toThrow(KnowledgeError);
    expect(() => loadKnowledge({ noticeDir: stray })).toThrow(/levels 中没有 2 级/);
  });

  it("an occupation listed twice: an error", () => {
    const twice = folder((c) => {
      c.occupations.push(structuredClone(c.occupations[0]));
    });
    expect(() => loadKnowledge({ noticeDir: twice })).toThrow(/重复的职业 "电子商务师"/);
  });

  it("major lists may be absent only where no condition asks for 本专业或相关专业", () => {
    const none = folder((c) => {
      c.occupations[2].majorLists = [];
    });
    expect(() => loadKnowledge({ noticeDir: none })).toThrow(/供应链管理师的条件要求本专业或相关专业，但没有专业目录/);
    const fine = folder((c) => {
      const o = c.occupations[2];
      o.majorLists = [];
      o.conditions = { "3": [own("累计从事本职业或相关职业工作满10年。", { years: 10 })], "2": [own("a。", { years: 12 })], "1": [own("b。", { years: 15 })] };
    });
    expect(loadKnowledge({ noticeDir: fine }).rules.get("供应链管理师")!.majorLists).toEqual([]);
  });
});

describe("a footnote list's closing words", () => {
  it("keeps 等专业 / 等…类专业 as the note and never as part of the last major", async () => {
    const { listBody } = await import("../../src/importer/annex1.js");
    expect(listBody("计算机应用、客户信息服务、电子商务等专业。")).toEqual({ items: ["计算机应用", "客户信息服务", "电子商务"], note: "等专业" });
    expect(listBody("信息安全、软件工程等计算机类、电子信息类专业。")).toEqual({ items: ["信息安全", "软件工程"], note: "等计算机类、电子信息类专业" });
    expect(listBody("电子商务、市场营销等，下同。")).toEqual({ items: ["电子商务", "市场营销"], note: undefined });
  });
});
