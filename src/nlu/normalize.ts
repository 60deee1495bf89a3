/** Text normalisation: NFKC (full-width forms), Traditional → Simplified, and a compact form for matching. */
import * as OpenCC from "opencc-js";

// twp: Taiwan characters and phrases (列印 → 打印, 資訊 → 信息); it also covers Hong Kong characters.
const toSimplified = OpenCC.Converter({ from: "twp", to: "cn" });
// Characters only: Taiwan phrases can map to other words (查詢 → 查找), so keywords are also matched on this form.
const charsToSimplified = OpenCC.Converter({ from: "tw", to: "cn" });

export const MAX_TEXT = 2000;

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
  const raw = [...String(input ?? "")].slice(0, MAX_TEXT).join("").trim();
  const nfkc = raw.normalize("NFKC").toLowerCase();
  const simplified = toSimplified(nfkc);
  let text = simplified.replace(CONTROL, "");
  for (const [from, to] of dialect) if (text.includes(from)) text = text.split(from).join(to);
  const traditional = simplified !== nfkc && hasHan(nfkc);
  const alt = traditional ? charsToSimplified(nfkc).replace(CONTROL, "") : undefined;
  return { raw, text, traditional, ...(alt && alt !== text ? { alt } : {}) };
}

const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

/** The reply in the user's script. */
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
