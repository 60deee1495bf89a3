import { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLogger, mask } from "../src/logging.js";

const EXPECTED_MASKS: [string, string][] = [
  ["身份证110101199003071234，请核对", "身份证110***********1234，请核对"],
  ["11010119900307123X", "110***********123X"],
  ["11010119900307123x", "110***********123x"],
  ["110101 19900307 1234", "110***********1234"],
  ["我的手机13812345678", "我的手机138****5678"],
  ["电话：138-1234-5678。", "电话：138****5678。"],
  ["138 1234 5678", "138****5678"],
  ["+86 13812345678", "+86 138****5678"],
  ["８６１３８１２３４５６７８", "８６１３８****５６７８"],
  ["１３８１２３４５６７８", "１３８****５６７８"],
  ["tel:13812345678,", "tel:138****5678,"],
  ["邮箱 zhang.san+cert@example.com.cn 谢谢", "邮箱 z***@example.com.cn 谢谢"],
  ["13812345678@qq.com", "1***@qq.com"],
  ["a@b.cn", "***@b.cn"],
];

/** Not personal: the agency's landlines and hotline, times, sums, longer or shorter numbers. */
const EXPECTED_KEPT = [
  "热线 400-007-5676",
  "投诉电话 010-68662352",
  "01068662352",
  "4000075676",
  "费用 160 元，2024年3月",
  "时间戳 1700000000000",
  "12345678901234567890",
  "1381234567",
  "138123456789",
  "订单 02345678901",
  "地址：玉泉路63号远洋时代广场313",
  "@所有人 请注意",
];

describe("mask", () => {
  it("should mask ID-card numbers, mobile numbers and e-mail addresses", () => {
    for (const [text, expected] of EXPECTED_MASKS) expect(mask(text), text).toBe(expected);
  });

  it("should leave landlines, the hotline and other numbers readable", () => {
    for (const text of EXPECTED_KEPT) expect(mask(text), text).toBe(text);
  });

  it("should leave an address listed in keep readable", () => {
    expect(mask("投诉邮箱 ecc@itmc.cn，或 li@example.com", new Set(["ecc@itmc.cn"]))).toBe("投诉邮箱 ecc@itmc.cn，或 l***@example.com");
  });

  it("should leave no mobile, ID or e-mail readable in any text around them, and be idempotent", () => {
    const mobile = fc.tuple(fc.integer({ min: 3, max: 9 }), fc.stringMatching(/^\d{9}$/)).map(([a, b]) => `1${a}${b}`);
    const id = fc.tuple(fc.stringMatching(/^\d{17}$/), fc.constantFrom("0", "7", "X", "x")).map(([a, b]) => a + b);
    // A local part made of the mask's own stars would be "found" in any masked output.
    const email = fc.emailAddress().filter((e) => !e.includes("*"));
    const around = fc.string({ unit: "grapheme", maxLength: 12 }).map((s) => s.replace(/[0-9０-９A-Za-z._%+@-]/g, ""));
    fc.assert(
      fc.property(around, fc.oneof(mobile, id, email), around, (before, secret, after) => {
        const out = mask(`${before}${secret}${after}`);
        expect(out).not.toContain(secret);
        expect(mask(out)).toBe(out);
      }),
      { numRuns: 300 },
    );
  });

  it("should not change text without personal data", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }).filter((s) => !/[0-9０-９@]/.test(s)), (text) => {
        expect(mask(text)).toBe(text);
      }),
      { numRuns: 100 },
    );
  });
});

describe("createLogger", () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    return { lines, destination };
  };

  it("should mask fields, messages, interpolated arguments, errors and child bindings", () => {
    const { lines, destination } = capture();
    const log = createLogger("info", { destination });
    log.info({ userId: "wx:13812345678", text: "身份证 11010119900307123X", nested: { list: ["ab@b.cn", "a@b.cn"] }, phone: 13912345678 }, "来自 %s", "13700001111");
    log.error({ err: new Error("user 13812345678 failed") }, "turn failed");
    log.child({ user: "13812345678" }).child({ mail: "x@y.com" }).info("child");
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/13812345678|11010119900307123X|ab?@b\.cn|13912345678|13700001111|x@y\.com/);
    expect(lines[0]).toMatchObject({ level: 30, userId: "wx:138****5678", text: "身份证 110***********123X", phone: "139****5678", msg: "来自 137****1111" });
    expect(lines[1]).toMatchObject({ level: 50, err: { type: "Error", message: "user 138****5678 failed" }, msg: "turn failed" });
    expect((lines[1].err as { stack: string }).stack).toContain("user 138****5678 failed");
    expect(lines[2]).toMatchObject({ user: "138****5678", mail: "***@y.com", msg: "child" });
  });

  it("should respect the level, and survive cyclic and deep objects", () => {
    const { lines, destination } = capture();
    const log = createLogger("warn", { destination });
    log.info({ a: 1 }, "hidden");
    const cyclic: Record<string, unknown> = { phone: "13812345678" };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { v: "13812345678" };
    for (let i = 0; i < 50; i++) deep = { deep };
    log.warn({ cyclic, deep }, "odd");
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain("13812345678");
  });

  it("should implement the engine's Logger interface", async () => {
    const { lines, destination } = capture();
    const { makeEngine } = await import("./helpers.js");
    const engine = makeEngine({
      logger: createLogger("info", { destination }),
      turnTimeoutMs: 1_000,
      store: { get: async () => Promise.reject(new Error("store down for 13812345678")), set: async () => {}, delete: async () => {} },
    });
    const r = await engine.turn("13812345678", "报名费多少", "test");
    expect(r.status).toBe("error");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, userId: "138****5678", err: "store down for 138****5678" });
  });
});
