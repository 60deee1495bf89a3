/** One structured reply, rendered for the text channels (WeChat, 公众号) and for reading out (the console's copy). */
import { describe, expect, it } from "vitest";
import { renderPlain, renderText } from "../../src/engine/render-text.js";
import { findLinks, type StructuredReply } from "../../src/engine/reply.js";

const question: StructuredReply = {
  parts: ["是否取得过本职业或相关职业的职业资格（职业技能等级）证书？"],
  options: [
    { label: "有", value: "opt:certificate:1" },
    { label: "没有", value: "opt:certificate:2" },
  ],
  links: [],
};
const answer: StructuredReply = {
  parts: ["业务咨询电话：400-007-5676（8:30-17:30）。", "投诉：010-68662352，ecc@itmc.cn；网址 http://www.jinengpingjia.com/。"],
  options: [],
  source: "（依据：2024年认定通知 四（三））",
  links: [],
};

describe("renderText", () => {
  it("numbers the options after the question and says how to choose", () => {
    expect(renderText(question, { hint: "（回复数字即可）" })).toBe(
      "是否取得过本职业或相关职业的职业资格（职业技能等级）证书？\n1. 有\n2. 没有\n（回复数字即可）",
    );
  });

  it("gives an answer without options as its parts and source, no hint", () => {
    expect(renderText(answer, { hint: "（回复数字即可）" })).toBe(`${answer.parts.join("\n")}\n${answer.source}`);
  });
});

describe("renderPlain (to read out or send by SMS)", () => {
  it("keeps the answer and its source, never options", () => {
    expect(renderPlain(answer)).toBe(`${answer.parts.join("\n")}\n${answer.source}`);
    expect(renderPlain(question)).toBe(question.parts[0]);
  });
});

describe("findLinks", () => {
  it("types phone numbers, web and e-mail addresses, each once, in order", () => {
    const text = answer.parts.join("\n") + " 再次：400-007-5676";
    expect(findLinks(text)).toEqual([
      { kind: "tel", text: "400-007-5676", href: "tel:4000075676" },
      { kind: "tel", text: "010-68662352", href: "tel:01068662352" },
      { kind: "email", text: "ecc@itmc.cn", href: "mailto:ecc@itmc.cn" },
      { kind: "url", text: "http://www.jinengpingjia.com/", href: "http://www.jinengpingjia.com/" },
    ]);
  });

  it("does not take years, fees or months for phone numbers", () => {
    expect(findLinks("2024年计划：合计 160 元，认定月份 3、5、8月；中教培〔2023〕66号")).toEqual([]);
  });
});
