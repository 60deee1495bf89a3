/** The outgoing pace for the WeChat account: global gap, per-conversation window, order, no drops, pause, drain, stop. */
import { describe, expect, it } from "vitest";
import { Pacer, QueueFullError } from "../../src/channels/pacer.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Pacer", () => {
  it("keeps the global gap and each conversation's order", async () => {
    const p = new Pacer({ intervalMs: 25, jitterMs: 0, perContact: 100, windowMs: 1000 });
    const order: string[] = [];
    await Promise.all(["a1", "b1", "a2", "b2", "a3"].map((m) => p.enqueue(m[0], async () => void order.push(m))));
    expect(order).toEqual(["a1", "b1", "a2", "b2", "a3"]);
    const at = p.log.map((s) => s.at);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(23);
  });

  it("holds a conversation over its limit without holding up the others, and drops nothing", async () => {
    const p = new Pacer({ intervalMs: 0, jitterMs: 0, perContact: 2, windowMs: 300 });
    const sent: { m: string; at: number }[] = [];
    const t0 = Date.now();
    const all = ["a1", "a2", "a3", "b1", "a4"].map((m) => p.enqueue(m[0], async () => void sent.push({ m, at: Date.now() - t0 })));
    await Promise.all(all);
    expect(sent.map((s) => s.m)).toEqual(["a1", "a2", "b1", "a3", "a4"]);
    expect(sent.find((s) => s.m === "b1")!.at).toBeLessThan(100);
    expect(sent.find((s) => s.m === "a3")!.at).toBeGreaterThanOrEqual(295);
  });

  it("adds the random extra to the gap", async () => {
    const p = new Pacer({ intervalMs: 10, jitterMs: 40, perContact: 100, windowMs: 1000 }, Date.now, () => 1);
    await Promise.all([p.enqueue("x", async () => {}), p.enqueue("y", async () => {})]);
    expect(p.log[1].at - p.log[0].at).toBeGreaterThanOrEqual(48);
  });

  it("holds everything while paused and sends it on resume", async () => {
    const p = new Pacer({ intervalMs: 0, jitterMs: 0 });
    p.pause();
    let sent = 0;
    const done = p.enqueue("a", async () => void sent++);
    await sleep(50);
    expect(sent).toBe(0);
    expect(p.pending).toBe(1);
    p.resume();
    await done;
    expect(sent).toBe(1);
  });

  it("reports a failed send to its caller and goes on", async () => {
    const p = new Pacer({ intervalMs: 0, jitterMs: 0 });
    const bad = p.enqueue("a", async () => {
      throw new Error("network");
    });
    let ok = false;
    const good = p.enqueue("a", async () => void (ok = true));
    await expect(bad).rejects.toThrow("network");
    await good;
    expect(ok).toBe(true);
  });

  it("refuses past its memory bound, drains, and rejects what is left on stop", async () => {
    const p = new Pacer({ intervalMs: 200, jitterMs: 0, maxQueue: 2 });
    const first = p.enqueue("a", async () => {});
    const second = p.enqueue("a", async () => {});
    const third = p.enqueue("a", async () => {});
    const fourth = p.enqueue("a", async () => {});
    await expect(fourth).rejects.toBeInstanceOf(QueueFullError);
    await first;
    expect(await p.drain(20)).toBe(false);
    p.stop();
    await expect(second).rejects.toThrow(/stopped/);
    await expect(third).rejects.toThrow(/stopped/);
    await expect(p.enqueue("a", async () => {})).rejects.toThrow(/stopped/);
  });
});
