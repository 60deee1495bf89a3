/**
 * Property tests on Engine.turn with hostile input: it never throws or hangs, always replies, and the session
 * (in the SQLite store, as in production) stays usable: a plain question afterwards is answered as usual.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteDb } from "../../src/store/sqlite.js";
import { revive, SESSION_VERSION } from "../../src/engine/session.js";
import type { TurnResult } from "../../src/engine/engine.js";
import { makeEngine } from "../helpers.js";
import { hugeText, unicodeText, userId } from "./arbitraries.js";

const dir = mkdtempSync(join(tmpdir(), "zhineng-fuzz-"));
const db = new SqliteDb({ dir, ttlMs: 60_000, purgeEveryMs: 0 });
const errors: object[] = [];
// A turn slower than 3 s ends as status "error", which every property below rejects: bounded time without timing.
const engine = makeEngine({
  store: db.sessions,
  unanswered: db.unanswered,
  turnTimeoutMs: 3_000,
  logger: { info: () => {}, error: (obj) => void errors.push(obj) },
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** FUZZ_SCALE=20 runs twenty times as many cases (a deeper search, by hand; the suite stays fast). */
const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE) || 1);
const FEE_QUESTION = "电子商务师四级报名费多少";
const EXPECTED_FEE = "160";
let n = 0;
const fresh = () => `fuzz-${++n}`;

function expectReply(r: TurnResult): void {
  expect(r.status).not.toBe("error");
  expect(r.replies).toHaveLength(1);
  expect(r.replies[0].trim().length).toBeGreaterThan(0);
  expect(r.replies[0]).not.toMatch(/\{\w+\}|\[object Object\]|undefined|NaN/);
}

async function expectSessionSound(user: string): Promise<void> {
  const stored = await engine.store.get(user);
  expect(stored?.v).toBe(SESSION_VERSION);
  expect(revive(stored, Date.now())).toEqual(JSON.parse(JSON.stringify(stored)));
}

describe("engine fuzz", () => {
  it("should reply to any text and keep the session usable", async () => {
    await fc.assert(
      fc.asyncProperty(unicodeText, async (text) => {
        const user = fresh();
        expectReply(await engine.turn(user, text, "fuzz"));
        await expectSessionSound(user);
        const after = await engine.turn(user, "退出", "fuzz").then(() => engine.turn(user, FEE_QUESTION, "fuzz"));
        expectReply(after);
        expect(after.replies[0]).toContain(EXPECTED_FEE);
      }),
      { numRuns: 100 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should keep an eligibility dialog going through any interruption", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(unicodeText, { minLength: 1, maxLength: 4 }), async (texts) => {
        const user = fresh();
        expectReply(await engine.turn(user, "资格自测", "fuzz"));
        for (const t of texts) expectReply(await engine.turn(user, t, "fuzz"));
        await expectSessionSound(user);
        if ((await engine.store.get(user))?.dialog) {
          // Still in the dialog: it restarts on request and takes a valid answer.
          expect((await engine.turn(user, "重新开始", "fuzz")).replies[0]).toContain("想报哪个职业");
          expect((await engine.turn(user, "1", "fuzz")).replies[0]).toContain("想报哪个等级");
        } else {
          // The noise ended it (a verdict, 退出): questions are answered again.
          expect((await engine.turn(user, FEE_QUESTION, "fuzz")).replies[0]).toContain(EXPECTED_FEE);
        }
      }),
      { numRuns: 60 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should answer 100 KB messages", async () => {
    await fc.assert(
      fc.asyncProperty(hugeText, async (text) => {
        const user = fresh();
        expectReply(await engine.turn(user, text, "fuzz"));
        expectReply(await engine.turn(user, FEE_QUESTION, "fuzz"));
      }),
      { numRuns: 20 * SCALE },
    );
    expect(errors).toEqual([]);
  });

  it("should take any user id, and serialise a burst of one user's messages", async () => {
    await fc.assert(
      fc.asyncProperty(userId, fc.array(unicodeText, { minLength: 2, maxLength: 12 }), async (user, texts) => {
        const results = await Promise.all([...texts, FEE_QUESTION].map((t) => engine.turn(user, t, "fuzz")));
        for (const r of results) expectReply(r);
        await expectSessionSound(user);
        await engine.store.delete(user);
      }),
      { numRuns: 50 * SCALE },
    );
    expect(errors).toEqual([]);
  });
});
