// Condition sentences of 附件1 (the 2023 standard's wording, and the 2018 standard's) read into rules; a sentence
// the rules cannot express is left unread, never half-read.
import { describe, expect, it } from "vitest";
import { cleanText, readMaterials, readSentence } from "../../src/importer/annex1-sentence.js";

const rule = (s: string) => {
  const r = readSentence(cleanText(s));
  if (!("rule" in r)) throw new Error(r.reason);
  return r.rule;
};
const unread = (s: string) => !("rule" in readSentence(cleanText(s)));

describe("readSentence", () => {
  it.each([
    ["年满16周岁，拟从事本职业或相关职业工作。", { age: 16, working: false }],
    ["年满18周岁，从事本职业或相关职业工作。", { age: 18, working: true }],
    ["累计从事本职业或相关职业工作满 5 年。", { years: 5 }],
    ["累计从事本职业或相关职业工作满两年。", { years: 2 }],
    ["累计从事本职业或相关职业工作1年（含）以上。", { years: 1 }],
    ["取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满3年。", { certificate: { level: 5, yearsSince: 3 } }],
    ["取得本职业或相关职业四级/中级工职业资格证书（技能等级证书）后，累计从事本职业或相关职业工作4年（含）以上。", { certificate: { level: 4, yearsSince: 4 } }],
    ["取得本职业或相关职业三级/高级工职业资格(职业技能等级)证书满2年的技师学院预备技师班、技师班学生。", { certificate: { level: 3, yearsHeld: 2 }, education: { schools: ["技师学院"], programs: ["预备技师班", "技师班"], status: ["在读", "应届"] } }],
    ["取得本职业或相关职业三级/高级工职业资格（职业技能等级）证书的高级技工学校、技师学院毕业生，累计从事本职业或相关职业工作满2年。", { certificate: { level: 3 }, education: { schools: ["高级技工学校", "技师学院"], status: ["毕业"] }, years: 2 }],
    ["取得本专业或相关专业的技工院校或中等及以上职业院校、专科及以上普通高等学校毕业证书（含在读应届毕业生）。", { education: { schools: ["技工学校", "高级技工学校", "技师学院", "中等职业学校", "高等职业学校", "普通高等学校专科", "本科及以上"], status: ["毕业", "应届"], relatedMajor: true } }],
    ["取得本专业或相关专业的技工院校高级工班及以上毕业证书（含在读应届毕业生）。", { education: { schools: ["技工学校", "高级技工学校", "技师学院"], programs: ["高级工班", "预备技师班", "技师班"], status: ["毕业", "应届"], relatedMajor: true } }],
    ["取得本职业或相关职业四级/中级工职业资格（职业技能等级）证书，并取得高等职业学校、专科及以上普通高等学校本专业或相关专业毕业证书（含在读应届毕业生）。", { certificate: { level: 4 }, education: { schools: ["高等职业学校", "普通高等学校专科", "本科及以上"], status: ["毕业", "应届"], relatedMajor: true } }],
    ["具有大专及以上本专业或相关专业毕业证书，并取得本职业或相关职业四级/中级工职业资格证书（技能等级证书）后，累计从事本职业或相关职业工作满2年。", { education: { schools: ["高等职业学校", "普通高等学校专科", "本科及以上"], status: ["毕业"], relatedMajor: true }, certificate: { level: 4, yearsSince: 2 } }],
    ["取得本专业或相关专业的中等职业学校毕业证书。", { education: { schools: ["中等职业学校"], status: ["毕业"], relatedMajor: true } }],
  ])("%s", (sentence, expected) => {
    expect(rule(sentence)).toEqual(expected);
  });

  it.each([
    // What the rules cannot express: only this occupation, not a related one; continuous work; an assessed programme;
    // an apprenticeship; training hours; a level name that disagrees with its title.
    "取得本职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业工作满2年。",
    "累计从事本职业工作满5年。",
    "累计从事本职业或相关职业工作满5年，且近2年连续从事本职业工作。",
    "取得经评估论证的高等职业学校、专科及以上普通高等学校本专业或相关专业毕业证书（含在读应届毕业生）。",
    "本职业或相关职业学徒期满。",
    "经本职业或相关职业四级/中级工正规培训达标准学时数，并取得结业证书。",
    "取得本职业或相关职业四级/高级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满4年。",
    "年满16周岁，年满18周岁。",
    "取得本专业或相关专业的技工院校应届毕业生证明。",
  ])("leaves unread: %s", (sentence) => {
    expect(unread(sentence)).toBe(true);
  });

  it("says what it could not read", () => {
    const r = readSentence(cleanText("累计从事本职业或相关职业工作满5年，且近2年连续从事本职业工作。"));
    expect("reason" in r && r.reason).toContain("近2年连续从事本职业工作");
  });
});

describe("readMaterials", () => {
  it("numbered items, alternatives by school type, a single item, a broken numbering", () => {
    expect(readMaterials("1. 职业资格证书(技能等级证书)原件或证书编号 2. 工作经历承诺书")).toEqual({
      items: [{ text: "职业资格证书（技能等级证书）原件或证书编号" }, { text: "工作经历承诺书" }],
    });
    expect(readMaterials("1. 技工院校毕业证书或学历承诺书 或 2. 本科院校毕业证书")).toEqual({
      items: [
        { text: "技工院校毕业证书或学历承诺书", schools: ["技工学校", "高级技工学校", "技师学院"] },
        { text: "本科院校毕业证书", schools: ["本科及以上"] },
      ],
    });
    expect(readMaterials("工作经历承诺书")).toEqual({ items: [{ text: "工作经历承诺书" }] });
    expect(readMaterials("1. 工作经历承诺书 3. 职业资格证书")).toHaveProperty("reason");
  });
});
