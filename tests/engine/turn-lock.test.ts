/** How a turn uses its store: a store's lock when it has one (several instances), and no write after the timeout. */
import { describe, expect, it } from "vitest";
import { MemoryStore, StaleLockError, type Session, type SessionStore, type UserLock } from "../../src/engine/session.js";
import { makeEngine } from "../helpers.js";

const logger = { info() {}, error() {} };

describe("a turn and its store", () => {
  it("runs inside the store's lock when the store has one, reading and writing with it", async () => {
    const inner = new MemoryStore();
    const seen: string[] = [];
    let held: UserLock | undefined;
    const store: SessionStore = {
      get: async (id, lock) => {
        seen.push(`get ${lock === held && lock !== undefined}`);
        return inner.get(id);
      },
      set: async (id, s, lock) => {
        seen.push(`set ${lock === held && lock !== undefined}`);
        return inner.set(id, s);
      },
      delete: (id) => inner.delete(id),
      withUserLock: async (id, fn) => {
        held = { id, fence: 1 };
        seen.push("lock");
        try {
          return await fn(held);
        } finally {
          seen.push("unlock");
          held = undefined;
        }
      },
    };
    const r = await makeEngine({ store, logger }).turn("u", "电子商务师三级多少钱");
    expect(r.status).toBe("answered");
    expect(seen).toEqual(["lock", "get true", "set true", "unlock"]);
  });

  it("answers the apology and keeps the stored session when the fenced write is refused", async () => {
    const inner = new MemoryStore();
    await inner.set("u", { v: 1, occupation: "供应链管理师", updatedAt: 1 });
    const store: SessionStore = {
      get: (id) => inner.get(id),
      set: async () => {
        throw new StaleLockError("another turn took the lock");
      },
      delete: (id) => inner.delete(id),
      withUserLock: (id, fn) => fn({ id, fence: 1 }),
    };
    const r = await makeEngine({ store, logger }).turn("u", "电子商务师三级多少钱");
    expect(r.status).toBe("error");
    expect(r.replies[0]).toContain("400-007-5676");
    expect((await inner.get("u"))?.occupation).toBe("供应链管理师");
  });

  it("writes nothing when the turn ran past its timeout (it was answered with the apology)", async () => {
    const writes: Session[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const store: SessionStore = {
      get: async () => {
        await slow;
        return undefined;
      },
      set: async (_id, s) => void writes.push(s),
      delete: async () => {},
    };
    const engine = makeEngine({ store, logger, turnTimeoutMs: 30 });
    const r = await engine.turn("u", "电子商务师三级多少钱");
    expect(r.status).toBe("error");
    // The store answers after the timeout: the rest of the turn runs, and must not write.
    release();
    for (let i = 0; i < 15 && !writes.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(writes).toEqual([]);
  });
});
