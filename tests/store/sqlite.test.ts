import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SQLITE_FILE, SqliteDb, clip, MAX_LOGGED_TEXT } from "../../src/store/sqlite.js";
import { createStores } from "../../src/store/index.js";
import { makeEngine, say } from "../helpers.js";
import { EXPECTED_SESSION, entry, sessionStoreContract, unansweredContract } from "./contract.js";

const root = mkdtempSync(join(tmpdir(), "zhineng-sqlite-"));
const opened: SqliteDb[] = [];
let n = 0;
const open = (options: Partial<ConstructorParameters<typeof SqliteDb>[0]> = {}) => {
  const db = new SqliteDb({ dir: join(root, `db-${++n}`), ttlMs: 60_000, purgeEveryMs: 0, ...options });
  opened.push(db);
  return db;
};

afterAll(async () => {
  for (const db of opened) await db.close();
  rmSync(root, { recursive: true, force: true });
});

describe("SqliteSessionStore", () => {
  sessionStoreContract(() => open().sessions);

  it("should create the data directory and one WAL-mode database file in it", async () => {
    const dir = join(root, "nested", "data");
    const db = open({ dir });
    await db.sessions.set("u", EXPECTED_SESSION);
    expect(db.file).toBe(join(dir, SQLITE_FILE));
    expect(db.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(existsSync(`${db.file}-wal`)).toBe(true);
    expect(statSync(`${db.file}-wal`).size).toBeGreaterThan(0);
  });

  it("should keep sessions across close and reopen, and fold the WAL into the file on close", async () => {
    const dir = join(root, "reopen");
    const first = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0 });
    await first.sessions.set("u", EXPECTED_SESSION);
    await first.close();
    expect(existsSync(join(dir, `${SQLITE_FILE}-wal`)) ? statSync(join(dir, `${SQLITE_FILE}-wal`)).size : 0).toBe(0);
    const second = open({ dir });
    expect(await second.sessions.get("u")).toEqual(EXPECTED_SESSION);
  });

  it("should expire a session on read after its time to live, and renew it on write", async () => {
    let now = 1_000;
    const db = open({ ttlMs: 100, now: () => now });
    await db.sessions.set("old", EXPECTED_SESSION);
    await db.sessions.set("renewed", EXPECTED_SESSION);
    now = 1_050;
    await db.sessions.set("renewed", EXPECTED_SESSION);
    now = 1_100;
    expect(await db.sessions.get("old")).toBeUndefined();
    expect(await db.sessions.get("renewed")).toEqual(EXPECTED_SESSION);
    now = 1_150;
    expect(await db.sessions.get("renewed")).toBeUndefined();
  });

  it("should delete expired sessions in the periodic purge", async () => {
    let now = 0;
    const db = open({ ttlMs: 100, now: () => now });
    for (let i = 0; i < 10; i++) await db.sessions.set(`u${i}`, EXPECTED_SESSION);
    now = 50;
    await db.sessions.set("fresh", EXPECTED_SESSION);
    now = 120;
    expect(db.purge()).toBe(10);
    expect(db.sessions.count()).toBe(1);
    expect(db.db.prepare("SELECT count(*) AS n FROM sessions").get()).toEqual({ n: 1 });
    // More than one batch.
    for (let i = 0; i < 2_500; i++) await db.sessions.set(`many${i}`, EXPECTED_SESSION);
    now = 500;
    expect(db.purge()).toBe(2_501);
  });

  it("should checkpoint the WAL into the database file from its worker thread", async () => {
    const errors: Error[] = [];
    const db = open({ checkpointEveryMs: 50, onCheckpointError: (e) => void errors.push(e) });
    expect(db.db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    await db.sessions.set("checkpointed", EXPECTED_SESSION);
    // The database file alone (without its -wal) holds the session once a checkpoint ran.
    const copy = join(root, "checkpoint-copy");
    let found = false;
    for (let i = 0; i < 100 && !found; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rmSync(copy, { recursive: true, force: true });
      mkdirSync(copy);
      copyFileSync(db.file, join(copy, SQLITE_FILE));
      const reader = new SqliteDb({ dir: copy, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
      found = (await reader.sessions.get("checkpointed")) !== undefined;
      await reader.close();
    }
    expect(found).toBe(true);
    expect(errors).toEqual([]);
  });

  it("should commit the sessions of turns that finish together in one go, before any of their turns goes on", async () => {
    const db = open();
    const reader = new SqliteDb({ dir: join(root, `db-${n}`), ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
    try {
      const ids = ["g1", "g2", "g3", "g4", "g5"];
      const writes = ids.map((id) => db.sessions.set(id, { ...EXPECTED_SESSION, lastIntent: id }));
      // Not committed yet, but read back by this store as written.
      expect(await reader.sessions.get("g1")).toBeUndefined();
      expect((await db.sessions.get("g3"))?.lastIntent).toBe("g3");
      const seen = await Promise.all(writes.map((w, i) => w.then(() => reader.sessions.get(ids[i]))));
      expect(seen.map((x) => x?.lastIntent)).toEqual(ids);
      expect(new Set(writes).size).toBe(1);
    } finally {
      await reader.close();
    }
  });

  it("should keep the newest of two writes of one session in a group commit, and a delete in between", async () => {
    const db = open();
    const first = db.sessions.set("twice", { v: 1, lastIntent: "first", updatedAt: 1 });
    const second = db.sessions.set("twice", { v: 1, lastIntent: "second", updatedAt: 2 });
    await Promise.all([first, second]);
    expect((await db.sessions.get("twice"))?.lastIntent).toBe("second");
    const gone = db.sessions.set("gone", { v: 1, updatedAt: 1 });
    await db.sessions.delete("gone");
    await gone;
    expect(await db.sessions.get("gone")).toBeUndefined();
  });

  it("should reject every turn of a failed group commit, write none of it, and commit the next one", async () => {
    const db = open();
    db.db.exec("CREATE TEMP TRIGGER poison BEFORE INSERT ON sessions WHEN NEW.id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    const batch = [db.sessions.set("innocent", EXPECTED_SESSION), db.sessions.set("poison", EXPECTED_SESSION)];
    for (const w of batch) await expect(w).rejects.toThrow(/poisoned row/);
    expect(db.db.prepare("SELECT count(*) AS n FROM sessions").get()).toEqual({ n: 0 });
    await db.sessions.set("later", EXPECTED_SESSION);
    expect(await db.sessions.get("later")).toEqual(EXPECTED_SESSION);
  });

  it("should commit the sessions still waiting for their group commit when it closes", async () => {
    const dir = join(root, "close-pending");
    const db = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0 });
    const write = db.sessions.set("pending", EXPECTED_SESSION);
    await db.close();
    await write;
    await expect(db.sessions.set("after", EXPECTED_SESSION)).rejects.toThrow(/closed/);
    const again = open({ dir });
    expect(await again.sessions.get("pending")).toEqual(EXPECTED_SESSION);
  });

  it("should store one expiry for the turns of a conversation within 1% of the time to live", async () => {
    let now = 1_000;
    const ttlMs = 60 * 60_000;
    const db = open({ ttlMs, now: () => now });
    const expires = () => (db.db.prepare("SELECT expires FROM sessions WHERE id = 'talk'").get() as { expires: number }).expires;
    await db.sessions.set("talk", EXPECTED_SESSION);
    const first = expires();
    expect(first).toBeGreaterThanOrEqual(now + ttlMs);
    expect(first).toBeLessThanOrEqual(now + ttlMs + ttlMs / 100);
    now = 20_000;
    await db.sessions.set("talk", EXPECTED_SESSION);
    expect(expires()).toBe(first);
    now = 40_000;
    await db.sessions.set("talk", EXPECTED_SESSION);
    expect(expires()).toBeGreaterThanOrEqual(now + ttlMs);
    // Never less than the time to live after the last write, at most a minute more (a day's time to live).
    const day = open({ ttlMs: 24 * 3_600_000, now: () => now });
    await day.sessions.set("long", EXPECTED_SESSION);
    const long = (day.db.prepare("SELECT expires FROM sessions WHERE id = 'long'").get() as { expires: number }).expires;
    expect(long - (now + 24 * 3_600_000)).toBeGreaterThanOrEqual(0);
    expect(long - (now + 24 * 3_600_000)).toBeLessThanOrEqual(60_000);
  });

  it("should read a corrupt row as no session", async () => {
    const db = open();
    db.db.prepare("INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?)").run("bad", "{not json", Date.now() + 60_000);
    db.db.prepare("INSERT INTO sessions (id, data, expires) VALUES (?, ?, ?)").run("array", "[1,2]", Date.now() + 60_000);
    expect(await db.sessions.get("bad")).toBeUndefined();
    expect(await db.sessions.get("array")).toBeUndefined();
  });

  it("should refuse a database written by a newer schema, naming the fix", async () => {
    const dir = join(root, "newer");
    const db = new SqliteDb({ dir, ttlMs: 1, purgeEveryMs: 0 });
    db.db.pragma("user_version = 99");
    await db.close();
    expect(() => new SqliteDb({ dir, ttlMs: 1, purgeEveryMs: 0 })).toThrow(/DATA_DIR/);
  });
});

describe("SqliteUnansweredLog", () => {
  unansweredContract(() => open().unanswered);

  it("should keep only the newest entries after a purge", async () => {
    const db = open({ maxUnanswered: 3 });
    for (let i = 1; i <= 7; i++) db.unanswered.record(entry(`q${i}`, i));
    db.purge();
    expect((await db.unanswered.recent(10)).map((e) => e.text)).toEqual(["q7", "q6", "q5"]);
  });

  it("should cut a 100 KB question without splitting a surrogate pair", async () => {
    const db = open();
    db.unanswered.record(entry("😀".repeat(50_000)));
    const [e] = await db.unanswered.recent(1);
    expect(e.text.length).toBeLessThanOrEqual(MAX_LOGGED_TEXT + 1);
    expect(e.text.endsWith("😀…")).toBe(true);
    expect(clip("a".repeat(MAX_LOGGED_TEXT - 1) + "😀")).toBe(`${"a".repeat(MAX_LOGGED_TEXT - 1)}…`);
  });

  it("should turn a failed write into a rejection the engine logs, never a failed turn", async () => {
    const db = open();
    db.db.exec("DROP TABLE unanswered");
    let failed: void | Promise<void> = undefined;
    expect(() => (failed = db.unanswered.record(entry("x")))).not.toThrow();
    await expect(failed).rejects.toThrow(/unanswered/);
    const logged: object[] = [];
    const engine = makeEngine({ store: db.sessions, unanswered: db.unanswered, logger: { info: () => {}, error: (o) => void logged.push(o) } });
    const r = await engine.turn("broken-log", "今天天气怎么样呀哈哈");
    expect(r.status).toBe("fallback");
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toEqual([{ err: expect.stringMatching(/unanswered/) }]);
  });

  it("should drop a record that races close instead of throwing", async () => {
    const db = open();
    await db.close();
    expect(() => db.unanswered.record(entry("late"))).not.toThrow();
  });
});

describe("createStores", () => {
  it("should choose sqlite under DATA_DIR by default and memory on request", async () => {
    const dir = join(root, "factory");
    const sqlite = await createStores({ SESSION_STORE: "sqlite", SESSION_TTL_MINUTES: 5, DATA_DIR: dir, REDIS_URL: undefined });
    expect(sqlite.kind).toBe("sqlite");
    expect(sqlite.location).toBe(join(dir, SQLITE_FILE));
    await sqlite.sessions.set("u", EXPECTED_SESSION);
    await sqlite.close();
    await sqlite.close();
    const memory = await createStores({ SESSION_STORE: "memory", SESSION_TTL_MINUTES: 5, DATA_DIR: join(root, "unused"), REDIS_URL: undefined });
    expect(memory.kind).toBe("memory");
    expect(existsSync(join(root, "unused"))).toBe(false);
    await memory.close();
  });

  it("should carry an engine's dialog and unanswered log over a reopen of the database", async () => {
    const dir = join(root, "engine");
    const config = { SESSION_STORE: "sqlite", SESSION_TTL_MINUTES: 5, DATA_DIR: dir, REDIS_URL: undefined } as const;
    const first = await createStores(config);
    const before = makeEngine({ store: first.sessions, unanswered: first.unanswered });
    const [, level] = await say(before, "w1", "资格自测", "1");
    expect(level).toContain("想报哪个等级");
    const fallback = await before.turn("w2", "今天天气怎么样呀哈哈");
    expect(fallback.status).toBe("fallback");
    await first.close();

    const second = await createStores(config);
    const after = makeEngine({ store: second.sessions, unanswered: second.unanswered });
    const [years] = await say(after, "w1", "四级");
    expect(years).toContain("累计从事本职业或相关职业工作几年了");
    expect((await second.unanswered.recent(5)).map((e) => e.text)).toContain("今天天气怎么样呀哈哈");
    await second.close();
  });
});
