/**
 * The one masking function (src/logging.ts mask) on the forms people type: spaced, dotted, dashed, full-width, split
 * in odd groups, before and after NFKC; and what it must leave readable: the notice's own numbers, years, fees, dates.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mask } from "../../src/logging.js";

const MOBILE_FORMS = [
  "13812345678",
  "138 1234 5678",
  "138-1234-5678",
  "138.1234.5678",
  "138．1234．5678",
  "138—1234—5678",
  "138 - 1234 - 5678",
  "1381 234 5678",
  "1 3 8 1 2 3 4 5 6 7 8",
  "１３８１２３４５６７８",
  "１３８　１２３４　５６７８",
  "+86 138 1234 5678",
  "+86-13812345678",
  "＋８６ １３８１２３４５６７８",
  "8613812345678",
  "138/1234/5678",
];
const ID_FORMS = [
  "110101199003071234",
  "1101011990 0307 1234",
  "110101 19900307 1234",
  "110101-19900307-1234",
  "110.101.199.003.071.234",
  "11010119900307123X",
  "11010119900307123x",
  "１１０１０１１９９００３０７１２３Ｘ",
  "110101 1990 0307 123X",
];

/** Every digit the secret holds but its first 3 and last 4 must be gone. */
function hidden(out: string, secret: string): boolean {
  const digits = [...secret.normalize("NFKC")].filter((c) => /[0-9Xx]/.test(c)).join("");
  const plain = [...out.normalize("NFKC")].filter((c) => /[0-9Xx*]/.test(c)).join("");
  return !plain.includes(digits) && !plain.includes(digits.slice(-11, -4));
}

describe("mask: the forms people type", () => {
  it("masks a mobile however it is spaced, dotted, dashed or full-width, and keeps 3 + 4 digits", () => {
    for (const form of MOBILE_FORMS) {
      for (const text of [form, `我的电话是${form}，谢谢`, `手机:${form}。`]) {
        const out = mask(text);
        expect(hidden(out, form), `${text} → ${out}`).toBe(true);
        expect(out.normalize("NFKC"), text).toMatch(/138\*{4}5678/);
        // The same after NFKC (the unanswered log stores the normalised text).
        expect(hidden(mask(text.normalize("NFKC")), form), text).toBe(true);
        expect(mask(out), text).toBe(out);
      }
    }
  });

  it("masks an 18-character ID in any grouping, with an X check character", () => {
    for (const form of ID_FORMS) {
      for (const text of [form, `身份证号${form}能报名吗`, `ID: ${form}`]) {
        const out = mask(text);
        expect(hidden(out, form), `${text} → ${out}`).toBe(true);
        expect(out.normalize("NFKC"), text).toMatch(/110\*{11}123[4Xx]/);
        expect(hidden(mask(text.normalize("NFKC")), form), text).toBe(true);
        expect(mask(out)).toBe(out);
      }
    }
  });

  it("finds a mobile beside other numbers in one run", () => {
    expect(mask("138 1234 5678 2份")).toBe("138****5678 2份");
    expect(mask("2024 13812345678")).toBe("2024 138****5678");
    expect(mask("电话 138 1234 5678 或 139 8765 4321")).toBe("电话 138****5678 或 139****4321");
  });

  it("masks e-mail addresses, also with full-width characters after NFKC", () => {
    expect(mask("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ".normalize("NFKC"))).toBe("z***@example.com");
    expect(mask("邮箱 li.si_01@mail.example.cn")).toBe("邮箱 l***@mail.example.cn");
  });
});

describe("mask: what stays readable", () => {
  const KEPT = [
    "咨询电话 400-007-5676",
    "400 007 5676",
    "4000075676",
    "投诉 010-68662352",
    "010 6866 2352",
    "(010)68662352",
    "01068662352",
    "2024年3、5、8、10、11月",
    "2024.03.07",
    "2024-03-07 09:00",
    "费用 160 元，理论 70 元、技能 90 元",
    "160.00元",
    "中教培〔2023〕66号",
    "第 3 5 8 10 11 月",
    "订单号 12345678901234567890",
    "1381234567",
    "138123456789",
    "24123456789",
    "时间戳 1700000000000",
    "玉泉路63号 100036",
  ];
  it("leaves the notice's numbers, landlines, years, dates, fees and other numbers as they are", () => {
    for (const text of KEPT) {
      expect(mask(text), text).toBe(text);
      expect(mask(text.normalize("NFKC")), text).toBe(text.normalize("NFKC"));
    }
  });

  it("hides any mobile or ID in random spacing and separators, and is idempotent", () => {
    const sep = fc.constantFrom("", " ", "-", ".", "．", "　", " - ");
    const mobile = fc.tuple(fc.integer({ min: 3, max: 9 }), fc.stringMatching(/^\d{9}$/)).map(([a, b]) => `1${a}${b}`);
    const id = fc.tuple(fc.stringMatching(/^\d{17}$/), fc.constantFrom("1", "X"));
    const grouped = fc.oneof(
      fc.tuple(mobile, sep, sep).map(([m, a, b]) => ({ digits: m, text: `${m.slice(0, 3)}${a}${m.slice(3, 7)}${b}${m.slice(7)}` })),
      fc.tuple(id, sep, sep).map(([[d, c], a, b]) => ({ digits: d + c, text: `${d.slice(0, 6)}${a}${d.slice(6, 14)}${b}${d.slice(14)}${c}` })),
      fc.tuple(id, sep).map(([[d, c], a]) => ({ digits: d + c, text: `${d.slice(0, 10)}${a}${d.slice(10)}${c}` })),
    );
    const around = fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => s.replace(/[0-9０-９A-Za-z._%+@\s\-－．。]/g, ""));
    fc.assert(
      fc.property(around, grouped, around, fc.boolean(), (before, g, after, wide) => {
        const text = wide ? `${before}${g.text}${after}`.replace(/[0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)) : `${before}${g.text}${after}`;
        const out = mask(text);
        const plain = out.normalize("NFKC").replace(/[^0-9Xx]/g, "");
        expect(plain.includes(g.digits.slice(3, -4))).toBe(false);
        expect(mask(out)).toBe(out);
      }),
      { numRuns: 400 },
    );
  });
});
