import { describe, expect, it } from "vitest";
import { EntityExtractor } from "../../src/nlu/entities.js";
import { normalise, parseNumber } from "../../src/nlu/normalize.js";
import { getKb } from "../helpers.js";

const x = new EntityExtractor(getKb());
const ents = (text: string) => x.extract(normalise(text).text);

describe("normalise", () => {
  it("should fold full-width forms and Traditional script, and note the script", () => {
    expect(normalise("電子商務師ＡＢＣ　４級").text).toBe("电子商务师abc4级");
    expect(normalise("報名網址是什麼").traditional).toBe(true);
    expect(normalise("报名网址是什么").traditional).toBe(false);
    expect(normalise("列印准考證").text).toBe("打印准考证");
  });
  it("should drop control characters and cap the length", () => {
    expect(normalise("电\u0000商\u200b师").text).toBe("电商师");
    expect(normalise("好".repeat(10_000)).raw.length).toBe(2000);
  });
  it("should read Chinese numerals", () => {
    expect([parseNumber("十二"), parseNumber("二十"), parseNumber("五"), parseNumber("4.9"), parseNumber("半"), parseNumber("几")]).toEqual([12, 20, 5, 4.9, 0.5, NaN]);
  });
});

describe("entities: occupations and tracks in every form", () => {
  it.each([
    ["电子商务师", "电子商务师"],
    ["电商师", "电子商务师"],
    ["电商", "电子商务师"],
    ["供应链", "供应链管理师"],
    ["供应链管理师", "供应链管理师"],
    ["互联网营销师", "互联网营销师"],
    ["网络安全测试", "信息安全测试员"],
    ["信息安全测试员", "信息安全测试员"],
    ["資訊安全測試員", "信息安全测试员"],
  ])("%s → %s", (text, occupation) => {
    expect(ents(`${text}几月考`).occupation).toBe(occupation);
  });
  it.each([
    ["直播带货", "直播销售员"],
    ["带货主播", "直播销售员"],
    ["直播销售员", "直播销售员"],
    ["渗透测试", "渗透测试员"],
    ["选品员", "选品员"],
    ["视频创推员", "视频创推员"],
    ["平台管理员", "平台管理员"],
  ])("%s → track %s with its occupation", (text, track) => {
    const e = ents(`${text}多少钱`);
    expect(e.track).toBe(track);
    expect(e.occupation).toBe(track === "渗透测试员" ? "信息安全测试员" : "互联网营销师");
  });
});

describe("entities: levels", () => {
  it.each([
    ["四级", 4], ["4级", 4], ["中级工", 4], ["中级", 4], ["四 级", 4], ["４级", 4],
    ["五级", 5], ["初级", 5], ["三级", 3], ["高级工", 3], ["高级", 3], ["二级", 2], ["技师", 2], ["一级", 1], ["高级技师", 1],
  ])("%s → %i", (text, level) => {
    expect(ents(`电子商务师${text}多少钱`).level).toBe(level);
  });
  it("should tell the level of a certificate held from the level asked about", () => {
    const e = ents("我有四级证书，能报电子商务师三级吗");
    expect(e.certificate?.level).toBe(4);
    expect(e.level).toBe(3);
  });
  it("should not read 5年 as 五级", () => {
    expect(ents("我做快递5年能报供应链管理师吗").level).toBeUndefined();
  });
});

describe("entities: numbers, months, residency, schools, majors", () => {
  it("should read years of work, years with a certificate and age", () => {
    expect(ents("我做电商6年了").years).toBe(6);
    expect(ents("工作了十年").years).toBe(10);
    expect(ents("干了4.9年").years).toBe(4.9);
    expect(ents("2024年几月考").years).toBeUndefined();
    expect(ents("我今年16岁").age).toBe(16);
    const e = ents("取得四级证书后工作了4年");
    expect(e.certificate).toEqual({ level: 4, years: 4 });
  });
  it.each([["11月有哪些考试", 11], ["十二月考什么", 12], ["6月份", 6], ["三月", 3]])("%s → month %i", (text, month) => {
    expect(ents(text).month).toBe(month);
  });
  it.each([
    ["台胞", "taiwan"], ["台湾居民", "taiwan"], ["香港", "hongkong"], ["澳门", "macau"], ["外籍", "foreign"], ["外国人", "foreign"], ["臺灣", "taiwan"],
  ])("%s → residency %s", (text, group) => {
    expect(ents(`${text}带什么证件`).residency).toContain(group);
  });
  it.each([["中专", "中等职业学校"], ["高职", "高等职业学校"], ["大专", "普通高等学校专科"], ["本科", "本科及以上"], ["技师学院", "技师学院"], ["技校", "技工学校"]])(
    "%s → school %s",
    (text, school) => {
      expect(ents(`我是${text}毕业的`).school).toBe(school);
    },
  );
  it("should read statuses and programs", () => {
    expect(ents("应届生").status).toBe("应届");
    expect(ents("还在读").status).toBe("在读");
    expect(ents("预备技师班").program).toBe("预备技师班");
  });
  it("should prefer a major to an occupation alias when followed by 专业", () => {
    const e = ents("电子商务专业能报电子商务师吗");
    expect(e.major).toBe("电子商务");
    expect(e.occupation).toBe("电子商务师");
    expect(ents("信息安全专业算相关专业吗").major).toBe("信息安全");
  });
  it("should read an unlisted major as written, and not read a list request as a major", () => {
    expect(ents("我是学会计专业的").major).toBe("会计");
    expect(ents("互联网营销师的相关专业有哪些").major).toBeUndefined();
  });
  it("should find related occupations by their everyday names", () => {
    expect(ents("我做快递的").relatedOccupation).toBe("邮政和快递服务人员");
    expect(ents("播音员算吗").relatedOccupation).toBe("播音员");
  });
  it("should read durations as people say them, a shortfall just under the number", () => {
    expect(ents("做了4年11个月").years).toBeCloseTo(4 + 11 / 12);
    expect(ents("我做电商快5年了").years).toBeLessThan(5);
    expect(ents("不到一年").years).toBeLessThan(1);
    expect(ents("刚好满5年").years).toBe(5);
    expect(ents("直播销售员3月考吗").years).toBeUndefined();
    expect(ents("三级和四级是同一个月考吗").years).toBeUndefined();
    expect(ents("三级证书上个月刚拿到").certificate).toEqual({ level: 3, years: 0 });
  });
  it("should read what the candidate does not have, and intends", () => {
    expect(ents("一点工作经验都没有，也没有相关学历和证书").none).toEqual({ work: true, certificate: true, education: true });
    expect(ents("没有身份证").none.certificate).toBe(false);
    expect(ents("打算以后做直播带货").intending).toBe(true);
    expect(ents("不是技师学院毕业的").school).toBeUndefined();
  });
  it("should read statuses said in a sentence", () => {
    expect(ents("大专电商专业，今年6月毕业").status).toBe("应届");
    expect(ents("在读，明年才毕业").status).toBe("在读");
  });
  it("should read a major after 学 rather than an occupation", () => {
    expect(ents("学电子商务的").major).toBe("电子商务");
  });
  it("should understand Cantonese words", () => {
    expect(normalise("證書喺邊度查", [["喺", "在"], ["边度", "哪里"]]).text).toBe("证书在哪里查");
  });
  it("should not convert Simplified text with Taiwan phrases (程序 stays 程序)", () => {
    const n = normalise("计算机程序设计员");
    expect(n.text).toBe("计算机程序设计员");
    expect(n.traditional).toBe(false);
  });
  it("should flag questions about the next exam or another year", () => {
    expect(ents("下次考试什么时候").future).toBe(true);
    expect(ents("2026年几月考").future).toBe(true);
    expect(ents("2024年几月考").future).toBe(false);
  });
});

describe("entities: days before the exam, exact dates, several subjects or related occupations", () => {
  it.each([
    ["考前10天能打印准考证吗", 10],
    ["离考试还有八天", 8],
    ["距离开考只有2天了", 2],
    ["还有5天就考试了", 5],
    ["三天后开考，准考证在哪打", 3],
    ["我学了3天", undefined],
  ])("%s → %s days", (text, days) => {
    expect(ents(text).daysToExam).toBe(days);
  });
  it("should tell a question about a day from one about a month", () => {
    expect(ents("3月具体几号考试").exactDate).toBe(true);
    expect(ents("报名截止到哪天").exactDate).toBe(true);
    expect(ents("3月有哪些考试").exactDate).toBe(false);
  });
  it("should read when a result was obtained", () => {
    expect(ents("我2022年考的理论过了，今年还能只补技能吗").resultYear).toEqual({ year: 2022, said: "2022年" });
    expect(ents("去年考过一科").resultYear).toEqual({ yearsAgo: 1, said: "去年" });
    expect(ents("今年还能补考吗").resultYear).toBeUndefined();
  });
  it("should read a listed major after 学的是, not the occupation of the same words", () => {
    const e = ents("大专刚毕业，学的是电子商务，想报电子商务师四级");
    expect(e.major).toBe("电子商务");
    expect(e.occupation).toBe("电子商务师");
  });
  it("should take names joined to one another as asked about together", () => {
    expect(ents("电子商务师和供应链管理师三级价钱一样吗").together).toEqual([{ occupation: "电子商务师" }, { occupation: "供应链管理师" }]);
    expect(ents("选品员、平台管理员几月考").together).toEqual([
      { occupation: "互联网营销师", track: "选品员" },
      { occupation: "互联网营销师", track: "平台管理员" },
    ]);
    expect(ents("我做电商的，想问互联网营销师几月考").together).toEqual([]);
  });
  it("should read when a certificate was obtained and the work counted on after it", () => {
    expect(ents("五年前拿到电子商务师三级证，之后一直在电商公司做运营满5年").certificate).toMatchObject({ level: 3, years: 5 });
    expect(ents("供应链管理师二级证是5年前拿的，之后一直当供应链经理，满5年了").certificate).toMatchObject({ level: 2, years: 5 });
    const later = ents("我做采购15年了，供应链管理师二级证是3年前才拿的");
    expect(later.years).toBe(15);
    expect(later.certificate).toMatchObject({ level: 2, years: 3 });
    expect(ents("5年前拿了互联网营销师三级（视频创推员）证").certificate).toMatchObject({ level: 3, years: 5 });
  });
  it("should note a job outside the lists, and take the track said with the occupation", () => {
    expect(ents("在饭店当厨师6年了").unlistedJob).toBe("厨师");
    expect(ents("做了6年汽车修理工，没有证").unlistedJob).toBe("汽车修理工");
    expect(ents("我做了6年采购员").unlistedJob).toBeUndefined();
    expect(ents("在直播平台做内容审核1年了，能报互联网营销师平台管理员五级吗").track).toBe("平台管理员");
  });
  it("should keep every subject and related occupation named", () => {
    expect(ents("理论跟实操各多少钱").subjects).toHaveLength(2);
    expect(ents("导游和播音员算不算互联网营销师的相关职业").relatedOccupations).toEqual(["导游", "播音员"]);
  });
  it("should count years since a certificate when the next clause counts on from it", () => {
    expect(ents("我有电子商务师四级证书，拿证后一直做电商，到现在整整4年").certificate).toMatchObject({ level: 4, years: 4 });
    expect(ents("拿证后做直播电商整整4年，有四级证书").certificate).toMatchObject({ years: 4 });
    const whole = ents("有三级证书，工作6年了");
    expect(whole.years).toBe(6);
    expect(whole.certificate?.years).toBeUndefined();
  });
});
