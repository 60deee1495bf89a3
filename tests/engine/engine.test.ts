import { describe, expect, it } from "vitest";
import { makeEngine, say, sharedEngine } from "../helpers.js";
import { MemoryUnansweredLog } from "../../src/engine/unanswered.js";
import type { SessionStore } from "../../src/engine/session.js";

const engine = sharedEngine();
let n = 0;
const ask = async (text: string) => (await say(engine, `engine-${++n}`, text))[0];

describe("engine: schedules (一)", () => {
  it("should give one row's months, with the year and the clause", async () => {
    const r = await ask("直播销售员四级几月考");
    expect(r).toContain("3月、6月、9月");
    expect(r).toContain("2024年");
    expect(r).toMatch(/依据：.*第一部分（认定项目及实施机构）/);
    expect(r).not.toContain("4月");
  });
  it("should give the merged months of 电子商务师 三级 and 二级", async () => {
    expect(await ask("电子商务师三级几月份可以考")).toContain("3月、5月、8月、10月、11月");
    expect(await ask("电商师二级什么时候考试")).toContain("3月、5月、8月、10月、11月");
    expect(await ask("电子商务师一级几月考")).toContain("3月、5月、8月、11月");
  });
  it("should say a level is not offered and list the offered ones", async () => {
    const r = await ask("直播销售员有一级吗");
    expect(r).toMatch(/没有/);
    expect(r).toContain("五级/初级工、四级/中级工、三级/高级工");
    expect(await ask("供应链管理师四级什么时候考")).toContain("没有四级/中级工");
  });
  it("should give a compact per-level list when no level is named", async () => {
    const r = await ask("选品员的考试时间");
    expect(r).toContain("五级/初级工 12月");
    expect(r).toContain("一级/高级技师 12月");
  });
  it("should list what runs in a month", async () => {
    const r = await ask("11月有哪些考试");
    expect(r).toContain("电子商务师");
    expect(r).toContain("供应链管理师");
    expect(r).not.toContain("直播销售员");
    expect(await ask("12月考什么")).toMatch(/选品员.*渗透测试员|渗透测试员.*选品员/);
  });
  it("should answer 'the next exam' honestly with the plan year and where to check", async () => {
    const r = await ask("下次考试什么时候");
    expect(r).toContain("2024年");
    expect(r).toContain("jinengpingjia.com");
    const r2 = await ask("今年直播销售员几月考");
    expect(r2).toContain("4月、6月、9月");
    expect(r2).toContain("最新的资料");
  });
});

describe("engine: fees (附件2)", () => {
  it.each([
    ["电商师二级多少钱", "240"],
    ["互联网营销师二级考试要多少钱", "240"],
    ["信息安全测试员三级费用", "160"],
    ["供应链管理师一级收费", "240"],
    ["视频创推员五级报名费", "160"],
  ])("%s → %s 元", async (q, total) => {
    expect(await ask(q)).toMatch(new RegExp(`(?<!\\d)${total} 元`));
  });
  it("should give a subject's fee", async () => {
    expect(await ask("综合评审多少钱")).toContain("80 元");
  });
  it("should not price a level that is not offered", async () => {
    const r = await ask("直播销售员一级多少钱");
    expect(r).toContain("没有一级/高级技师");
    expect(r).not.toContain("240");
  });
  it("should say fees are not refunded for personal reasons", async () => {
    expect(await ask("交了钱不考了能退吗")).toContain("不予退还");
  });
});

describe("engine: materials, process and contacts", () => {
  it.each([
    ["报名照片有哪些规格要求", ["JPEG", "132", "88", "40-80"]],
    ["台湾居民带什么证件", ["台湾居民居住证", "台湾居民来往大陆通行证"]],
    ["持护照的外籍人员能报名吗", ["护照", "外国人永久居留身份证"]],
    ["香港人用什么证件", ["港澳居民身份证"]],
    ["准考证怎么打印", ["7日", "打印准考证"]],
    ["成绩在哪里公示", ["15个工作日", "7天", "jinengpingjia"]],
    ["证书在哪查", ["jndj.osta.org.cn"]],
    ["没考过可以补考吗", ["保留一年", "一次补考", "单科补考"]],
    ["证书怎么领", ["现场领取", "快递邮寄"]],
    ["咨询电话", ["400-007-5676"]],
    ["你们在哪里办公", ["玉泉路63号"]],
    ["怎么投诉", ["010-68662352", "ecc@itmc.cn"]],
    ["報名網址是什麼", ["jinengpingjia"]],
    ["考试是机考吗", ["上机考试"]],
    ["证书是谁发的", ["中教畅享（北京）科技有限公司"]],
    ["怎么缴费", ["短信", "网上缴费", "放弃"]],
  ])("%s", async (q, parts) => {
    const r = await ask(q);
    for (const p of parts) expect(r).toContain(p);
  });
  it("should list a level's materials per condition", async () => {
    const r = await ask("电子商务师四级需要什么材料");
    expect(r).toContain("工作经历承诺书");
    expect(r).toContain("学信网");
    expect(r).toContain("照片");
  });
});

describe("engine: related occupations and majors (附件1)", () => {
  it("should answer a listed related occupation", async () => {
    expect(await ask("播音员算互联网营销师的相关职业吗")).toMatch(/^算/);
  });
  it("should name the school type when a major is listed for some only", async () => {
    const r = await ask("计算机科学与技术专业算电子商务师的相关专业吗");
    expect(r).toContain("本科院校");
    expect(r).toContain("学校类型");
  });
  it("should never guess about an unlisted major", async () => {
    const r = await ask("会计专业算供应链管理师的相关专业吗");
    expect(r).toContain("不在通知所列");
    expect(r).toContain("400-007-5676");
  });
  it("should list the majors on request", async () => {
    expect(await ask("信息安全测试员的相关专业有哪些")).toMatch(/相关专业（高等职业学校）：.*软件技术/);
  });
  it("should answer an eligibility question the text settles", async () => {
    const r = await ask("市场营销专业的应届生能报互联网营销师四级吗");
    expect(r).toContain("可以报");
    expect(r).not.toMatch(/不可以|不能报|不符合/);
  });
  it("should answer 我做快递5年能报供应链管理师吗 from the lists and the conditions", async () => {
    const r = await ask("我做快递5年能报供应链管理师吗");
    expect(r).toContain("邮政和快递服务人员");
    expect(r).toContain("满10年（目前5年）");
  });
});

describe("engine: conversation context", () => {
  it("should carry occupation and level into a follow-up", async () => {
    const [a, b, c] = await say(engine, "ctx-1", "直播销售员四级几月考", "那多少钱", "三级呢");
    expect(a).toContain("3月、6月、9月");
    expect(b).toContain("160 元");
    expect(c).toContain("三级/高级工");
    expect(c).toContain("160 元");
  });
  it("should switch the level only", async () => {
    const [, b] = await say(engine, "ctx-2", "电子商务师一级几月考", "二级呢");
    expect(b).toContain("3月、5月、8月、10月、11月");
  });
  it("should keep the track for 一级多少钱 after 选品员的考试时间", async () => {
    const [, b] = await say(engine, "ctx-3", "选品员的考试时间", "一级多少钱");
    expect(b).toContain("选品员");
    expect(b).toContain("240 元");
  });
  it("should compare two levels, and keep both for the follow-up", async () => {
    const [a, b] = await say(engine, "ctx-cmp", "电商三级和四级考试时间一样吗", "那费用呢也一样吗");
    expect(a).toContain("两者相同");
    expect(b).toContain("两者相同");
    expect(b).toContain("160");
    const [c] = await say(engine, "ctx-cmp2", "电商一级跟二级考试月份一样不");
    expect(c).toContain("两者不一样");
  });
  it("should answer two questions joined in one message, and one question once", async () => {
    const two = await ask("证书怎么领，补考费多少");
    expect(two).toContain("快递邮寄");
    expect(two).toContain("单科补考");
    const one = await ask("哈喽，考试费可以开发票不");
    expect(one).toContain("发票");
    expect(one).not.toContain("240");
  });
  it("should read 想考个初级证 as the level asked about, not a certificate held", async () => {
    expect(await ask("想先考个供应链管理师初级证，几月有")).toContain("没有五级/初级工");
  });
  it("should say an occupation is not in the plan, and not take 人工智能 for 人工", async () => {
    const r = await ask("今年有人工智能训练师的认定吗");
    expect(r).toContain("没有人工智能训练师的认定");
    expect(r).toContain("电子商务师");
  });
  it("should follow a major list with another school type", async () => {
    const [, b] = await say(engine, "ctx-school", "技工学校哪些专业算电子商务师相关专业", "中职呢");
    expect(b).toContain("直播电商服务");
  });
  it("should answer 那四级呢 after a verdict from what the candidate told", async () => {
    const [a, b] = await say(engine, "ctx-after", "普通中专电子商务专业毕业，没工作经验，没有证书，能报电子商务师三级吗", "那四级呢");
    expect(a).toContain("暂不符合电子商务师三级/高级工");
    expect(b).toContain("可以报电子商务师四级/中级工");
  });
  it("should say a level is not offered before a process answer", async () => {
    const r = await ask("营销师平台管理员高级技师报名开了吗");
    expect(r).toContain("没有一级/高级技师的认定");
  });
  it("should switch the track on 视频创推员呢", async () => {
    const [, b] = await say(engine, "ctx-4", "直播销售员四级几月考", "视频创推员呢");
    expect(b).toContain("视频创推员");
    expect(b).toContain("8月");
  });
  it("should keep conversations of different users apart", async () => {
    await say(engine, "ctx-5", "供应链管理师二级几月考");
    const [b] = await say(engine, "ctx-6", "多少钱");
    expect(b).not.toContain("供应链管理师二级");
  });
});

describe("engine: fallback, handoff and robustness", () => {
  it("should offer the closest topics and the hotline, and take a number to pick one", async () => {
    const [a, b] = await say(engine, "fb-1", "今天天气怎么样", "1");
    expect(a).toContain("您是不是想问");
    expect(a).toContain("400-007-5676");
    expect(a).toContain("8:30-17:30");
    expect(b).not.toContain("您是不是想问");
  });
  it("should hand off to a person with the hotline", async () => {
    const r = await engine.turn("fb-2", "转人工");
    expect(r.status).toBe("handoff");
    expect(r.replies[0]).toContain("400-007-5676");
  });
  it("should answer a Traditional question in the notice's script, or in Traditional with REPLY_SCRIPT=asked", async () => {
    const r = await ask("電子商務師二級多少錢");
    expect(r).toContain("电子商务师");
    expect(r).toContain("240");
    const asked = makeEngine({ replyScript: "asked" });
    const [t] = await say(asked, "script-1", "電子商務師二級多少錢");
    expect(t).toContain("電子商務師");
    expect(t).toContain("240");
  });
  it("should give the same answer to the same question every time", async () => {
    const a = await ask("直播销售员四级几月考");
    const b = await ask("直播销售员四级几月考");
    expect(a).toBe(b);
  });
  it("should answer empty, emoji-only and huge input without failing", async () => {
    expect((await engine.turn("rb-1", "")).status).toBe("empty");
    expect((await engine.turn("rb-2", "🙂🙂🙂")).replies[0].length).toBeGreaterThan(0);
    const huge = await engine.turn("rb-3", "电商".repeat(50_000));
    expect(huge.replies[0].length).toBeGreaterThan(0);
  });
  it("should log fallbacks and handoffs for staff", async () => {
    const unanswered = new MemoryUnansweredLog();
    const e = makeEngine({ unanswered });
    await e.turn("log-1", "今天天气怎么样");
    await e.turn("log-1", "人工客服");
    const entries = await unanswered.recent(10);
    expect(entries.map((x) => x.kind)).toEqual(["handoff", "fallback"]);
  });
  it("should apologise, not hang, when the store fails, and recover on the next turn", async () => {
    let fail = true;
    const store: SessionStore = {
      get: async () => {
        if (fail) throw new Error("disk on fire");
        return undefined;
      },
      set: async () => {},
      delete: async () => {},
    };
    const e = makeEngine({ store, logger: { info() {}, error() {} } });
    const r = await e.turn("err-1", "咨询电话");
    expect(r.status).toBe("error");
    expect(r.replies[0]).toContain("400-007-5676");
    fail = false;
    expect((await e.turn("err-1", "咨询电话")).status).toBe("answered");
  });
});

describe("engine: counting against the notice, and dates it does not give", () => {
  it("says the admission ticket cannot be printed yet more than 7 days before the exam (三（四）)", async () => {
    const r = await ask("考前10天能打印准考证吗");
    expect(r).toMatch(/^还不能/);
    expect(r).toMatch(/考试开始前7日/);
    expect(r).toMatch(/再过3天/);
    expect(r).toMatch(/三（四）/);
  });
  it.each([["离考试还有7天了，准考证能打了吗"], ["还有3天就考试了，准考证可以打印了吗"]])("says it can be printed from 7 days before: %s", async (text) => {
    expect(await ask(text)).toMatch(/^可以：考试开始前7日至开考前/);
  });
  it("says the notice gives months, not days, and where to find the date", async () => {
    const r = await ask("电子商务师三级3月具体几号考试");
    expect(r).toMatch(/3月/);
    expect(r).toMatch(/没有写具体日期/);
    expect(r).toMatch(/准考证/);
    expect(r).toMatch(/400-007-5676/);
    expect(await ask("报名截止到哪天")).toMatch(/没有写具体日期/);
    expect(await ask("电子商务师三级几月考")).not.toMatch(/具体日期/);
  });
  it("answers each subject and each related occupation named", async () => {
    const fees = await ask("理论跟实操各多少钱");
    expect(fees).toMatch(/理论知识每科 80 元/);
    expect(fees).toMatch(/操作技能每科 80 元/);
    const jobs = await ask("互联网营销师的相关职业里包括导游和播音员吗");
    expect(jobs).toMatch(/导游在互联网营销师的相关职业列表中/);
    expect(jobs).toMatch(/播音员在互联网营销师的相关职业列表中/);
  });
  it("counts the years since a passed subject against the year it is kept (三（六）)", async () => {
    const mid2024 = makeEngine({ now: () => Date.UTC(2024, 5, 1) });
    const retake = async (text: string) => (await say(mid2024, `retake-${++n}`, text))[0];
    const expired = await retake("我2022年考的理论过了，今年还能只补技能吗");
    expect(expired).toMatch(/^不能只补考了/);
    expect(expired).toMatch(/保留1年/);
    expect(expired).toMatch(/三（六）/);
    expect(await retake("2024年考的理论过了，技能没过，还能补考吗")).toMatch(/^可以/);
    expect(await retake("今年理论考过了，技能没过，还能补考吗")).toMatch(/^可以/);
    // A year ago: it depends on the date of that result.
    const maybe = await retake("去年考的理论过了实操没过，还能补考吗");
    expect(maybe).toMatch(/是否还在1年内/);
    expect(maybe).toMatch(/400-007-5676/);
    expect(await retake("2023年理论通过了，还能补考吗")).toMatch(/是否还在1年内/);
  });

  it("answers the materials asked beside the conditions", async () => {
    const r = await ask("互联网营销师五级的申报条件和需要提交的材料是什么");
    expect(r).toMatch(/年满16周岁/);
    expect(r).toMatch(/工作经历承诺书/);
  });
});

describe("engine: several names asked together, questions the notice does not answer, English", () => {
  it("compares the same level of two occupations, and keeps both for a follow-up", async () => {
    const user = `together-${++n}`;
    const [fee, second, months] = await say(engine, user, "电子商务师和供应链管理师三级价钱一样吗", "那二级呢", "考试时间一样吗");
    expect(fee).toMatch(/都是 160 元/);
    expect(second).toMatch(/电子商务师二级\/技师合计 240 元/);
    expect(second).toMatch(/供应链管理师二级\/技师合计 240 元/);
    expect(months).toMatch(/不一样/);
    expect(months).toMatch(/4月、7月、11月/);
  });
  it("compares two tracks, and does not take a job named beside the question for a second subject", async () => {
    const tracks = await ask("选品员和平台管理员三级考试时间一样吗");
    expect(tracks).toMatch(/选品员三级\/高级工 12月，平台管理员三级\/高级工 10月/);
    expect(await ask("我做电商的，想问互联网营销师几月考")).not.toMatch(/电子商务师/);
  });
  it("carries the topic over to a level said with 也, and answers a question after a space", async () => {
    const [, three] = await say(engine, `also-${++n}`, "二级有面试吗", "三级也有吗");
    expect(three).toMatch(/三级\/高级工要考2科/);
    const two = await ask("电商师一级几月考 要多少钱");
    expect(two).toMatch(/3月、5月、8月、11月/);
    expect(two).toMatch(/240 元/);
  });
  it("says what the notice does not cover, and where to ask", async () => {
    for (const text of ["考试难不难，通过率高吗", "你们有培训班吗", "考完多久能拿到证书", "考场在哪里 具体地址", "考试那天几点开始"]) {
      const r = await ask(text);
      expect(r, text).toMatch(/没有写明/);
      expect(r, text).toMatch(/准考证/);
      expect(r, text).toMatch(/400-007-5676/);
    }
  });
  it("answers residence, lost IDs and complaints from the notice's clauses", async () => {
    const hukou = await ask("不是北京户口能报吗");
    expect(hukou).toMatch(/^可以/);
    expect(hukou).toMatch(/第二代居民身份证原件或北京社保卡/);
    expect(await ask("我身份证丢了还能报名吗")).toMatch(/北京社保卡/);
    expect(await ask("名字要跟报名时填的一样吗")).toMatch(/完全一致/);
    expect(await ask("你们是不是骗子公司 收钱不办事")).toMatch(/010-68662352/);
  });
  it("reads a question in English for its facts", async () => {
    const fees = await ask("how much is the exam");
    expect(fees).toMatch(/160/);
    expect(fees).toMatch(/240/);
    expect(await ask("when is the e-commerce level 3 exam")).toMatch(/电子商务师三级\/高级工的认定月份是 3月、5月、8月、10月、11月/);
  });
});

describe("engine: years of work in a job outside the occupation and its related ones", () => {
  it("says the job is not related and does not count its years", async () => {
    const r = await ask("做了8年电商客服，没有证书，高中学历，能报信息安全测试员四级吗");
    expect(r).toMatch(/^电子商务师不在通知所列信息安全测试员的相关职业中/);
    expect(r).toMatch(/暂不符合/);
    const cook = await ask("在饭店当厨师6年了，没有任何职业证书，能报电子商务师四级吗");
    expect(cook).toMatch(/^厨师不在通知所列电子商务师的相关职业中/);
    expect(cook).not.toMatch(/可以报电子商务师四级/);
  });
  it("counts the years of a related job", async () => {
    const r = await ask("我做了6年采购员，没有证书，能报供应链管理师三级吗");
    expect(r).toMatch(/采购员在供应链管理师的相关职业列表中/);
    expect(r).toMatch(/工作6年/);
  });
});

describe("engine: details the notice leaves open are said to be open, with the hotline", () => {
  it.each([
    ["工作经历承诺书要盖章吗", /工作经历承诺书/],
    ["电子发票还是纸质的", /申领考试费发票/],
    ["我朋友去帮我领证书可以吗", /现场领取/],
    ["周末上班吗", /8:30-17:30/],
    ["拿临时身份证可以吗", /第二代居民身份证原件或北京社保卡/],
    ["我朋友在外地出差 我能帮他报名吗", /考试报名/],
  ])("%s", async (text, fact) => {
    const r = await ask(text);
    expect(r).toMatch(fact);
    expect(r).toMatch(/没有写明/);
    expect(r).toMatch(/400-007-5676/);
  });
  it("gives every way to reach the office when the hotline does not answer", async () => {
    const r = await ask("热线打不通 还有别的联系方式吗");
    expect(r).toMatch(/jinengpingjia/);
    expect(r).toMatch(/玉泉路63号/);
  });
  it("reads 过没过 as a question about results, and 审核过了没有 as one about the review", async () => {
    expect(await ask("我家孩子考完了 怎么知道自己过没过")).toMatch(/15个工作日内/);
    expect(await ask("怎么知道资格审核过了没有")).toMatch(/短信/);
  });
});

describe("engine: the clause an answer rests on, for hotline staff", () => {
  it("names a whole part of the notice with its heading, and keeps a sub-clause as it is", async () => {
    expect(await ask("理论知识怎么考")).toMatch(/（依据：2024年认定通知 第二部分（认定评价方式））$/);
    expect(await ask("国家职业标准调整了，认定会变吗")).toMatch(/第五部分（有关情况说明）/);
    expect(await ask("准考证什么时候打印")).toMatch(/（依据：2024年认定通知 三（四））$/);
    expect(await ask("电子商务师三级几月考")).toMatch(/第一部分（认定项目及实施机构）/);
  });
  it("answers what a level requires when asked in general, not as the asker's own case", async () => {
    const r = await ask("没证书直接报三级需要几年工作经验");
    expect(r).toMatch(/满10年/);
    expect(r).not.toMatch(/我们来做资格自测/);
    expect(await ask("四级证书拿到多久可以报三级")).toMatch(/满4年/);
    expect(await ask("申报条件在哪看")).toMatch(/附件1/);
  });
});

describe("engine: words from the eighteenth set (Traditional and Cantonese) and a few general ones", () => {
  it.each([
    ["電子商務師二級（技師）一年有哪幾個月份可以報考？", /3月、5月、8月、10月、11月/],
    ["直播銷售員三級／高級工，請問有哪些月份可以報名參加？", /6月、9月/],
    ["互聯網營銷師五級要繳費多少？", /160/],
    ["供應鏈管理師三級需要付綜合評審的費用嗎？", /160/],
    ["張相要幾大？檔案大小有冇限制？", /40-80/],
    ["收到什麼通知之後才可以繳費？", /资质审核通过的短信/],
    ["人力资源管理师几月考", /人力资源管理师/],
    ["你是机器人吗", /咨询助手/],
  ])("%s", async (text, fact) => {
    expect(await ask(text)).toMatch(fact);
  });
  it("does not take 一年 of the calendar for a year of work", async () => {
    expect(await ask("电子商务师一年考几次")).not.toMatch(/资格自测/);
  });
});
