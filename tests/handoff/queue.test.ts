/** The hand-off queue on each store: queueing, places, one winner when two staff take at once, transcripts, callbacks. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryDocs, RedisDocs, SqliteDocs, type DocStore } from "../../src/handoff/docs.js";
import { HandoffQueue, maskPhone } from "../../src/handoff/queue.js";
import { clock, isStaffed, parseDays, parseHours, shanghaiClock } from "../../src/handoff/hours.js";
import { redisReachable } from "../store/redis-env.js";

const REDIS = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const up = await redisReachable(REDIS);
const requireRedis = process.env.REQUIRE_REDIS === "1";

const dir = mkdtempSync(join(tmpdir(), "handoff-"));
const dbs: Database.Database[] = [];
const redises: Redis[] = [];
const PREFIX = `test:handoff:${process.pid}:${Date.now()}:`;
afterAll(async () => {
  for (const db of dbs) db.close();
  for (const r of redises) {
    const keys = await r.keys(`${PREFIX}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const backends: [string, () => DocStore][] = [
  ["memory", () => new MemoryDocs()],
  ["sqlite", () => {
    const db = new Database(join(dir, `h${++n}.db`));
    dbs.push(db);
    return new SqliteDocs(db);
  }],
];
if (up || requireRedis) {
  backends.push(["redis", () => {
    const r = new Redis(REDIS, { lazyConnect: false, maxRetriesPerRequest: 1 });
    redises.push(r);
    return new RedisDocs(r, `${PREFIX}${++n}:`);
  }]);
}

describe.each(backends)("the hand-off queue on %s", (_name, make) => {
  it("queues a conversation once, with its place in the queue", async () => {
    let t = 1_000;
    const q = new HandoffQueue(make(), { now: () => t++ });
    const a = await q.open("http:a", "web");
    const b = await q.open("wx:b", "wechat");
    const again = await q.open("http:a", "web");
    expect(a.position).toBe(1);
    expect(b.position).toBe(2);
    expect(again.handoff.id).toBe(a.handoff.id);
    expect((await q.list()).map((h) => h.conversation)).toEqual(["http:a", "wx:b"]);
    expect((await q.current("http:a"))?.status).toBe("waiting");
  });

  it("lets one of two staff take a conversation at the same moment", async () => {
    const q = new HandoffQueue(make());
    const { handoff } = await q.open("http:race", "web");
    const results = await Promise.all([q.take(handoff.id, "zhang"), q.take(handoff.id, "li"), q.take(handoff.id, "wang")]);
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "taken")).toHaveLength(2);
    const h = await q.get(handoff.id);
    expect(h?.status).toBe("active");
    expect(await q.take(handoff.id, h!.takenBy!)).toBe("ok");
    expect(await q.take("no-such-id", "zhang")).toBe("missing");
  });

  it("gives the conversation back on close, and a new request queues it again", async () => {
    const q = new HandoffQueue(make());
    const { handoff } = await q.open("http:c", "web");
    await q.take(handoff.id, "zhang");
    expect(await q.close(handoff.id)).toBe(true);
    expect(await q.close(handoff.id)).toBe(false);
    expect(await q.current("http:c")).toBeUndefined();
    expect(await q.take(handoff.id, "li")).toBe("closed");
    const again = await q.open("http:c", "web");
    expect(again.handoff.id).not.toBe(handoff.id);
    expect((await q.list()).find((h) => h.id === handoff.id)?.status).toBe("closed");
  });

  it("keeps the transcript in order, masks what candidates type, and reads after a sequence number", async () => {
    const q = new HandoffQueue(make());
    const events: string[] = [];
    q.subscribe((e) => e.type === "message" && events.push(e.entry.text));
    await q.record("http:t", { at: 1, from: "candidate", text: "转人工，我的电话13812345678" });
    const s2 = await q.record("http:t", { at: 2, from: "bot", text: "已为您转接人工客服" });
    await q.record("http:t", { at: 3, from: "staff", text: "您好，我是张老师", by: "zhang" });
    const all = await q.transcript("http:t");
    expect(all.map((r) => r.entry.from)).toEqual(["candidate", "bot", "staff"]);
    expect(all[0].entry.text).not.toContain("13812345678");
    expect((await q.transcript("http:t", s2)).map((r) => r.entry.text)).toEqual(["您好，我是张老师"]);
    expect(events).toHaveLength(3);
  });

  it("keeps after-hours messages masked in the list and whole for the one who opens them, then deletes them", async () => {
    let t = 0;
    const q = new HandoffQueue(make(), { now: () => t, retentionMs: 1000 });
    const c = await q.leaveMessage("oa:x", "official-account", "我想问补考", "13812345678");
    const [listed] = await q.callbacks();
    expect(listed.phone).toBe("138****5678");
    const opened = await q.openCallback(c.id, "zhang");
    expect(opened?.phone).toBe("13812345678");
    expect(opened?.openedBy).toBe("zhang");
    t = 5000;
    expect(await q.purge()).toBe(1);
    expect(await q.callbacks()).toEqual([]);
    expect(await q.openCallback(c.id, "zhang")).toBeUndefined();
  });
});

describe("the hand-off queue on SQLite across a restart", () => {
  it("keeps waiting and active conversations and their transcripts", async () => {
    const file = join(dir, "restart.db");
    const db1 = new Database(file);
    const q1 = new HandoffQueue(new SqliteDocs(db1));
    const { handoff } = await q1.open("http:r", "web");
    await q1.take(handoff.id, "zhang");
    await q1.record("http:r", { at: 1, from: "staff", text: "您好", by: "zhang" });
    db1.close();
    const db2 = new Database(file);
    dbs.push(db2);
    const q2 = new HandoffQueue(new SqliteDocs(db2));
    expect((await q2.current("http:r"))?.takenBy).toBe("zhang");
    expect((await q2.transcript("http:r")).map((r) => r.entry.text)).toEqual(["您好"]);
  });
});

describe("staffed hours", () => {
  it("reads the notice's hours and weekdays", () => {
    expect(parseHours("8:30-17:30")).toEqual({ open: 510, close: 1050 });
    expect(parseHours("9:00至17:00")).toEqual({ open: 540, close: 1020 });
    expect(parseHours("00:00-24:00")).toEqual({ open: 0, close: 1440 });
    expect(parseHours("17:30-8:30")).toBeUndefined();
    expect(parseHours("全天")).toBeUndefined();
    expect([...parseDays("1-5")!]).toEqual([1, 2, 3, 4, 5]);
    expect(parseDays("0-8")).toBeUndefined();
    expect(clock(510)).toBe("8:30");
  });

  it("counts in Asia/Shanghai time", () => {
    const hours = { ...parseHours("8:30-17:30")!, days: parseDays("1-5")! };
    // 2026-12-04 is a Friday; 00:40 UTC is 08:40 in Shanghai, 09:40 UTC is 17:40.
    expect(shanghaiClock(Date.UTC(2026, 11, 4, 0, 40)).weekday).toBe(5);
    expect(isStaffed(hours, Date.UTC(2026, 11, 4, 0, 40))).toBe(true);
    expect(isStaffed(hours, Date.UTC(2026, 11, 4, 0, 20))).toBe(false);
    expect(isStaffed(hours, Date.UTC(2026, 11, 4, 9, 40))).toBe(false);
    expect(isStaffed(hours, Date.UTC(2026, 11, 5, 2, 0))).toBe(false); // Saturday
  });

  it("masks a callback number", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("010-68662352")).toBe("010****2352");
  });
});
