/** Hostile and odd input for the fuzz tests: any code point, emoji, control characters, the domain's words in pieces. */
import fc from "fast-check";

/** Controls, bidi overrides, zero-width joiners, BOM, replacement characters and lone surrogates. */
export const CONTROL_UNITS = [
  "\u0000", "\u0007", "\b", "\t", "\n", "\r", "\u000b", "\u001b", "\u007f", "\u0085", "\u00a0", "\u200b", "\u200d",
  "\u202e", "\u2028", "\u2029", "\u3000", "\ufeff", "\ufffd", "\ud800", "\udbff", "\udc00", "\udfff",
];

/** Words the engine reacts to, so random messages reach the dialog, follow-ups and numbered picks, not only the fallback. */
export const DOMAIN_UNITS = [
  "电子商务师", "直播销售员", "互联网营销师", "供应链管理师", "信息安全测试员", "选品员", "视频创推员", "四级", "三级", "五级",
  "一级", "高级工", "报名费", "多少钱", "几月", "考试", "什么时候", "材料", "身份证", "能报吗", "资格自测", "我能报吗", "返回",
  "重新开始", "退出", "1", "2", "3", "9", "０", "６年", "工作5年", "18岁", "技工学校", "应届", "电子商务", "報名費", "？", "！",
  "😀", "👨‍👩‍👧", "🇨🇳", "{{vars.x}}", "{year}", "<script>", "'; DROP TABLE sessions; --", "%s", "\\u0000", "__proto__",
];

export const unicodeText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...CONTROL_UNITS), maxLength: 40 }),
  fc.array(fc.oneof(fc.constantFrom(...DOMAIN_UNITS), fc.constantFrom(...CONTROL_UNITS), fc.string({ unit: "grapheme", maxLength: 3 })), { maxLength: 16 }).map((a) => a.join("")),
);

/** About 100 KB: a random piece repeated (generating 100 K random units per run would dominate the test's time). */
export const hugeText = fc
  .tuple(unicodeText.filter((s) => s.length > 0), fc.integer({ min: 100_000, max: 110_000 }))
  .map(([piece, size]) => piece.repeat(Math.ceil(size / piece.length)).slice(0, size));

export const userId = fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 60 }), fc.constantFrom("u", "__proto__", "constructor", "a:b", "😀"));
