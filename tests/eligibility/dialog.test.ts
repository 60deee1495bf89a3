import { describe, expect, it } from "vitest";
import { makeEngine, say } from "../helpers.js";
import { MemoryStore } from "../../src/engine/session.js";

const engine = makeEngine();
let n = 0;
const user = () => `dialog-${++n}`;

describe("eligibility dialog", () => {
  it("should start on 资格自测 and ask one question at a time with numbered options", async () => {
    const [first] = await say(engine, user(), "资格自测");
    expect(first).toContain("想报哪个职业");
    expect(first).toMatch(/1\. 电子商务师/);
    expect(first).toMatch(/4\. 信息安全测试员/);
  });

  it("should prefill from the opening message and ask only what the open conditions need", async () => {
    const u = user();
    const [first] = await say(engine, u, "我做电商6年了，有四级证书，能报电子商务师三级吗");
    expect(first).toContain("电子商务师 三级/高级工");
    expect(first).toContain("工作6年");
    expect(first).not.toContain("想报哪个职业");
    expect(first).not.toContain("想报哪个等级");
    // The 四级 certificate is known: the dialog asks whether it is of this or a related occupation.
    expect(first).toContain("相关职业");
    const [second] = await say(engine, u, "是");
    expect(second).toContain("取得这张证书后");
    const [verdict] = await say(engine, u, "4年");
    expect(verdict).toContain("可以报电子商务师三级/高级工");
    expect(verdict).toContain("取得本职业或相关职业四级/中级工");
    expect(verdict).toMatch(/证书编号/);
    expect(verdict).toContain("工作经历承诺书");
    expect(verdict).toContain("160");
    expect(verdict).toMatch(/3月、5月、8月、10月、11月/);
    expect(verdict).toContain("jinengpingjia");
  });

  it("should accept answers by number or by words, and re-ask an invalid answer with a hint", async () => {
    const u = user();
    await say(engine, u, "资格自测");
    const [level] = await say(engine, u, "互联网营销师");
    expect(level).toContain("想报哪个等级");
    const [years] = await say(engine, u, "四级");
    expect(years).toContain("累计从事本职业或相关职业工作几年");
    const [again] = await say(engine, u, "很久很久");
    expect(again).toContain("没能识别");
    expect(again).toContain("请回复年数");
    expect(again).toContain("累计从事本职业或相关职业工作几年");
    const [done] = await say(engine, u, "7年");
    expect(done).toContain("可以报互联网营销师四级/中级工");
    // Without a track, the months of every track offering 四级.
    expect(done).toMatch(/直播销售员 3月、6月、9月/);
  });

  it("should go back one question on 返回 and restart on 重新开始", async () => {
    const u = user();
    await say(engine, u, "资格自测", "1");
    const [back] = await say(engine, u, "返回");
    expect(back).toContain("想报哪个职业");
    const [level] = await say(engine, u, "2");
    expect(level).toContain("供应链管理师");
    const [restart] = await say(engine, u, "重新开始");
    expect(restart).toContain("已重新开始");
    expect(restart).toContain("想报哪个职业");
  });

  it("should leave on 退出 and answer normally afterwards", async () => {
    const u = user();
    await say(engine, u, "资格自测", "1");
    const [quit] = await say(engine, u, "退出");
    expect(quit).toContain("已退出");
    const [after] = await say(engine, u, "咨询电话");
    expect(after).toContain("400-007-5676");
  });

  it("should answer an interrupting question and keep the dialog where it was", async () => {
    const u = user();
    await say(engine, u, "资格自测", "3");
    const [interrupt] = await say(engine, u, "照片有什么要求");
    expect(interrupt).toContain("132");
    expect(interrupt).toContain("资格自测进行中");
    expect(interrupt).toContain("想报哪个等级");
    const [next] = await say(engine, u, "1");
    expect(next).toMatch(/周岁|几年/);
  });

  it("should end an ineligible candidate with the gaps and the highest level open to them", async () => {
    const u = user();
    await say(engine, u, "资格自测", "电子商务师", "三级");
    const transcript = await say(engine, u, "6", "有", "四级", "是", "2", "没有");
    const verdict = transcript.at(-1)!;
    expect(verdict).toContain("暂不符合电子商务师三级/高级工");
    expect(verdict).toContain("还需累计从事本职业或相关职业工作满10年（目前6年）");
    expect(verdict).toContain("取得证书后还需累计从事本职业或相关职业工作满4年（目前2年）");
    expect(verdict).toContain("最高可报四级/中级工");
  });

  it("should say a level the plan does not offer at once", async () => {
    const [r] = await say(engine, user(), "我能报供应链管理师四级吗");
    expect(r).toContain("未开设供应链管理师四级/中级工");
    expect(r).toContain("三级/高级工");
  });

  it("should ask the age for 互联网营销师 五级 and, at 16, not ask a question whose answers all lead to 可以报", async () => {
    const u = user();
    const [first] = await say(engine, u, "我想报直播销售员五级，能报吗");
    expect(first).toContain("多少周岁");
    // 拟从事 and 从事 are both met at 16: whether the person already works changes the pledge, not the verdict.
    const [verdict] = await say(engine, u, "16");
    expect(verdict).not.toContain("工作几年");
    expect(verdict).toContain("可以报互联网营销师（直播销售员）五级/初级工");
    expect(verdict).toContain("年满16周岁，拟从事本职业或相关职业工作");
    expect(verdict).toContain("年满16周岁，从事本职业或相关职业工作");
    expect(verdict).toMatch(/拟从事[^\n]*工作承诺书/);
    expect(verdict).toMatch(/(?<!拟)从事本职业或相关职业工作[^\n]*工作经历承诺书/);
    expect(verdict).not.toMatch(/暂不符合|不能报/);
  });

  it("should keep the level under discussion when the occupation or one of its tracks is named again", async () => {
    const u = user();
    await say(engine, u, "互联网营销师五级报考条件是什么");
    const [r] = await say(engine, u, "我今年17岁，在做带货主播，可以报吗");
    expect(r).toContain("可以报互联网营销师（直播销售员）五级/初级工");
    expect(r).not.toContain("想报哪个等级");
    // Another occupation named: its level is asked, not carried.
    const v = user();
    await say(engine, v, "互联网营销师五级报考条件是什么");
    const [other] = await say(engine, v, "我做电商3年了，能报电子商务师吗");
    expect(other).toContain("想报哪个等级");
  });

  it("should take the case a candidate names right after a verdict that named each case", async () => {
    const u = user();
    await say(engine, u, "16岁能报直播销售员五级吗");
    const [intending] = await say(engine, u, "打算以后做带货主播");
    expect(intending).toContain("您符合的条件：年满16周岁，拟从事本职业或相关职业工作");
    expect(intending).toContain("工作承诺书");
    expect(intending).not.toContain("工作经历承诺书");
    const v = user();
    await say(engine, v, "16岁能报直播销售员五级吗");
    const [working] = await say(engine, v, "我已经做了2年了");
    expect(working).toContain("工作经历承诺书");
    // Another question after such a verdict is answered as itself.
    const w = user();
    await say(engine, w, "16岁能报直播销售员五级吗");
    const [fee] = await say(engine, w, "考试费多少");
    expect(fee).toContain("160");
    expect(fee).not.toContain("您符合的条件");
  });

  it("should give the verdict with each case's materials when the opening message already settles it", async () => {
    for (const text of ["16岁能报直播销售员五级吗", "我17岁，能考互联网营销师初级吗"]) {
      const [r] = await say(engine, user(), text);
      expect(r, text).toMatch(/可以报互联网营销师.*五级\/初级工/);
      expect(r, text).not.toContain("工作几年");
      expect(r, text).toContain("工作承诺书");
      expect(r, text).toContain("工作经历承诺书");
    }
    // Below 16 every condition is unmet whatever the work: a no, not a question.
    const [young] = await say(engine, user(), "15岁能报直播销售员五级吗");
    expect(young).toMatch(/暂不符合/);
    // The answer still matters: 四级 at 25 with no certificate depends on the years (满5年), so they are asked.
    const [asks] = await say(engine, user(), "我25岁，没有证书，能报直播销售员四级吗");
    expect(asks).toContain("工作几年");
  });

  it("should start on 看看我符不符合条件 and keep the level of an opening message when asking the occupation", async () => {
    const [first] = await say(engine, user(), "看看我符不符合条件");
    expect(first).toContain("想报哪个职业");
    const u = user();
    await say(engine, u, "我是技师学院高级工班的，今年毕业，学电子商务，能报三级吗");
    const [verdict] = await say(engine, u, "电子商务师");
    expect(verdict).toContain("可以报电子商务师三级/高级工");
    expect(verdict).toContain("技工院校高级工班");
  });

  it("should take what else an answer says, and not ask it again", async () => {
    const u = user();
    await say(engine, u, "资格自测", "电子商务师", "四级");
    const [next] = await say(engine, u, "没工作过，在中专读书，学的电子商务");
    expect(next).not.toContain("是哪类学校");
    expect(next).not.toContain("所学专业");
  });

  it("should take facts given instead of the answer asked for, and ask what is still open", async () => {
    const engine = makeEngine();
    const [, schooling, verdict] = await say(engine, "volunteer-1", "我想报电子商务师三级", "大专毕业，学的市场营销", "没有证书，工作才1年");
    // Asked the years, told the schooling: taken, and the next open question asked instead of "没能识别".
    expect(schooling).not.toMatch(/没能识别/);
    expect(verdict).toMatch(/暂不符合|还不足|还差/);
  });

  it("should read schooling below the schools asked about, and an age said in a sentence", async () => {
    const engine = makeEngine();
    const r = await say(engine, "school-1", "电子商务师中级能报吗", "做网店客服干了4年", "没考过任何证", "普通高中毕业就出来工作了");
    expect(r.at(-1)).toMatch(/暂不符合/);
    const [, , age] = await say(makeEngine(), "age-1", "我想报直播销售员五级", "打算以后做带货主播", "今年刚满16周岁");
    expect(age).not.toMatch(/没能识别/);
  });

  it("should tell a shortfall from the opening message and the conditions still open", async () => {
    const [r] = await say(engine, user(), "我做电商快5年了，能报电子商务师四级吗");
    // Said as 还不足 rather than 不满足: the same candidate may still qualify by another condition.
    expect(r).toContain("这些条件还不足");
    expect(r).toContain("满5年（目前4.9年）");
    expect(r).toContain("还可以看这些条件");
    expect(r).not.toContain("可以报电子商务师四级");
  });

  it("should go on to a lower level when the one asked about is not open, so the verdict can suggest it", async () => {
    const u = user();
    await say(engine, u, "资格自测", "互联网营销师", "四级", "2年", "没有");
    const [probe] = await say(engine, u, "没有");
    expect(probe).toContain("看看能否报五级/初级工");
    expect(probe).toContain("多少周岁");
    const [verdict] = await say(engine, u, "25岁");
    expect(verdict).toContain("暂不符合互联网营销师四级/中级工");
    expect(verdict).toContain("最高可报五级/初级工");
    expect(verdict).toContain("选品员 12月");
  });

  it("should take whose certificate it is from the answer, and not ask it again", async () => {
    const u = user();
    await say(engine, u, "资格自测", "电子商务师", "三级", "6");
    const [next] = await say(engine, u, "有，采购员四级");
    expect(next).not.toContain("本职业或其相关职业的吗");
    expect(next).toContain("取得这张证书后");
  });

  it("should switch the level when the candidate names another one", async () => {
    const u = user();
    const [first] = await say(engine, u, "我想查查能报互联网营销师哪一级");
    expect(first).toContain("想报哪个等级");
    await say(engine, u, "四级");
    const [switched] = await say(engine, u, "我想报三级");
    expect(switched).not.toContain("没能识别");
    const [verdict] = await say(engine, u, "12年");
    expect(verdict).toContain("可以报互联网营销师三级/高级工");
  });

  it("should keep the dialog in the session store, surviving a JSON round trip", async () => {
    const store = new MemoryStore();
    const a = makeEngine({ store });
    await say(a, "persist", "资格自测", "4");
    const b = makeEngine({ store });
    const [r] = await say(b, "persist", "四级");
    expect(r).toContain("累计从事本职业或相关职业工作几年");
  });

  it("should serialise a user's turns: two answers sent at once are read in order", async () => {
    const u = user();
    await say(engine, u, "资格自测");
    const [a, b] = await Promise.all([engine.turn(u, "2"), engine.turn(u, "1")]);
    expect(a.replies[0]).toContain("供应链管理师");
    expect(b.replies[0]).toContain("累计从事本职业或相关职业工作几年");
  });
});
