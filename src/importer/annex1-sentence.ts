/**
 * 附件1's condition sentences read into rules (the vocabulary of src/eligibility/rules.ts), and material cells read into
 * items. A sentence is read only when every part of it is a phrase this module knows; anything else is left unread
 * (the caller lists it for review), so a rule never says less than its sentence.
 */
import type { Program, School, Status } from "../knowledge/schema.js";
import { PROGRAMS, SCHOOLS } from "../knowledge/schema.js";

/** A rule as conditions.yaml writes it, with school types resolved to lists (the writer names groups). */
export interface ParsedRule {
  years?: number;
  certificate?: { level: number; yearsSince?: number; yearsHeld?: number };
  education?: { schools: School[]; programs?: Program[]; status: Status[]; relatedMajor?: boolean };
  age?: number;
  working?: boolean;
}

export type SentenceReading = { rule: ParsedRule } | { unread: string; reason: string };

const CIRCLED = /[\u2460-\u2473\u2776-\u277f]/gu;

/**
 * A cell's text as stored: bold and footnote markers removed, half-width parentheses, commas, colons and semicolons
 * in their full-width forms (the notice mixes both), full-width digits in ASCII, and no white space (Chinese text has
 * none between its words; the PDF's text puts some around numbers and inside words).
 */
export function cleanText(s: string): string {
  return s
    .replace(/\*\*/g, "")
    .replace(CIRCLED, "")
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\(/g, "（")
    .replace(/\)/g, "）")
    .replace(/,/g, "，")
    .replace(/:/g, "：")
    .replace(/;/g, "；")
    .replace(/[\s\u00a0\u3000]+/gu, "");
}

const CN: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** "5", "10", "2.5", "两", "十", "十二" → a number. */
export function number(s: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  if (/^[零〇一二两三四五六七八九]$/.test(s)) return CN[s];
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/.exec(s);
  if (m) return (m[1] ? CN[m[1]] : 1) * 10 + (m[2] ? CN[m[2]] : 0);
  return undefined;
}

const N = "(\\d+(?:\\.\\d+)?|[一二两三四五六七八九十]{1,3})";
export const LEVEL_NAMES: Record<string, number> = { 五: 5, 四: 4, 三: 3, 二: 2, 一: 1 };
export const LEVEL_TITLES: Record<number, string> = { 5: "初级工", 4: "中级工", 3: "高级工", 2: "技师", 1: "高级技师" };
const TITLE = "(初级工|中级工|高级工|高级技师|技师)";

/** "可申报四级/中级工" in a level cell → 4; a name and title that disagree, or none → undefined. */
export function levelOfCell(cell: string): { level?: number; complete: boolean; mismatch?: string } {
  const t = cleanText(cell).replace(/／/g, "/");
  const full = new RegExp(`可申报([一二三四五])级/${TITLE}`).exec(t);
  if (full) {
    const level = LEVEL_NAMES[full[1]];
    if (LEVEL_TITLES[level] !== full[2]) return { complete: true, mismatch: `${full[1]}级/${full[2]}` };
    // The title must be whole: "技师" may be the start of a title still to come on the next line only for 高级技师,
    // which is written 高级 技师 ("一级/高级 技师"): that case is complete once joined.
    return { level, complete: true };
  }
  const bare = new RegExp(`可申报([一二三四五])级$`).exec(t);
  if (bare) return { level: LEVEL_NAMES[bare[1]], complete: false };
  return { complete: false };
}

// ——— School types, programs and statuses as 附件1 words them ———

const TECH: School[] = ["技工学校", "高级技工学校", "技师学院"];
const HIGHER_EDU: School[] = ["普通高等学校专科", "本科及以上"];

/** School names in a condition sentence, longest first, with the school types each stands for. */
const SCHOOL_WORDS: [string, School[]][] = [
  ["中等及以上职业院校", ["中等职业学校", "高等职业学校"]],
  ["中等及以上职业学校", ["中等职业学校", "高等职业学校"]],
  ["专科及以上普通高等学校", HIGHER_EDU],
  ["本科及以上普通高等学校", ["本科及以上"]],
  ["大专及以上", ["高等职业学校", "普通高等学校专科", "本科及以上"]],
  ["高级技工学校", ["高级技工学校"]],
  ["中等职业院校", ["中等职业学校"]],
  ["中等职业学校", ["中等职业学校"]],
  ["高等职业院校", ["高等职业学校"]],
  ["高等职业学校", ["高等职业学校"]],
  ["普通高等学校", HIGHER_EDU],
  ["技工院校", TECH],
  ["技工学校", ["技工学校"]],
  ["技师学院", ["技师学院"]],
  ["本科院校", ["本科及以上"]],
];
const PROGRAM_WORDS: [string, Program[]][] = [
  ["高级工班及以上", ["高级工班", "预备技师班", "技师班"]],
  ["预备技师班及以上", ["预备技师班", "技师班"]],
  ["预备技师班", ["预备技师班"]],
  ["高级工班", ["高级工班"]],
  ["技师班", ["技师班"]],
];
const alt = (words: [string, unknown][]) => words.map(([w]) => w).join("|");
const SCHOOL_LIST = `((?:${alt(SCHOOL_WORDS)})(?:(?:、|或|和|及)(?:${alt(SCHOOL_WORDS)}))*)`;
const PROGRAM_LIST = `((?:${alt(PROGRAM_WORDS)})(?:(?:、|和|及)(?:${alt(PROGRAM_WORDS)}))*)`;

const canonical = <T extends string>(order: readonly T[], items: Iterable<T>): T[] => {
  const set = new Set(items);
  return order.filter((x) => set.has(x));
};

function wordsOf<T extends string>(text: string, words: [string, T[]][], order: readonly T[]): T[] {
  const out: T[] = [];
  let rest = text;
  while (rest) {
    rest = rest.replace(/^(?:、|或|和|及)/, "");
    const hit = words.find(([w]) => rest.startsWith(w));
    if (!hit) break;
    out.push(...hit[1]);
    rest = rest.slice(hit[0].length);
  }
  return canonical(order, out);
}
const schoolsOf = (text: string) => wordsOf(text, SCHOOL_WORDS, SCHOOLS);
const programsOf = (text: string) => wordsOf(text, PROGRAM_WORDS, PROGRAMS);

/** 毕业证书（含在读应届毕业生）: graduates and final-year students; 毕业生: graduates; 学生: students (final year included). */
const DIPLOMA_STATUS: [string, Status[]][] = [
  ["毕业证书（含在读应届毕业生）", ["毕业", "应届"]],
  ["毕业证书（含应届毕业生）", ["毕业", "应届"]],
  ["毕业证书（含尚未取得毕业证书的在校应届毕业生）", ["毕业", "应届"]],
  ["毕业证书", ["毕业"]],
];
const PERSON_STATUS: [string, Status[]][] = [
  ["毕业生（含在读应届毕业生）", ["毕业", "应届"]],
  ["毕业生", ["毕业"]],
  ["在读学生", ["在读", "应届"]],
  ["学生", ["在读", "应届"]],
];
const DIPLOMA = `(${DIPLOMA_STATUS.map(([w]) => w.replace(/[（）]/g, (c) => `\\${c}`)).join("|")})`;
const PERSON = `(${PERSON_STATUS.map(([w]) => w.replace(/[（）]/g, (c) => `\\${c}`)).join("|")})`;
const statusOf = (table: [string, Status[]][], word: string): Status[] => [...table.find(([w]) => w === word)![1]];

const WORK = "从事本职业或相关职业工作";
/** "满5年" or "5年（含）以上": at least that many years. */
const YEARS = `(?:满${N}年|${N}年（含）以上)`;
const yearsOf = (m: RegExpExecArray, at: number) => number(m[at] ?? m[at + 1]);
/** 2023 版 "职业资格（职业技能等级）证书"; 2018 版 "职业资格证书（技能等级证书）". */
const CERT = "职业资格(?:（职业技能等级）证书|证书（技能等级证书）)";
/** Holding a document: "取得", or "具有" as older standards word it. */
const HAVE = "(?:取得|具有)";

/** The phrases of a sentence; each reads a part of the rule and may require what came before it. */
interface Phrase {
  re: RegExp;
  /** Applies the match to the rule; returns false when the phrase cannot stand here (the sentence is then unread). */
  apply: (m: RegExpExecArray, rule: ParsedRule, state: { last?: string }) => boolean;
  name: string;
}

const setOnce = <K extends keyof ParsedRule>(rule: ParsedRule, key: K, value: ParsedRule[K]): boolean => {
  if (rule[key] !== undefined) return false;
  rule[key] = value;
  return true;
};

const PHRASES: Phrase[] = [
  {
    name: "age",
    re: new RegExp(`^年满${N}周岁`),
    apply: (m, r) => setOnce(r, "age", number(m[1])),
  },
  {
    name: "intending",
    re: new RegExp(`^拟${WORK}`),
    apply: (_m, r) => setOnce(r, "working", false),
  },
  {
    name: "working",
    re: new RegExp(`^${WORK}`),
    apply: (_m, r) => setOnce(r, "working", true),
  },
  {
    // 取得…证书后，累计从事…满N年: years of work since the certificate.
    name: "yearsSince",
    re: new RegExp(`^后，?累计${WORK}${YEARS}`),
    apply: (m, r, s) => {
      if (s.last !== "certificate" || !r.certificate || r.certificate.yearsSince !== undefined) return false;
      r.certificate.yearsSince = yearsOf(m, 1);
      return true;
    },
  },
  {
    name: "years",
    re: new RegExp(`^累计${WORK}${YEARS}`),
    apply: (m, r) => setOnce(r, "years", yearsOf(m, 1)),
  },
  {
    name: "certificate",
    re: new RegExp(`^${HAVE}本职业或相关职业([一二三四五])级/${TITLE}${CERT}`),
    apply: (m, r) => {
      const level = LEVEL_NAMES[m[1]];
      if (LEVEL_TITLES[level] !== m[2]) return false;
      return setOnce(r, "certificate", { level });
    },
  },
  {
    // …证书满N年: years since the certificate was obtained.
    name: "yearsHeld",
    re: new RegExp(`^满${N}年`),
    apply: (m, r, s) => {
      if (s.last !== "certificate" || !r.certificate || r.certificate.yearsHeld !== undefined) return false;
      r.certificate.yearsHeld = number(m[1]);
      return true;
    },
  },
  {
    // …证书（满N年）的技师学院预备技师班、技师班学生 / 的高级技工学校、技师学院毕业生
    name: "persons",
    re: new RegExp(`^的${SCHOOL_LIST}${PROGRAM_LIST}?${PERSON}`),
    apply: (m, r, s) => {
      if (s.last !== "certificate" && s.last !== "yearsHeld") return false;
      return setOnce(r, "education", {
        schools: schoolsOf(m[1]),
        ...(m[2] ? { programs: programsOf(m[2]) } : {}),
        status: statusOf(PERSON_STATUS, m[3]),
      });
    },
  },
  {
    // 取得本专业或相关专业的技工院校高级工班及以上毕业证书（含在读应届毕业生）
    name: "diploma",
    re: new RegExp(`^${HAVE}本专业或相关专业的${SCHOOL_LIST}${PROGRAM_LIST}?${DIPLOMA}`),
    apply: (m, r) =>
      setOnce(r, "education", {
        schools: schoolsOf(m[1]),
        ...(m[2] ? { programs: programsOf(m[2]) } : {}),
        status: statusOf(DIPLOMA_STATUS, m[3]),
        relatedMajor: true,
      }),
  },
  {
    // 并取得高等职业学校、专科及以上普通高等学校本专业或相关专业毕业证书（含在读应届毕业生）
    name: "diploma",
    re: new RegExp(`^${HAVE}${SCHOOL_LIST}${PROGRAM_LIST}?本专业或相关专业${DIPLOMA}`),
    apply: (m, r) =>
      setOnce(r, "education", {
        schools: schoolsOf(m[1]),
        ...(m[2] ? { programs: programsOf(m[2]) } : {}),
        status: statusOf(DIPLOMA_STATUS, m[3]),
        relatedMajor: true,
      }),
  },
];

/** Reads one condition sentence (already cleaned) into a rule; what it cannot read with certainty is left unread. */
export function readSentence(sentence: string): SentenceReading {
  let rest = sentence.replace(/。$/, "");
  const rule: ParsedRule = {};
  const state: { last?: string } = {};
  while (rest) {
    const sep = /^(?:，并|，且|，|并|且)/.exec(rest);
    if (sep && state.last) {
      rest = rest.slice(sep[0].length);
      // A separator ends the certificate's own phrases: "证书，累计…" is years of work in all, not since it.
      state.last = "separator";
      continue;
    }
    let matched = false;
    for (const p of PHRASES) {
      const m = p.re.exec(rest);
      if (!m) continue;
      if (!p.apply(m, rule, state)) return { unread: rest, reason: `“${m[0]}”在这里无法确定含义` };
      state.last = p.name;
      rest = rest.slice(m[0].length);
      matched = true;
      break;
    }
    if (!matched) return { unread: rest, reason: `未知的条件句式：“${rest}”` };
  }
  if (!Object.keys(rule).length) return { unread: sentence, reason: "条件为空" };
  if (rule.working === false && rule.years !== undefined) return { unread: sentence, reason: "“拟从事”与工作年限矛盾" };
  return { rule };
}

// ——— Materials ———

export interface MaterialItem {
  text: string;
  /** Only for these school types: one of the notice's "或" alternatives for different schools. */
  schools?: School[];
}

/** School names in a material's text ("技工院校、中等职业院校、职高毕业证书…", "高职、专科及以上普通高等学校在学信网…"). */
const MATERIAL_SCHOOL_WORDS: [string, School[]][] = [
  ["专科及以上普通高等学校", HIGHER_EDU],
  ["中等职业院校", ["中等职业学校"]],
  ["中等职业学校", ["中等职业学校"]],
  ["高等职业院校", ["高等职业学校"]],
  ["高等职业学校", ["高等职业学校"]],
  ["普通高等学校", HIGHER_EDU],
  ["技工院校", TECH],
  ["技工学校", ["技工学校"]],
  ["技师学院", ["技师学院"]],
  ["本科院校", ["本科及以上"]],
  ["中职", ["中等职业学校"]],
  ["职高", ["中等职业学校"]],
  ["高职", ["高等职业学校"]],
  ["专科", ["普通高等学校专科"]],
];

/** The school types a material's opening words name ("技工院校、中等职业院校、职高毕业证书" → 技工院校 and 中职). */
export function materialSchools(text: string): School[] {
  const out: School[] = [];
  let rest = text;
  for (;;) {
    rest = rest.replace(/^(?:、|或|和|及|及以上)/, "");
    const hit = MATERIAL_SCHOOL_WORDS.find(([w]) => rest.startsWith(w));
    if (!hit) break;
    out.push(...hit[1]);
    rest = rest.slice(hit[0].length).replace(/^及以上/, "");
  }
  return canonical(SCHOOLS, out);
}

export type MaterialReading = { items: MaterialItem[] } | { reason: string };

/**
 * A material cell ("1. … 2. …", "1. … 或 2. …", or one item) → its items. Items joined by "或" are alternatives for
 * different school types when each names its schools; "或" between items that prove different parts of a condition
 * (a certificate "或" a diploma, when the condition requires both) cannot be a choice, and each item is required.
 */
export function readMaterials(cell: string): MaterialReading {
  const raw = cell.replace(/[\s\u00a0\u3000]+/gu, " ").trim();
  if (!raw) return { items: [] };
  const marker = /(?:^|\s+)(?:(或)\s*)?(\d{1,2})[.．]\s*/gu;
  const marks = [...raw.matchAll(marker)];
  if (!marks.length || marks[0].index !== 0) {
    if (marks.length) return { reason: `材料编号前有文字：“${raw.slice(0, marks[0].index)}”` };
    return { items: [{ text: cleanText(raw) }] };
  }
  const parts: { n: number; or: boolean; text: string }[] = marks.map((m, i) => ({
    n: Number(m[2]),
    or: m[1] !== undefined,
    text: cleanText(raw.slice(m.index! + m[0].length, i + 1 < marks.length ? marks[i + 1].index : undefined)),
  }));
  if (parts.some((p, i) => p.n !== i + 1)) return { reason: `材料编号不连续：${parts.map((p) => p.n).join("、")}` };
  if (parts.some((p) => !p.text)) return { reason: "有空的材料项" };
  // Groups of alternatives: an item preceded by "或" joins the group of the item before it.
  const groups: (typeof parts)[] = [];
  for (const p of parts) {
    if (p.or && groups.length) groups[groups.length - 1].push(p);
    else groups.push([p]);
  }
  const items: MaterialItem[] = [];
  for (const g of groups) {
    const schools = g.map((p) => materialSchools(p.text));
    const schoolAlternatives = g.length > 1 && schools.every((s) => s.length > 0);
    g.forEach((p, i) => items.push(schoolAlternatives ? { text: p.text, schools: schools[i] } : { text: p.text }));
  }
  return { items };
}
