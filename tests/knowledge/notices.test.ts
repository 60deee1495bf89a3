/**
 * Several notices at once: every folder given is loaded, the newest answers by default, a question that names a year
 * is answered from that year's notice (or says it is not held), and "下次" counts the newest plan's months from today.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KnowledgeError, ROOT } from "../../src/knowledge/load.js";
import { cpSync } from "node:fs";
import { KnowledgeRegistry, loadNotices, loadSource, parseDirList, sourceDirs, sourceFromEnv } from "../../src/knowledge/registry.js";
import { Engine } from "../../src/engine/engine.js";
import { getKb, say } from "../helpers.js";
import { cleanNotices, makeNotice } from "./notice-fixture.js";

afterAll(cleanNotices);

const K2024 = join(ROOT, "knowledge", "2024");
// 2023's notice as the test imagines it: 电子商务师 四级–二级 in April, June and September, 90 + 90 yuan.
const K2023 = makeNotice(2023, { ecommerceMonths: [4, 6, 9], ecommerceFee: 90 });
/** Noon in Beijing on a day. */
const beijing = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d, 4);

describe("which folders are loaded", () => {
  it("KNOWLEDGE_DIR alone is one folder; KNOWLEDGE_DIRS several; neither: every notice folder of knowledge/", () => {
    expect(sourceDirs({ dir: K2023 })).toEqual([K2023]);
    expect(sourceFromEnv({ KNOWLEDGE_DIRS: `${K2024}:${K2023}` })).toEqual({ dir: undefined, dirs: [K2024, K2023] });
    expect(parseDirList(` ${K2024} :: ${K2023}`)).toEqual([K2024, K2023]);
    expect(sourceDirs({ dirs: [K2024, K2023] })).toEqual([K2024, K2023]);
    expect(sourceDirs({ root: join(K2023, "..") })).toEqual([K2023]);
    expect(sourceDirs({})).toContain(K2024);
  });

  it("loads several years, newest first, the newest as the current notice", () => {
    const n = loadNotices([K2023, K2024]);
    expect(n.all.map((k) => k.notice.year)).toEqual([2024, 2023]);
    expect(n.current.notice.year).toBe(2024);
    expect(n.current.hash).not.toBe(n.all[1].hash);
  });

  it("refuses two folders of one year, naming both", () => {
    const twin = makeNotice(2023);
    try {
      loadNotices([K2023, twin]);
      expect.fail("loaded two notices of 2023");
    } catch (err) {
      expect(err).toBeInstanceOf(KnowledgeError);
      const p = (err as KnowledgeError).problems[0];
      expect(p).toMatchObject({ path: "year" });
      expect(p.file).toMatch(/notice\.yaml$/);
      expect(p.message).toMatch(/2023/);
    }
  });

  it("KNOWLEDGE_DIR is the current notice: a newer folder beside it in KNOWLEDGE_DIRS is refused", () => {
    expect(() => loadSource({ dir: K2023, dirs: [K2024] })).toThrow(/KNOWLEDGE_DIR 应为最新的通知/);
    expect(loadSource({ dir: K2024, dirs: [K2023] }).all.map((k) => k.notice.year)).toEqual([2024, 2023]);
  });

  it("with no folder configured, a reload looks at knowledge/ again and takes a notice imported there", async () => {
    const root = join(makeNotice(2024), "..");
    const engine = new Engine(loadSource({ root }));
    const registry = new KnowledgeRegistry(engine, { root });
    expect(engine.kb.notice.year).toBe(2024);
    cpSync(makeNotice(2025, { ecommerceMonths: [5, 7] }), join(root, "2025"), { recursive: true });
    const r = await registry.reload();
    expect(r.changed).toBe(true);
    expect(r.notices.map((n) => n.year)).toEqual([2025, 2024]);
    expect(engine.kb.notice.year).toBe(2025);
    expect((await say(engine, "scan", "电子商务师四级几月考"))[0]).toMatch(/2025年计划.*5月、7月/);
  });

  it("a folder that does not validate is refused with its file and path", () => {
    try {
      loadNotices([K2024, join(K2023, "..", "missing")]);
      expect.fail("loaded a missing folder");
    } catch (err) {
      expect((err as KnowledgeError).problems.some((p) => /missing/.test(p.file) && /notice\.yaml/.test(p.file))).toBe(true);
    }
  });
});

describe("a question that names a year", () => {
  const engine = new Engine(loadNotices([K2024, K2023]), { now: () => beijing(2024, 6, 15) });

  it("is answered from the newest notice when it names none", async () => {
    const [a] = await say(engine, "y-1", "电子商务师四级几月考");
    expect(a).toMatch(/2024年计划/);
    expect(a).toMatch(/3月、5月、8月、10月、11月/);
  });

  it("is answered from that year's notice when held, and says which is the newest", async () => {
    const [a, b] = await say(engine, "y-2", "2023年电子商务师四级几月考", "那三级呢");
    expect(a).toMatch(/2023年计划/);
    expect(a).toMatch(/4月、6月、9月/);
    expect(a).not.toMatch(/3月、5月、8月/);
    expect(a).toMatch(/最新的是2024年/);
    // A follow-up stays on the year the conversation is about.
    expect(b).toMatch(/2023年计划/);
    expect(b).toMatch(/三级/);
    expect(b).toMatch(/4月、6月、9月/);
    // A new question is about the newest notice again.
    const [c] = await say(engine, "y-2", "电子商务师二级几月考");
    expect(c).toMatch(/2024年计划/);
    expect(c).toMatch(/3月、5月、8月、10月、11月/);
  });

  it("reads 去年 relative to the newest notice's year", async () => {
    const [a] = await say(engine, "y-3", "去年电子商务师四级多少钱");
    expect(a).toMatch(/2023年/);
    expect(a).toMatch(/180/);
    const [b] = await say(engine, "y-4", "电子商务师四级多少钱");
    expect(b).toMatch(/2024年/);
    expect(b).toMatch(/160/);
  });

  it("says so when the year named is not held, with the years held and the newest", async () => {
    for (const [q, year] of [["2022年电子商务师四级几月考", 2022], ["明年电子商务师几月考", 2025], ["2025年的认定计划出来了吗", 2025]] as const) {
      const [a] = await say(engine, `y-5-${year}-${q.length}`, q);
      expect(a, q).toMatch(new RegExp(`没有${year}年`));
      expect(a, q).toMatch(/2023年、2024年/);
      expect(a, q).toMatch(/最新的是2024年/);
      expect(a, q).not.toMatch(new RegExp(`${year}年\\d{1,2}月`));
    }
  });

  it("does not take a year said of the candidate for a notice", async () => {
    const [a] = await say(engine, "y-6", "去年考的理论过了，今年还能只补技能吗");
    expect(a).not.toMatch(/没有2023年/);
    expect(a).not.toMatch(/以上按2023年/);
    const [b] = await say(engine, "y-7", "我2023年毕业的，电子商务师四级几月考");
    expect(b).toMatch(/3月、5月、8月、10月、11月/);
  });

  it("with one notice held, another year named is said not to be held", async () => {
    const one = new Engine(getKb(), { now: () => beijing(2024, 6, 15) });
    const [a] = await say(one, "y-8", "2025年电子商务师几月考");
    expect(a).toMatch(/没有2025年/);
    expect(a).toMatch(/最新的是2024年/);
    expect(a).toMatch(/jinengpingjia/);
  });
});

describe("下次什么时候考: the newest plan's months from today", () => {
  const at = (y: number, m: number, d: number) => new Engine(loadNotices([K2024, K2023]), { now: () => beijing(y, m, d) });
  const ask = async (engine: Engine, text: string) => (await say(engine, `next-${Math.random()}`, text))[0];

  it("before the plan's year: every month, the first named", async () => {
    const a = await ask(at(2023, 11, 10), "电子商务师四级下次什么时候考");
    expect(a).toMatch(/3月、5月、8月、10月、11月/);
    expect(a).toMatch(/最近的一次在2024年3月/);
  });

  it("between the plan's months: the months past are not offered as the next date", async () => {
    const a = await ask(at(2024, 6, 15), "电子商务师四级下次什么时候考");
    expect(a).toMatch(/接下来的认定月份是 8月、10月、11月/);
    expect(a).toMatch(/3月、5月的已经过去/);
    expect(a).not.toMatch(/接下来的认定月份是 [^（]*(?<!1)[35]月/);
    // This month is offered with a word that its day may have gone.
    const b = await ask(at(2024, 8, 20), "电子商务师四级下一次几月");
    expect(b).toMatch(/接下来的认定月份是 8月、10月、11月/);
    expect(b).toMatch(/本月（8月）/);
  });

  it("with no occupation: the months still ahead in the whole plan, and how to ask for one", async () => {
    const a = await ask(at(2024, 6, 15), "下次什么时候考");
    expect(a).toMatch(/接下来的认定月份是 6月、7月、8月、9月、10月、11月、12月/);
    expect(a).toMatch(/电子商务师四级下次什么时候考/);
  });

  it("after the plan's months: says they have passed and points to the platform and hotline, never inventing a month", async () => {
    for (const [y, m] of [[2024, 12, 20], [2026, 3, 1]] as const) {
      const a = await ask(at(y, m, 1), "电子商务师四级下次什么时候考");
      expect(a).toMatch(/都已过去/);
      expect(a).toMatch(/jinengpingjia/);
      expect(a).toMatch(/400/);
      expect(a.replace(/今天是\d{4}年\d{1,2}月/, "")).not.toMatch(/20(25|26|27)年\d{1,2}月/);
      expect(a).toMatch(/2024年计划/);
    }
  });

  it("counts the newest plan even after a question about an older year", async () => {
    const engine = at(2024, 6, 15);
    const [, b] = await say(engine, "next-old", "2023年电子商务师四级几月考", "那下次什么时候考");
    expect(b).toMatch(/按2024年计划/);
    expect(b).not.toMatch(/以上按2023年/);
  });
});
