/** REDIS_PREFIX: where an instance's keys live in a shared Redis (instances with the same prefix share conversations). */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("REDIS_PREFIX", () => {
  it("defaults to the prefix the keys always had", () => {
    expect(loadConfig({}).REDIS_PREFIX).toBe("zhineng:");
    expect(loadConfig({ REDIS_PREFIX: " " }).REDIS_PREFIX).toBe("zhineng:");
  });

  it("takes a deployment's own prefix", () => {
    expect(loadConfig({ SESSION_STORE: "redis", REDIS_URL: "redis://127.0.0.1:6379", REDIS_PREFIX: "staging:zhineng:" }).REDIS_PREFIX).toBe("staging:zhineng:");
  });

  it.each([["has space"], ["*"], ["a".repeat(65)], ["键"]])("refuses %j, naming the variable", (value) => {
    expect(() => loadConfig({ REDIS_PREFIX: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_PREFIX: value })).toThrow(/REDIS_PREFIX/);
  });
});
