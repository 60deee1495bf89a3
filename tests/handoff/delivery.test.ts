/** Delivery outside a request: sent at once, kept and retried when the channel fails, given up when refused for good. */
import { describe, expect, it } from "vitest";
import { MemoryDocs } from "../../src/handoff/docs.js";
import { Delivery, type OutboxItem } from "../../src/handoff/delivery.js";

describe("delivery", () => {
  it("sends through the conversation's channel", async () => {
    const sent: string[] = [];
    const d = new Delivery(new MemoryDocs());
    d.register("oa", async (c, t) => void sent.push(`${c} ${t}`));
    expect(await d.send("oa:openid1", "您好")).toBe(true);
    expect(await d.send("zz:x", "no channel")).toBe(false);
    expect(sent).toEqual(["oa:openid1 您好"]);
  });

  it("keeps a failed message and delivers it on a later try, also from a new process on the same store", async () => {
    let t = 0;
    const docs = new MemoryDocs();
    let down = true;
    const sent: string[] = [];
    const sender = async (_c: string, text: string) => {
      if (down) throw new Error("network");
      sent.push(text);
    };
    const first = new Delivery(docs, { now: () => t, baseDelayMs: 1000 });
    first.register("wx", sender);
    expect(await first.send("wx:c1", "稍后送达")).toBe(false);
    expect((await first.pending()).map((p) => p.text)).toEqual(["稍后送达"]);
    down = false;
    await first.retryDue(); // not yet due
    expect(sent).toEqual([]);
    t = 1500;
    const second = new Delivery(docs, { now: () => t, baseDelayMs: 1000 }); // after a restart
    second.register("wx", sender);
    await second.retryDue();
    expect(sent).toEqual(["稍后送达"]);
    expect(await second.pending()).toEqual([]);
  });

  it("gives up a message refused for good and says so", async () => {
    const given: [OutboxItem, string][] = [];
    const d = new Delivery(new MemoryDocs(), { onGivenUp: (i, r) => given.push([i, r]) });
    d.register("oa", async () => {
      throw Object.assign(new Error("45015 out of the 48-hour window"), { refusedForGood: true });
    });
    expect(await d.send("oa:old", "x")).toBe(false);
    expect(await d.pending()).toEqual([]);
    expect(given[0][1]).toMatch(/48/);
  });
});
