/** Text helpers for the notice's layout: markers, spaces inside words and numbers, full-width digits, levels, months. */
import type { SourceLine } from "./types.js";

/** Footnote markers (①…⑳) and other circled numbers the PDF keeps in the text. */
export const FOOTNOTE = /[\u2460-\u2473\u2776-\u277f]/gu;

const CJK = "\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef《》“”‘’";

/** Full-width digits and letters in ASCII; full-width punctuation stays as the notice prints it. */
export function asciiDigits(s: string): string {
  return s.replace(/[０-９Ａ-Ｚａ-ｚ]/gu, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * A cell or sentence as the product should store it: bold markers (**…**) and footnote markers removed, the URL's
 * angle brackets (<http://…>) removed, runs of white space made one, and no space between Chinese characters or
 * between a Chinese character and a digit ("2023 年" → "2023年", "平台管 理员" → "平台管理员").
 */
export function tidy(s: string): string {
  let t = s.replace(/\*\*/g, "").replace(FOOTNOTE, "").replace(/<((?:https?:\/\/)[^<>\s]+)>/g, "$1");
  t = asciiDigits(t).replace(/[\s\u00a0\u3000]+/gu, " ").trim();
  const between = new RegExp(`(?<=[${CJK}])\\s+(?=[${CJK}0-9])|(?<=[${CJK}0-9])\\s+(?=[${CJK}])`, "gu");
  return t.replace(between, "");
}

/** Without any white space (names: "平台管 理员", "信息安全测 试员"). */
export const squeeze = (s: string): string => tidy(s).replace(/\s+/g, "");

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** "15", "一", "两", "十", "十二", "二十" → a number; anything else → undefined. */
export function parseNumber(s: string): number | undefined {
  const t = asciiDigits(s).trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^[零〇一二两三四五六七八九]$/.test(t)) return CN_DIGITS[t];
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/.exec(t);
  if (m) return (m[1] ? CN_DIGITS[m[1]] : 1) * 10 + (m[2] ? CN_DIGITS[m[2]] : 0);
  return undefined;
}

/** A number written the way the notice writes small counts ("保留一年", "一次补考机会"): 1–10 in Chinese, others in digits. */
export function chineseNumber(n: number): string {
  return n >= 1 && n <= 10 ? "一二三四五六七八九十"[n - 1] : String(n);
}

/** A number as the notice writes it, digits or Chinese: for regular expressions. */
export const NUM = "(\\d+|[零〇一二两三四五六七八九十]{1,3})";

const LEVEL_NAMES: Record<string, number> = { 五级: 5, 四级: 4, 三级: 3, 二级: 2, 一级: 1 };
const LEVEL_TITLES: Record<string, number> = { 初级工: 5, 中级工: 4, 高级工: 3, 技师: 2, 高级技师: 1 };

/**
 * A level cell ("四级/中级工", "四级", "中级工", "4级") → its number. When the name and the title disagree
 * ("四级/高级工") the result is undefined: the importer cannot tell which is meant.
 */
export function parseLevel(cell: string): number | undefined {
  const t = squeeze(cell);
  if (!t) return undefined;
  const [a, b] = t.split(/[/／]/);
  const byName = (x?: string) => (x === undefined ? undefined : LEVEL_NAMES[x] ?? (/^([1-5])级$/.exec(x) ? Number(x[0]) : undefined));
  const byTitle = (x?: string) => (x === undefined ? undefined : LEVEL_TITLES[x]);
  const first = byName(a) ?? byTitle(a);
  if (b === undefined) return first;
  const second = byTitle(b) ?? byName(b);
  return first !== undefined && first === second ? first : undefined;
}

/** True when a cell looks like a level ("四级/中级工"), even one that cannot be read. */
export const looksLikeLevel = (cell: string): boolean => /[一二三四五1-5]\s*级|初级工|中级工|高级工|技师/u.test(cell);

/**
 * A month cell ("3、5、8、 10、11", "4,7,11", "6月、9月") → its months, in order; "" → null (a merged cell);
 * anything else (a word, a month out of 1–12) → "invalid".
 */
export function parseMonths(cell: string): number[] | null | "invalid" {
  const t = asciiDigits(tidy(cell)).replace(/月/g, "").trim();
  if (!t) return null;
  const parts = t.split(/[、,，;；\s]+/).filter(Boolean);
  const months: number[] = [];
  for (const p of parts) {
    const n = parseNumber(p);
    if (n === undefined || n < 1 || n > 12) return "invalid";
    months.push(n);
  }
  return months;
}

/** A date as the notice prints it ("2023 年 12 月 29 日") → "2023-12-29", or undefined. */
export function parseDate(text: string): string | undefined {
  const m = /(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日/u.exec(asciiDigits(text));
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[1]}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Splits a table line into cells (tabs; a run of two or more spaces also separates cells). */
export const cells = (line: string): string[] => line.split(/\t| {2,}(?=\S)/);

/** A page-break or table-rule line the PDF's text keeps ("-------------", "| --- |"). */
export const isJunk = (text: string): boolean => /^[\s|\-—_=+]*$/.test(text) && /[-—_=]{3,}/.test(text);

/** Lines of a file, numbered from 1; a byte-order mark and \r are dropped. */
export function toLines(content: string): SourceLine[] {
  return content
    .replace(/^\ufeff/, "")
    .split(/\r?\n/)
    .map((text, i) => ({ no: i + 1, text }));
}

/** The trimmed, tidied text of a source line, for a review item. */
export const sourceOf = (l: SourceLine | undefined): string | undefined => (l ? tidy(l.text).slice(0, 200) : undefined);
