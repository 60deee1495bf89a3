/**
 * The dialog asks back instead of ruling on what it could not read with confidence (issue 12), one kind of reading
 * failure per test, in wordings of our own.
 */
import { describe, expect, it } from "vitest";
import { makeEngine, say } from "../helpers.js";
import { MemoryStore } from "../../src/engine/session.js";

const store = new MemoryStore();
const engine = makeEngine({ store });
let n = 0;
const user = () => `clarify-${++n}`;
const state = async (u: string) => (await store.get(u))?.dialog;

describe("a job outside the lists is read the same wherever it is said", () => {
  it("should not count years as a cleaner inside the dialog", async () => {
    const u = user();
    await say(engine, u, "我想报供应链管理师三级");
    const [r] = await say(engine, u, "差不多8年吧，不过我一直是做保洁的");
    expect(r).not.toContain("可以报供应链管理师");
    expect(r).toContain("保洁");
    expect((await state(u))?.facts.yearsInField ?? 0).toBe(0);
  });

  it("should not count years as a cook said in the first message", async () => {
    const [r] = await say(engine, user(), "我在酒店做会计15年了，能报渗透测试员三级吗");
    expect(r).not.toMatch(/可以报信息安全测试员/);
  });

  it("should take a correction of the years (说错了，是4年)", async () => {
    const u = user();
    await say(engine, u, "供应链管理师三级我能报吗", "11年");
    const [r] = await say(engine, u, "刚才说错了，是4年");
    expect(r).not.toContain("可以报供应链管理师");
    expect(r).toMatch(/4年/);
  });

  it("should take a correction of the school (不对，我是大专)", async () => {
    const u = user();
    await say(engine, u, "电子商务师四级我能报吗", "0", "没有", "有", "技校");
    await say(engine, u, "不对，我是大专");
    expect((await state(u))?.facts.education?.school).toBe("普通高等学校专科");
  });
});

describe("everyday names of listed jobs and majors", () => {
  it("should read 送快递的 as 邮政和快递服务人员 for 供应链管理师", async () => {
    const u = user();
    await say(engine, u, "供应链管理师三级我能报吗");
    const [r] = await say(engine, u, "我是跑快递的，干了11年");
    expect(r).toContain("可以报供应链管理师");
  });

  it("should read 做网管的 as 网络与信息安全管理员 for 信息安全测试员", async () => {
    const [r] = await say(engine, user(), "做网管的，干了6年，能报信息安全测试员四级吗");
    expect(r).toContain("可以报信息安全测试员");
  });

  it("should ask back with numbered options when a major is close to listed ones (学物流的)", async () => {
    const u = user();
    await say(engine, u, "供应链管理师三级我能报吗", "1年", "有四级证", "是", "高职毕业");
    const [r] = await say(engine, u, "学物流的");
    expect(r).toMatch(/现代物流/);
    expect(r).toMatch(/1\. /);
    const s = await state(u);
    expect(s?.clarify?.options.some((o) => o.value.startsWith("opt:major:"))).toBe(true);
    const pick = s!.clarify!.options.findIndex((o) => o.label.includes("现代物流"));
    const [v] = await say(engine, u, String(pick + 1));
    expect(v).toContain("可以报供应链管理师");
  });

  it("should accept the option's value as the answer, as a tapped button sends it", async () => {
    const u = user();
    await say(engine, u, "电子商务师四级我能报吗", "0", "没有", "大专今年毕业");
    await say(engine, u, "学营销的");
    const s = await state(u);
    const option = s!.clarify!.options.find((o) => o.label.includes("市场营销"))!;
    const [v] = await say(engine, u, option.value);
    expect(v).toContain("可以报电子商务师");
  });
});

describe("a certificate's level and the level wanted are different slots", () => {
  it("should take 考过一个初级工证书 as a certificate, not as the level wanted", async () => {
    const u = user();
    await say(engine, u, "资格自测", "视频创推员", "1级");
    await say(engine, u, "考过一个初级工证书");
    expect((await state(u))?.facts.level).toBe(1);
  });

  it("should ask whether a bare level word said out of turn is the certificate or the level wanted", async () => {
    const u = user();
    await say(engine, u, "电子商务师三级我能报吗");
    const [r] = await say(engine, u, "6年，中级工");
    const s = await state(u);
    expect(s?.clarify?.options.map((o) => o.value)).toEqual(["opt:levelslot:certificate", "opt:levelslot:target"]);
    expect(r).toMatch(/证书/);
    await say(engine, u, "1");
    expect((await state(u))?.facts.certificate?.level).toBe(4);
    expect((await state(u))?.facts.level).toBe(3);
    expect((await state(u))?.facts.yearsInField).toBe(6);
  });
});

describe("a whole sentence is not stored as a major", () => {
  it("should extract 会计 from 我读的是会计那个", async () => {
    const u = user();
    await say(engine, u, "电子商务师四级我能报吗", "0", "没有", "中专毕业");
    const [r] = await say(engine, u, "我读的是会计那个");
    expect(r).not.toContain("我读的是");
    expect(r).toContain("会计");
    expect(r).not.toContain("可以报电子商务师");
  });
});

describe("a status is not assumed", () => {
  it("should ask whether a student graduates this year (还在上学呢)", async () => {
    const u = user();
    const [r] = await say(engine, u, "我还在上学呢，大专电子商务专业，能报电子商务师四级吗");
    expect(r).not.toContain("暂不符合电子商务师四级");
    await say(engine, u, "0", "没有");
    expect((await state(u))?.asking).toBe("education.status");
    const [v] = await say(engine, u, "今年毕业");
    expect(v).toContain("可以报电子商务师");
  });
});

describe("wanting to apply starts the self-check", () => {
  it("should start the self-check on 我可以报名吗", async () => {
    const u = user();
    const [r] = await say(engine, u, "我可以报名吗");
    expect(r).toContain("想报哪个职业");
    expect((await state(u))?.asking).toBe("occupation");
  });

  it("should start the self-check on 我想报名电子商务师", async () => {
    const u = user();
    const [r] = await say(engine, u, "我想报名电子商务师");
    expect(r).toContain("想报哪个等级");
  });

  it("should answer a general schedule question inside the dialog and wait where it was", async () => {
    const u = user();
    await say(engine, u, "电子商务师四级我能报吗");
    const [r] = await say(engine, u, "今年什么时候考试啊");
    expect(r).toMatch(/3月/);
    expect((await state(u))?.asking).toBe("yearsInField");
  });
});

describe("a level not open says why at that moment", () => {
  it("should say what is missing when it moves on to a lower level", async () => {
    const u = user();
    await say(engine, u, "视频创推员四级我能报吗", "当了三年导游", "没有");
    const [r] = await say(engine, u, "没有");
    expect(r).toMatch(/四级\/中级工暂不符合/);
    expect(r).toMatch(/满5年/);
  });
});
