/** The web chat's and the integrators' configuration (API_KEYS, CHAT_SECRET, CHAT_IDLE_MINUTES), validated by zod. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const load = (env: Record<string, string>) => loadConfig(env as NodeJS.ProcessEnv, "/nonexistent/.env");

describe("API_KEYS", () => {
  it("reads name:secret pairs separated by commas or spaces", () => {
    expect(load({ API_KEYS: "crm:0123456789abcdef, bot:zyxwvutsrqponmlk   web-1:aaaaaaaaaaaaaaaa:b" }).API_KEYS).toEqual([
      { name: "crm", secret: "0123456789abcdef" },
      { name: "bot", secret: "zyxwvutsrqponmlk" },
      { name: "web-1", secret: "aaaaaaaaaaaaaaaa:b" },
    ]);
    expect(load({}).API_KEYS).toBeUndefined();
    expect(load({ API_KEYS: "" }).API_KEYS).toBeUndefined();
  });

  it.each([
    ["a secret under 16 characters", "crm:short", /至少 16/],
    ["a pair without a name", ":0123456789abcdef", /名称:密钥/],
    ["a pair without a colon", "0123456789abcdef", /名称:密钥/],
    ["a name used twice", "a:0123456789abcdef a:fedcba9876543210", /重复/],
    ["one secret for two names", "a:0123456789abcdef b:0123456789abcdef", /相同的密钥/],
  ])("stops the start on %s, naming API_KEYS without echoing a secret", (_name, value, message) => {
    let err: unknown;
    try {
      load({ API_KEYS: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/API_KEYS/);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain("0123456789abcdef");
  });
});

describe("the web chat's cookie", () => {
  it("takes a CHAT_SECRET of at least 32 characters and an idle time in minutes", () => {
    expect(load({ CHAT_SECRET: "x".repeat(32), CHAT_IDLE_MINUTES: "30" })).toMatchObject({ CHAT_SECRET: "x".repeat(32), CHAT_IDLE_MINUTES: 30 });
    expect(load({}).CHAT_IDLE_MINUTES).toBe(120);
    expect(() => load({ CHAT_SECRET: "short" })).toThrow(/CHAT_SECRET/);
    expect(() => load({ CHAT_IDLE_MINUTES: "0" })).toThrow(/CHAT_IDLE_MINUTES/);
  });
});
