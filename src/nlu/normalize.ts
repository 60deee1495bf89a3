/** Text normalisation: NFKC (full-width forms), Traditional → Simplified, and a compact form for matching. */
import * as OpenCC from "opencc-js";

// twp: Taiwan characters and phrases (列印 → 打印, 資訊 → 信息); it also covers Hong Kong characters.
const toSimplified = OpenCC.Converter({ from: "twp", to: "cn" });
// Characters only: Taiwan phrases can map to other words (查詢 → 查找), so keywords are also matched on this form.
const charsToSimplified = OpenCC.Converter({ from: "tw", to: "cn" });

export const MAX_TEXT = 2000;
/**
 * The most UTF-16 code units of the normalised text: NFKC can make one character many (U+FDFA is 18), and every
 * matcher reads this form, so it is cut again. Room for MAX_TEXT characters outside the BMP (two units each).
 */
export const MAX_NORMALISED = 2 * MAX_TEXT;

export interface Normalised {
  /** What the user wrote, trimmed and cut to MAX_TEXT characters. */
  raw: string;
  /** Simplified, NFKC, lower-case, without white space or control characters: the form every matcher reads. */
  text: string;
  /** The user wrote Traditional characters: answer in Traditional. */
  traditional: boolean;
  /** The text converted character by character, when it differs from `text` (查詢 → 查询 rather than 查找). */
  alt?: string;
}

const CONTROL = /[\p{Cc}\p{Cf}\p{Z}\s]+/gu;

/** `dialect`: word replacements applied after conversion to Simplified (Cantonese 喺 → 在), longest first. */
export function normalise(input: string, dialect: [string, string][] = []): Normalised {
  // Cut in code units first (cheap, and at least MAX_TEXT characters), then in characters.
  const raw = [...String(input ?? "").slice(0, 2 * MAX_TEXT)].slice(0, MAX_TEXT).join("").trim();
  const nfkc = cut(raw.normalize("NFKC").toLowerCase(), MAX_NORMALISED);
  // Traditional input is told by its characters; only then are Taiwan phrases converted too (a Simplified 程序
  // must not become 进程, which is what the Taiwan phrase table does with it).
  const chars = charsToSimplified(nfkc);
  const traditional = chars !== nfkc && hasHan(nfkc);
  let text = (traditional ? toSimplified(nfkc) : nfkc).replace(CONTROL, "");
  for (const [from, to] of dialect) if (text.includes(from)) text = text.split(from).join(to);
  const alt = traditional ? chars.replace(CONTROL, "") : undefined;
  return { raw, text, traditional, ...(alt && alt !== text ? { alt } : {}) };
}

/** The first `max` code units, without a lone high surrogate at the end. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

/**
 * Simplified → Traditional (Taiwan characters) for replies. Words keep their words (信息安全测试员 is an official name);
 * of OpenCC's 400 KB phrase table only the phrases found in `vocabulary` (the text replies are made of) are loaded,
 * which keeps 头发 → 頭髮 right at a tenth of the full converter's memory.
 */
export function traditionalConverter(vocabulary: string): (reply: string) => string {
  const [group] = OpenCC.Locale.from.cn;
  const isChars = (dict: unknown) => typeof dict === "string" && dict.split("|", 1)[0].split(" ")[0].length === 1;
  const chars = group.filter(isChars);
  const grams = new Set<string>();
  for (let n = 2; n <= 8; n++) for (let i = 0; i + n <= vocabulary.length; i++) grams.add(vocabulary.slice(i, i + n));
  const phrases = group
    .filter((d) => !isChars(d))
    .flatMap((d) => String(d).split("|"))
    .filter((entry) => grams.has(entry.split(" ")[0]))
    .join("|");
  return OpenCC.ConverterFactory([[...chars, ...(phrases ? [phrases] : [])]], OpenCC.Locale.to.tw);
}

const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Reads a number written in digits or Chinese numerals up to 99 (十二 → 12, 二十 → 20, 半 → 0.5); NaN if none. */
export function parseNumber(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (s === "半") return 0.5;
  const m = /^([一二两三四五六七八九])?(十)?([一二三四五六七八九])?(半)?$/.exec(s);
  if (!m || (!m[1] && !m[2] && !m[3])) return NaN;
  let n: number;
  if (m[2]) n = (m[1] ? DIGITS[m[1]] : 1) * 10 + (m[3] ? DIGITS[m[3]] : 0);
  else if (m[3]) return NaN;
  else n = DIGITS[m[1]!];
  return m[4] ? n + 0.5 : n;
}

const NUMBER = String.raw`(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3}|半)`;
/** A duration in years: "6年", "五年半", "4年11个月", "快5年", "11个月". `short`: said to fall short of it (快, 不到). */
export const DURATION = new RegExp(
  String.raw`(快|将近|接近|不到|不满|不足|差不多|差一点|还差一点)?${NUMBER}(?:个)?(多)?年(半)?(?:零?${NUMBER}个月)?|(快|将近|接近|不到|不满|不足|差不多)?(?<![同每哪这那上下本])${NUMBER}个月`,
  "g",
);

/** Years for a person to read, never rounded up past a threshold: 6 → "6", 4.917 → "4.9", 4.99 → "4.9". */
export const formatYears = (years: number): string => String(Math.floor(years * 10 + 1e-9) / 10);

/** The number of years a DURATION match says; a duration said to fall short ("快5年") is just under it. */
export function durationYears(m: RegExpMatchArray): number {
  let years: number;
  let short: string | undefined;
  if (m[2] !== undefined) {
    years = parseNumber(m[2]) + (m[4] ? 0.5 : 0) + (m[5] !== undefined ? parseNumber(m[5]) / 12 : 0);
    short = m[1];
  } else {
    years = parseNumber(m[7]) / 12;
    short = m[6];
  }
  return short ? Math.max(0, years - 0.01) : years;
}
