/** Behaviour every SessionStore and UnansweredLog shares, run against each implementation. */
import { expect, it } from "vitest";
import { SESSION_VERSION, type Session, type SessionStore } from "../../src/engine/session.js";
import type { UnansweredEntry, UnansweredLog } from "../../src/engine/unanswered.js";

export const EXPECTED_SESSION: Session = {
  v: SESSION_VERSION,
  occupation: "电子商务师",
  level: 4,
  lastIntent: "eligibility",
  suggestions: ["fee", "schedule"],
  dialog: { v: 1, facts: { occupation: "电子商务师", level: 4, yearsInField: 3 }, asking: "certificate", history: [{}, { occupation: "电子商务师" }] },
  updatedAt: 1_700_000_000_000,
};

export const entry = (text: string, at = 1): UnansweredEntry => ({
  at,
  userId: "u-1",
  channel: "http",
  text,
  intent: "fallback",
  confidence: 0.2,
  kind: "fallback",
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
    expect(recent[0]).toMatchObject({ userId: "u-1", channel: "http", intent: "fallback", confidence: 0.2, kind: "fallback", at: 5 });
    await log.markHandled([recent[0].id, recent[2].id, 999_999]);
    const after = await log.recent(10);
    expect(after).toHaveLength(5);
    expect(after.filter((e) => e.handled).map((e) => e.text)).toEqual(["问题5", "问题3"]);
    expect(await log.recent(0)).toEqual([]);
  });
}
