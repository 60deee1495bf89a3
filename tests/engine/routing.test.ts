/** intents/routing.yaml: every route decides its own example, and a broken route is caught at load. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getKb, makeEngine } from "../helpers.js";
import { routeMatches } from "../../src/engine/engine.js";
import { loadKnowledge, KnowledgeError, ROOT } from "../../src/knowledge/load.js";

const kb = getKb();
const engine = makeEngine();
let n = 0;

describe("intents/routing.yaml", () => {
  it.each(kb.routes.map((r) => [r.name, r] as const))("%s", async (_name, route) => {
    const user = `routing-${++n}`;
    // A route about a question asked inside the self-check is tried inside one.
    if (route.has?.includes("dialog")) await engine.turn(user, "电子商务师四级我能报吗");
    const r = await engine.turn(user, route.example);
    expect(r.intent, `${route.example}\n${r.replies.join("\n")}`).toBe(route.then);
  });

  it("should match on the intent so far, the entities present and absent, and the text", () => {
    const route = { name: "t", example: "x", intent: ["registration"], has: ["occupation"], lacks: ["month"], text: "想", notText: "怎么", then: "eligibility" };
    const r = { ...route, re: /想/u, notRe: /怎么/u };
    expect(routeMatches(r, "registration", new Set(["occupation"]), "我想报名")).toBe(true);
    expect(routeMatches(r, "fee", new Set(["occupation"]), "我想报名")).toBe(false);
    expect(routeMatches(r, "registration", new Set([]), "我想报名")).toBe(false);
    expect(routeMatches(r, "registration", new Set(["occupation", "month"]), "我想报名")).toBe(false);
    expect(routeMatches(r, "registration", new Set(["occupation"]), "我想知道怎么报名")).toBe(false);
  });

  it("should refuse to load a route to an unknown intent or with a broken pattern", () => {
    const dir = mkdtempSync(join(tmpdir(), "routing-"));
    try {
      cpSync(join(ROOT, "intents"), dir, { recursive: true });
      const file = join(dir, "routing.yaml");
      writeFileSync(file, readFileSync(file, "utf8") + '  - { name: bad, example: x, text: "(", then: no_such_intent }\n');
      expect(() => loadKnowledge({ intentsDir: dir })).toThrow(KnowledgeError);
      try {
        loadKnowledge({ intentsDir: dir });
      } catch (err) {
        const msg = (err as Error).message;
        expect(msg).toContain("routing.yaml");
        expect(msg).toMatch(/正则|未知意图/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
