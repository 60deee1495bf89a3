/** 转人工's configuration: HANDOFF_HOURS, HANDOFF_DAYS, HANDOFF_RETENTION_DAYS, the 公众号 客服消息 and 微信客服 variables. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { configuredHours } from "../../src/handoff/setup.js";
import { staffedHours } from "../../src/handoff/handler.js";
import { getKb } from "../helpers.js";

const load = (env: Record<string, string>) => loadConfig(env as NodeJS.ProcessEnv, "/nonexistent/.env");
const fails = (env: Record<string, string>, name: string) => {
  expect(() => load(env)).toThrow(ConfigError);
  expect(() => load(env)).toThrow(name);
};

describe("hand-off configuration", () => {
  it("defaults: the notice's hours every day, messages kept 90 days, the real WeChat API bases", () => {
    const c = load({});
    expect(c.HANDOFF_RETENTION_DAYS).toBe(90);
    expect(c.WECHAT_API_BASE).toBe("https://api.weixin.qq.com");
    expect(c.WECOM_API_BASE).toBe("https://qyapi.weixin.qq.com");
    const { hours, days } = configuredHours(c);
    expect(hours).toBeUndefined();
    expect(staffedHours(getKb(), hours, days)).toEqual({ open: 8 * 60 + 30, close: 17 * 60 + 30, days: new Set([1, 2, 3, 4, 5, 6, 7]) });
  });

  it("HANDOFF_HOURS overrides the notice's; 00:00-24:00 is always; HANDOFF_DAYS with the notice's hours", () => {
    expect(configuredHours(load({ HANDOFF_HOURS: "00:00-24:00" })).hours).toMatchObject({ open: 0, close: 24 * 60 });
    expect(configuredHours(load({ HANDOFF_HOURS: "09:00-18:00", HANDOFF_DAYS: "1-5" })).hours).toEqual({ open: 540, close: 1080, days: new Set([1, 2, 3, 4, 5]) });
    const { hours, days } = configuredHours(load({ HANDOFF_DAYS: "1-5" }));
    expect(staffedHours(getKb(), hours, days)).toEqual({ open: 510, close: 1050, days: new Set([1, 2, 3, 4, 5]) });
  });

  it("refuses malformed values, naming the variable", () => {
    fails({ HANDOFF_HOURS: "18:00-09:00" }, "HANDOFF_HOURS");
    fails({ HANDOFF_HOURS: "all day" }, "HANDOFF_HOURS");
    fails({ HANDOFF_DAYS: "0-8" }, "HANDOFF_DAYS");
    fails({ HANDOFF_RETENTION_DAYS: "0" }, "HANDOFF_RETENTION_DAYS");
    fails({ WECOM_AES_KEY: "short" }, "WECOM_AES_KEY");
    fails({ WECHAT_API_BASE: "not a url" }, "WECHAT_API_BASE");
  });
});
