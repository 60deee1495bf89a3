/** The web chat's transcript and feedback behave alike in memory, in SQLite and in Redis. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { MAX_TURNS, MemoryChatLog, type ChatLog, type TranscriptTurn } from "../../src/engine/chat-log.js";
import { SqliteDb } from "../../src/store/sqlite.js";
import { SqliteChatLog } from "../../src/store/chat-log-sqlite.js";
import { RedisChatLog } from "../../src/store/chat-log-redis.js";

const turn = (turnId: string, text: string, intent = "fee"): TranscriptTurn => ({
  turnId,
  at: Date.now(),
  text,
  intent,
  status: "answered",
  reply: { parts: [`答：${text}`], options: [], source: "（依据：2024年认定通知 附件2）", links: [] },
});

function contract(name: string, make: () => Promise<{ log: ChatLog; done: () => Promise<void> }>) {
  describe(name, () => {
    it("keeps a conversation's last turns in order, masked, apart from other conversations", async () => {
      const { log, done } = await make();
      try {
        const conv = `web:${randomBytes(6).toString("hex")}`;
        for (let i = 0; i < MAX_TURNS + 5; i++) await log.append(conv, turn(`${conv}-${i}`, i === MAX_TURNS + 4 ? "电话13812345678" : `问题${i}`));
        await log.append(`${conv}-other`, turn(`${conv}-x`, "别人的问题"));
        const h = await log.history(conv);
        expect(h).toHaveLength(MAX_TURNS);
        expect(h[0].text).toBe("问题5");
        expect(h.at(-1)!.text).toBe("电话138****5678");
        expect(h.at(-1)!.reply.parts).toEqual(["答：电话13812345678"]);
        expect((await log.history(conv, 3)).map((t) => t.text)).toEqual(["问题52", "问题53", "电话138****5678"]);
        await log.clear(conv);
        expect(await log.history(conv)).toEqual([]);
        expect(await log.history(`${conv}-other`)).toHaveLength(1);
      } finally {
        await done();
      }
    });

    it("stores 👍/👎 for a turn of the conversation only, replacing an earlier one, and counts per intent", async () => {
      const { log, done } = await make();
      try {
        const conv = `web:${randomBytes(6).toString("hex")}`;
        const intent = `intent-${randomBytes(4).toString("hex")}`;
        await log.append(conv, turn(`${conv}-a`, "一", intent));
        await log.append(conv, turn(`${conv}-b`, "二", intent));
        expect(await log.feedback(conv, `${conv}-a`, "down")).toBe(true);
        expect(await log.feedback(conv, `${conv}-a`, "up")).toBe(true);
        expect(await log.feedback(conv, `${conv}-b`, "up")).toBe(true);
        expect(await log.feedback("web:someone-else", `${conv}-a`, "down")).toBe(false);
        expect(await log.feedback(conv, "no-such-turn", "down")).toBe(false);
        expect((await log.history(conv)).map((t) => t.feedback)).toEqual(["up", "up"]);
        expect((await log.feedbackCounts()).find((c) => c.intent === intent)).toEqual({ intent, up: 2, down: 0 });
        // Counted after the transcript is gone (新对话).
        await log.clear(conv);
        expect((await log.feedbackCounts()).find((c) => c.intent === intent)).toEqual({ intent, up: 2, down: 0 });
      } finally {
        await done();
      }
    });

    it("keeps turns appended together (many conversations answered at once) each in its conversation and in order", async () => {
      const { log, done } = await make();
      try {
        const base = `web:${randomBytes(6).toString("hex")}`;
        const appends: Promise<void>[] = [];
        // Not awaited one by one: the appends of one moment, more than a transcript keeps for the first conversation.
        for (let i = 0; i < MAX_TURNS + 3; i++) appends.push(log.append(`${base}-0`, turn(`${base}-0-${i}`, `问题${i}`)));
        for (let c = 1; c <= 4; c++) appends.push(log.append(`${base}-${c}`, turn(`${base}-${c}-0`, `第${c}位的问题`)));
        // Read and cleared before the appends are awaited: what was appended before is there (and gone after clear).
        expect((await log.history(`${base}-2`)).map((t) => t.text)).toEqual(["第2位的问题"]);
        await log.clear(`${base}-3`);
        await Promise.all(appends);
        const h = await log.history(`${base}-0`);
        expect(h).toHaveLength(MAX_TURNS);
        expect(h[0].text).toBe("问题3");
        expect(h.at(-1)!.text).toBe(`问题${MAX_TURNS + 2}`);
        expect(await log.history(`${base}-3`)).toEqual([]);
        expect((await log.history(`${base}-4`)).map((t) => t.text)).toEqual(["第4位的问题"]);
        expect(await log.feedback(`${base}-1`, `${base}-1-0`, "up")).toBe(true);
      } finally {
        await done();
      }
    });
  });
}

contract("in memory", async () => ({ log: new MemoryChatLog(), done: async () => {} }));

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
contract("in SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "zhineng-chatlog-"));
  dirs.push(dir);
  const db = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
  const log = new SqliteChatLog(db.db, 60_000);
  return { log, done: async () => { await log.close(); await db.close(); } };
});

it("SQLite: a turn appended just before the service stops is stored", async () => {
  const dir = mkdtempSync(join(tmpdir(), "zhineng-chatlog-"));
  dirs.push(dir);
  const db = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
  const log = new SqliteChatLog(db.db, 60_000);
  const appended = log.append("web:closing", turn("closing-1", "最后一句"));
  await log.close();
  await db.close();
  await appended;
  const again = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
  try {
    expect((await new SqliteChatLog(again.db, 60_000).history("web:closing")).map((t) => t.text)).toEqual(["最后一句"]);
  } finally {
    await again.close();
  }
});

const redisUp = await (async () => {
  const r = new Redis("redis://127.0.0.1:6379", { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
})();
describe.skipIf(!redisUp)("Redis", () => {
  contract("in Redis", async () => {
    const prefix = `test:chatlog:${randomBytes(6).toString("hex")}:`;
    const redis = new Redis("redis://127.0.0.1:6379");
    const log = new RedisChatLog(redis, prefix, 60_000);
    return {
      log,
      done: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      },
    };
  });
});
