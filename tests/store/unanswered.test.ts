/**
 * The unanswered log's personal-data rules in every store: the memory log against the shared contract, the retention
 * period (UNANSWERED_RETENTION_DAYS) in memory and SQLite, and the SQLite files created private (0600, the directory
 * 0700).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DAY_MS, MemoryUnansweredLog } from "../../src/engine/unanswered.js";
import { SqliteDb, SQLITE_FILE } from "../../src/store/sqlite.js";
import { loadConfig } from "../../src/config.js";
import { entry, T0, unansweredContract } from "./contract.js";

const root = mkdtempSync(join(tmpdir(), "zhineng-unanswered-"));
const open: SqliteDb[] = [];
afterAll(async () => {
  for (const db of open) await db.close();
  rmSync(root, { recursive: true, force: true });
});

describe("MemoryUnansweredLog", () => {
  unansweredContract(() => new MemoryUnansweredLog());
});

describe("retention (UNANSWERED_RETENTION_DAYS)", () => {
  it("is 90 days by default, validated by the configuration", () => {
    expect(loadConfig({}).UNANSWERED_RETENTION_DAYS).toBe(90);
    expect(loadConfig({ UNANSWERED_RETENTION_DAYS: "30" }).UNANSWERED_RETENTION_DAYS).toBe(30);
    expect(() => loadConfig({ UNANSWERED_RETENTION_DAYS: "0" })).toThrow(/UNANSWERED_RETENTION_DAYS/);
    expect(() => loadConfig({ UNANSWERED_RETENTION_DAYS: "abc" })).toThrow(/UNANSWERED_RETENTION_DAYS/);
  });

  it("drops entries and groups older than the period from the memory log", async () => {
    let now = T0 + 1_000;
    const log = new MemoryUnansweredLog(10_000, 30 * DAY_MS, () => now);
    log.record(entry("证书怎么领", 0));
    log.record(entry("今天天气怎么样", 500));
    now = T0 + 30 * DAY_MS + 100;
    expect((await log.recent(10)).map((e) => e.text)).toEqual(["今天天气怎么样"]);
    expect((await log.groups({ page: 1, limit: 10 })).groups.map((g) => g.text)).toEqual(["今天天气怎么样"]);
    now = T0 + 31 * DAY_MS;
    expect(await log.recent(10)).toEqual([]);
    expect((await log.groups({ page: 1, limit: 10, all: true })).total).toBe(0);
  });

  it("deletes entries and groups older than the period from SQLite on its periodic purge", async () => {
    let now = T0 + 1_000;
    const db = new SqliteDb({ dir: join(root, "retention"), ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0, unansweredRetentionMs: 30 * DAY_MS, now: () => now });
    open.push(db);
    db.unanswered.record(entry("证书怎么领", 0));
    db.unanswered.record(entry("今天天气怎么样", 500));
    now = T0 + 30 * DAY_MS + 100;
    db.purge();
    expect((await db.unanswered.recent(10)).map((e) => e.text)).toEqual(["今天天气怎么样"]);
    expect((await db.unanswered.groups({ page: 1, limit: 10, all: true })).groups.map((g) => g.text)).toEqual(["今天天气怎么样"]);
    // Nothing of the deleted question is left in the file's tables.
    const rows = db.db.prepare("SELECT count(*) AS n FROM unanswered_keys WHERE key LIKE '%证书%'").get() as { n: number };
    expect(rows.n).toBe(0);
  });
});

describe("SQLite files are private", () => {
  it("creates the data directory 0700 and the database, -wal and -shm 0600, and tightens older files", async () => {
    const dir = join(root, "perms");
    const db = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
    db.unanswered.record(entry("证书怎么领", 1));
    await db.sessions.set("u", { v: 1, updatedAt: 1 });
    const file = join(dir, SQLITE_FILE);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    await db.close();
    const { chmodSync } = await import("node:fs");
    chmodSync(file, 0o644);
    chmodSync(dir, 0o755);
    const again = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0, checkpointEveryMs: 0 });
    open.push(again);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
