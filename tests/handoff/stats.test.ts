/** The console's numbers: counted per Shanghai day, summed over a range, kept by each store, as CSV. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryStats, SqliteStats, StatsRecorder, daysBetween, shanghaiDay, statsCsv } from "../../src/stats/stats.js";

const dir = mkdtempSync(join(tmpdir(), "stats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (day: string, hour: number) => Date.parse(`${day}T${String(hour).padStart(2, "0")}:00:00+08:00`);

describe("stats", () => {
  it("counts by Shanghai day, not UTC", () => {
    expect(shanghaiDay(Date.parse("2026-12-03T17:00:00Z"))).toBe("2026-12-04");
    expect(daysBetween("2026-11-30", "2026-12-02")).toEqual(["2026-11-30", "2026-12-01", "2026-12-02"]);
  });

  it("sums turns, outcomes, intents, channels, questions, self-checks and feedback over a range", async () => {
    const rec = new StatsRecorder(new MemoryStats(), 0);
    rec.turn({ at: at("2026-12-01", 9), channel: "web", intent: "fee", status: "answered", confidence: 0.9, question: "报名费多少" });
    rec.turn({ at: at("2026-12-01", 10), channel: "wechat", intent: "fee", status: "answered", confidence: 0.4, question: "报名费多少" });
    rec.turn({ at: at("2026-12-02", 9), channel: "web", intent: "fallback", status: "fallback", confidence: 0, question: "你好啊啊啊" });
    rec.turn({ at: at("2026-12-02", 9), channel: "web", intent: "handoff", status: "handoff", confidence: 0.9 });
    rec.selfCheck({ at: at("2026-12-02", 9), occupation: "电子商务师", level: 4, eligible: true });
    rec.selfCheck({ at: at("2026-12-02", 9), occupation: "电子商务师", level: 3, eligible: false });
    rec.feedback(at("2026-12-02", 9), "up");
    const r = await rec.report("2026-12-01", "2026-12-03");
    expect(r).toMatchObject({ turns: 4, answered: 2, fallbacks: 1, lowConfidence: 1, handoffs: 1, fallbackRate: 0.25 });
    expect(r.byDay.map((d) => d.turns)).toEqual([2, 2, 0]);
    expect(r.byIntent).toEqual({ fee: 2, fallback: 1, handoff: 1 });
    expect(r.byChannel).toEqual({ web: 3, wechat: 1 });
    expect(r.topQuestions[0]).toEqual({ text: "报名费多少", count: 2 });
    expect(r.selfChecks).toEqual({ total: 2, eligible: 1, byOccupation: { 电子商务师: { 4: { total: 1, eligible: 1 }, 3: { total: 1, eligible: 0 } } } });
    expect(r.feedback).toEqual({ up: 1, down: 0 });
    expect((await rec.report("2026-12-02", "2026-12-02")).turns).toBe(2);
    const csv = statsCsv(r);
    expect(csv.split("\r\n")[1]).toBe("2026-12-01,2,2,0,1,0,0");
  });

  it("counts a turn on its Shanghai day at midnight, going forward and back (a clock set back)", async () => {
    const rec = new StatsRecorder(new MemoryStats(), 0);
    const midnight = Date.parse("2026-12-02T00:00:00+08:00");
    for (const t of [midnight - 1, midnight, midnight - 1, midnight + 86_400_000 - 1, midnight + 86_400_000]) {
      rec.turn({ at: t, channel: "web", intent: "fee", status: "answered", confidence: 0.9 });
    }
    expect((await rec.report("2026-12-01", "2026-12-03")).byDay.map((d) => d.turns)).toEqual([2, 2, 1]);
  });

  it("keeps its counts across a restart on SQLite", async () => {
    const file = join(dir, "s.db");
    const db1 = new Database(file);
    const rec1 = new StatsRecorder(new SqliteStats(db1), 0);
    rec1.turn({ at: at("2026-12-01", 9), channel: "web", intent: "fee", status: "answered", confidence: 0.9 });
    await rec1.close();
    db1.close();
    const db2 = new Database(file);
    const rec2 = new StatsRecorder(new SqliteStats(db2), 0);
    rec2.turn({ at: at("2026-12-01", 11), channel: "web", intent: "fee", status: "answered", confidence: 0.9 });
    expect((await rec2.report("2026-12-01", "2026-12-01")).turns).toBe(2);
    db2.close();
  });

  it("bounds what a flood of distinct questions holds between flushes", () => {
    const rec = new StatsRecorder(new MemoryStats(), 0);
    for (let i = 0; i < 20_000; i++) rec.turn({ at: at("2026-12-01", 9), channel: "web", intent: "none", status: "fallback", confidence: 0, question: `问题${i}` });
    const pending = (rec as unknown as { pending: Map<string, Map<string, number>> }).pending.get("2026-12-01")!;
    expect(pending.size).toBeLessThanOrEqual(5_001);
    expect(pending.get("turns")).toBe(20_000);
  });
});
