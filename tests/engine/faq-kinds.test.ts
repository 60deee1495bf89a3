/** The FAQ misses of issue 12, in wordings of our own. */
import { describe, expect, it } from "vitest";
import { makeEngine, say } from "../helpers.js";

const engine = makeEngine();
let n = 0;
const ask = async (...texts: string[]) => (await say(engine, `faq-kinds-${++n}`, ...texts)).at(-1)!;

describe("the fee of one subject", () => {
  it("should answer a retake of one subject with the per-subject figure of 附件2, not a total", async () => {
    const r = await ask("我技能没过，补考一门要交多少钱");
    expect(r).toMatch(/单科/);
    expect(r).toMatch(/80 元/);
    expect(r).not.toMatch(/合计|160|240/);
    expect(r).toMatch(/附件2/);
  });

  it("should keep the retake topic for a follow-up after its fee", async () => {
    const r = await say(engine, `faq-kinds-${++n}`, "补考的费用怎么收", "能补几次");
    expect(r[1]).toMatch(/一次/);
  });

  it("should answer 综合评审 alone with its per-subject figure and the levels that have it", async () => {
    const r = await ask("综合评审那一项收多少");
    expect(r).toMatch(/综合评审/);
    expect(r).toMatch(/80/);
    expect(r).toMatch(/二级/);
  });
});

describe("how to apply for a level", () => {
  it("should answer with that level's conditions, not its months", async () => {
    const r = await ask("供应链管理师二级要怎么才能报");
    expect(r).toMatch(/申报条件/);
    expect(r).toMatch(/三级\/高级工职业资格/);
    expect(r).not.toMatch(/认定月份/);
  });

  it("should still answer how to register (报名) with the platform's steps", async () => {
    expect(await ask("怎么报名电子商务师四级")).toMatch(/考试报名/);
  });
});

describe("students in general", () => {
  it("should say what the notice says about 在读 and 应届 before any self-check", async () => {
    const r = await ask("在校大学生能参加认定吗");
    expect(r).toMatch(/在读应届毕业生/);
    expect(r).toMatch(/技师班学生/);
    expect(r).not.toMatch(/想报哪个职业/);
  });

  it("should start the self-check when a student asks about their own case", async () => {
    expect(await ask("我还在读书，能报电子商务师四级吗")).toMatch(/资格自测/);
  });
});
