/** Behaviour every SessionStore and UnansweredLog shares, run against each implementation. */
import { expect, it } from "vitest";
import { SESSION_VERSION, type Session, type SessionStore } from "../../src/engine/session.js";
import { MAX_UNANSWERED_TEXT, type UnansweredEntry, type UnansweredLog } from "../../src/engine/unanswered.js";

export const EXPECTED_SESSION: Session = {
  v: SESSION_VERSION,
  occupation: "电子商务师",
  level: 4,
  lastIntent: "eligibility",
  suggestions: ["fee", "schedule"],
  dialog: { v: 1, facts: { occupation: "电子商务师", level: 4, yearsInField: 3 }, asking: "certificate", history: [{}, { occupation: "电子商务师" }] },
  updatedAt: 1_700_000_000_000,
};

/** Entries are stamped a minute ago plus `at` ms: the log deletes what is older than its retention period. */
export const T0 = Date.now() - 60_000;

export const entry = (text: string, at = 1, more: Partial<UnansweredEntry> = {}): UnansweredEntry => ({
  at: T0 + at,
  userId: "u-1",
  channel: "http",
  text,
  intent: "fallback",
  confidence: 0.2,
  kind: "fallback",
  ...more,
});

/** Round trip, overwrite, delete and odd ids; `fresh` gives an empty store. */
export function sessionStoreContract(fresh: () => SessionStore): void {
  it("should give back what was stored, as an equal copy", async () => {
    const store = fresh();
    await store.set("u1", EXPECTED_SESSION);
    const got = await store.get("u1");
    expect(got).toEqual(EXPECTED_SESSION);
    expect(got).not.toBe(EXPECTED_SESSION);
  });

  it("should overwrite, delete and miss cleanly", async () => {
    const store = fresh();
    expect(await store.get("nobody")).toBeUndefined();
    await store.set("u2", { v: 1, updatedAt: 1 });
    await store.set("u2", { v: 1, occupation: "供应链管理师", updatedAt: 2 });
    expect(await store.get("u2")).toEqual({ v: 1, occupation: "供应链管理师", updatedAt: 2 });
    await store.delete("u2");
    expect(await store.get("u2")).toBeUndefined();
    await store.delete("u2");
  });

  it("should keep ids and values with quotes, emoji, control characters and lone surrogates apart", async () => {
    const store = fresh();
    const ids = ["wx:o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "a'b\"c", "😀 \u0000\n", "%_*?[]", "\ud800x", "".padEnd(500, "长")];
    for (const [i, id] of ids.entries()) await store.set(id, { v: 1, lastIntent: `${id}#${i}`, updatedAt: i });
    for (const [i, id] of ids.entries()) expect((await store.get(id))?.lastIntent).toBe(`${id}#${i}`);
  });
}

/** Newest first, limit, handled marks. */
export function unansweredContract(fresh: () => UnansweredLog): void {
  it("should list the newest entries first, up to the limit, with handled marks", async () => {
    const log = fresh();
    for (let i = 1; i <= 5; i++) await log.record(entry(`问题${i}`, i));
    const recent = await log.recent(3);
    expect(recent.map((e) => e.text)).toEqual(["问题5", "问题4", "问题3"]);
    expect(recent.every((e) => !e.handled)).toBe(true);
    expect(recent[0]).toMatchObject({ userId: "u-1", channel: "http", intent: "fallback", confidence: 0.2, kind: "fallback", at: T0 + 5 });
    await log.markHandled([recent[0].id, recent[2].id, 999_999]);
    const after = await log.recent(10);
    expect(after).toHaveLength(5);
    expect(after.filter((e) => e.handled).map((e) => e.text)).toEqual(["问题5", "问题3"]);
    expect(await log.recent(0)).toEqual([]);
  });

  it("should store questions normalised, masked and clipped, and mask a user id that is a phone number", async () => {
    const log = fresh();
    await log.record(entry("我的手机１３８　１２３４　５６７８，身份证1101011990 0307 1234，邮箱 zhang.san@example.com", 1, { userId: "http:13812345678" }));
    await log.record(entry("长".repeat(5_000), 2));
    const [long, personal] = await log.recent(2);
    expect(personal.text).toBe("我的手机138****5678,身份证110***********1234,邮箱 z***@example.com");
    expect(personal.userId).toBe("http:138****5678");
    expect(long.text.length).toBeLessThanOrEqual(MAX_UNANSWERED_TEXT + 1);
    const page = await log.groups({ page: 1, limit: 10 });
    expect(JSON.stringify(page)).not.toMatch(/12345678|19900307|zhang/);
  });

  it("should group as entries are written, and list one page of groups at a time with the total", async () => {
    const log = fresh();
    await log.record(entry("请问证书怎么领？", 1));
    await log.record(entry("今天天气怎么样", 2));
    await log.record(entry("证书怎么领啊", 3, { channel: "wechat", kind: "handoff" }));
    for (let i = 0; i < 23; i++) await log.record(entry(`第${i}个没听懂的问题`, 10 + i));
    const first = await log.groups({ page: 1, limit: 10 });
    expect(first).toMatchObject({ total: 25, openGroups: 25, page: 1, limit: 10 });
    expect(first.groups).toHaveLength(10);
    expect(first.groups[0].text).toBe("第22个没听懂的问题");
    const last = await log.groups({ page: 3, limit: 10 });
    expect(last.groups.map((g) => g.text)).toEqual(["第2个没听懂的问题", "第1个没听懂的问题", "第0个没听懂的问题", "证书怎么领啊", "今天天气怎么样"]);
    const cert = last.groups[3];
    expect(cert).toMatchObject({ count: 2, open: 2, handled: false, variants: ["请问证书怎么领?"], firstSeen: T0 + 1, lastSeen: T0 + 3, kinds: { fallback: 1, handoff: 1 } });
    expect([...cert.channels].sort()).toEqual(["http", "wechat"]);
    expect((await log.groups({ page: 9, limit: 10 })).groups).toEqual([]);
  });

  it("should group the same intent about the same things, and keep other things apart", async () => {
    const log = fresh();
    const e = (text: string, at: number, occupation: string) =>
      entry(text, at, { intent: "fee", confidence: 0.3, kind: "low_confidence", entities: { occupation, residency: [] } as never });
    await log.record(e("电商师考试多少钱", 1, "电子商务师"));
    await log.record(e("电子商务师的费用呢", 2, "电子商务师"));
    await log.record(e("供应链管理师收费标准", 3, "供应链管理师"));
    const { groups, total } = await log.groups({ page: 1, limit: 10 });
    expect(total).toBe(2);
    expect(groups[1]).toMatchObject({ count: 2, intent: "fee", entities: { occupation: "电子商务师" } });
  });

  it("should mark a group handled by its newest entry, and bring it back when asked again", async () => {
    const log = fresh();
    await log.record(entry("证书怎么领", 1));
    await log.record(entry("证书怎么领呢", 2));
    await log.record(entry("今天天气怎么样", 3));
    const before = await log.groups({ page: 1, limit: 10 });
    const cert = before.groups.find((g) => g.count === 2)!;
    await log.markHandled(cert.ids);
    const open = await log.groups({ page: 1, limit: 10 });
    expect(open).toMatchObject({ total: 1, openGroups: 1 });
    const all = await log.groups({ page: 1, limit: 10, all: true });
    expect(all.total).toBe(2);
    expect(all.groups.find((g) => g.id === cert.id)).toMatchObject({ handled: true, open: 0, count: 2 });
    await log.record(entry("请问证书怎么领", 4));
    const back = (await log.groups({ page: 1, limit: 10 })).groups.find((g) => g.id === cert.id);
    expect(back).toMatchObject({ handled: false, open: 1, count: 3 });
  });

  it("should not mark a group asked again after it was listed", async () => {
    const log = fresh();
    await log.record(entry("证书怎么领", 1));
    const [listed] = (await log.groups({ page: 1, limit: 10 })).groups;
    await log.record(entry("证书怎么领呢", 2));
    await log.markHandled(listed.ids);
    expect((await log.groups({ page: 1, limit: 10 })).groups[0]).toMatchObject({ id: listed.id, open: 2, handled: false });
  });
}
