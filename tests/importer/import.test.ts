/**
 * `npm run import`: a later notice becomes a folder the product answers from; a notice it cannot read writes nothing;
 * the review list and the diff are written beside the folder.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImport, type ImportOutcome } from "../../src/importer/import.js";
import * as annex1 from "../../src/importer/annex1.js";
import { loadKnowledge, ROOT } from "../../src/knowledge/load.js";
import { Engine } from "../../src/engine/engine.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const PREVIOUS = join(ROOT, "knowledge", "2024");
const SEED = readFileSync(join(FIXTURES, "2024-seed.txt"), "utf8");
/** Until the parser of 附件1 is merged, its stand-in carries the previous conditions over (and lists that). */
const REAL_ANNEX1 = !("TEMPORARY" in annex1);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "import-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Imports a notice given as text; returns the outcome and what the folder's parent holds afterwards. */
function importText(name: string, text: string, extra: { force?: boolean; out?: string } = {}): ImportOutcome & { siblings: string[] } {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "notice.txt");
  writeFileSync(file, text);
  const parent = join(dir, "out");
  const r = runImport({ file, out: extra.out ?? join(parent, "folder"), previous: PREVIOUS, force: extra.force });
  return { ...r, siblings: existsSync(parent) ? readdirSync(parent).sort() : [] };
}

const norm = (s: string) => s.normalize("NFKC").replace(/\s+/g, "");

describe("a notice it cannot read writes nothing (exit 1, with the reason and the line)", () => {
  it("no plan table", () => {
    const text = SEED.replace(/序号\t职业[\s\S]*?(?=二、认定评价方式)/, "");
    const r = importText("no-plan", text);
    expect(r.code).toBe(1);
    expect(r.error).toMatch(/没有找到认定计划表.*第 \d+ 行/);
    expect(r.siblings).toEqual([]);
  });

  it("no fee annex", () => {
    const r = importText("no-fees", SEED.slice(0, SEED.lastIndexOf("\n附件 2")));
    expect(r.code).toBe(1);
    expect(r.error).toMatch(/没有找到收费标准附件/);
    expect(r.siblings).toEqual([]);
  });

  it("a malformed plan row: an unreadable month cell, a first row without months", () => {
    const a = importText("bad-month", SEED.replace("4、7、11\n6", "四七十一月\n6"));
    expect(a.code).toBe(1);
    expect(a.error).toMatch(/第 5 行的认定月份“四七十一月”无法识别（第 22 行/);
    const b = importText("blank-first", SEED.replace("1\t电子商务师\t--\t四级/中级工\t3、5、8、 10、11", "1\t电子商务师\t--\t四级/中级工\t"));
    expect(b.code).toBe(1);
    expect(b.error).toMatch(/月份为空.*第 18 行/);
    expect([...a.siblings, ...b.siblings]).toEqual([]);
  });

  it("a plan occupation without a fee table, a level without a fee row: named with the plan's line", () => {
    const text = SEED.replace(/2024 年供应链管理师职业技能等级认定[\s\S]*?(?=2024 年信息安全测试员)/, "");
    const r = importText("no-fee-table", text);
    expect(r.code).toBe(1);
    expect(r.error).toMatch(/计划表第 5 行（供应链管理师 3级）在附件2中没有收费标准（附件2没有“供应链管理师”的收费表）（第 22 行/);
    expect(r.siblings).toEqual([]);
    const row = importText("no-fee-row", SEED.replace("五级/初级工\t80\t80\t-\t160\n", ""));
    expect(row.error).toMatch(/计划表第 8 行（互联网营销师\/平台管理员 5级）在附件2中没有收费标准（第 25 行/);
  });

  it("not a notice at all: a binary file, a text without Chinese, a Chinese text without parts", () => {
    expect(importText("binary", "\u0000\u0001PK\u0003").error).toMatch(/不是文本/);
    expect(importText("latin", "hello\nworld").error).toMatch(/没有中文/);
    expect(importText("prose", "这是一封普通的信。\n\n谢谢。").error).toMatch(/没有找到通知的正文部分/);
  });

  it("refuses a non-empty folder unless --force, and then replaces it whole", () => {
    const out = join(tmp, "existing", "2024");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "keep.txt"), "x");
    const refused = importText("existing-src", SEED, { out });
    expect(refused.code).toBe(1);
    expect(refused.error).toMatch(/已存在且不是空的.*--force/);
    expect(readdirSync(out)).toEqual(["keep.txt"]);
    const forced = importText("existing-src2", SEED, { out, force: true });
    expect(forced.code).not.toBe(1);
    expect(readdirSync(out).sort()).toEqual(["answers.yaml", "conditions.yaml", "contacts.yaml", "evaluation.yaml", "fees.yaml", "materials.yaml", "notice.yaml", "occupations.yaml", "plan.yaml"]);
    expect(readdirSync(join(tmp, "existing")).sort()).toEqual(["2024", "2024.diff.json", "2024.review.json"]);
  });
});

describe("a notice with something to check is written, and says so (exit 3)", () => {
  it("a fee total that is not the sum of its parts is listed with its line", () => {
    const r = importText("bad-total", SEED.replace("二级/技师\t80\t80\t80\t240\n一级/高级技师\t80\t80\t80\t240\n\n2024 年互联网营销师", "二级/技师\t80\t80\t80\t250\n一级/高级技师\t80\t80\t80\t240\n\n2024 年互联网营销师"));
    expect(r.code).toBe(3);
    const item = r.review.find((i) => i.file === "fees.yaml");
    expect(item).toMatchObject({ line: 218, reason: expect.stringMatching(/合计印为 250 元，各科之和为 240 元/) });
    const review = JSON.parse(readFileSync(`${r.out}.review.json`, "utf8"));
    expect(review.items).toContainEqual(item);
    expect(r.siblings).toEqual(["folder", "folder.diff.json", "folder.review.json"]);
  });

  it("a canned answer whose clause changed its wording is listed with both texts; a changed number is not", () => {
    const text = SEED.replace("考试费用不予退还", "可申请退还一半考试费用").replace("考试开始前7日", "考试开始前5日");
    const r = importText("refund", text);
    const items = r.review.filter((i) => i.file === "answers.yaml");
    expect(items.map((i) => i.reason.match(/“(\w+)”/)?.[1])).toEqual(["payment", "refund", "invoice"]);
    expect(items[1].reason).toMatch(/答案已换成新条款的原文.*原：.*不予退还.*新：.*可申请退还一半/);
    // On the day, the product quotes the new clause rather than the old paraphrase.
    const kb = loadKnowledge({ noticeDir: r.out });
    expect(kb.answers.find((a) => a.id === "refund")?.answer).toMatch(/因个人原因不能参加认定者，可申请退还一半考试费用/);
    expect(kb.answers.find((a) => a.id === "admission_ticket")?.answer).toContain("{ticketDays}");
  });

  it("a clause the new notice adds, and one it no longer has, are listed", () => {
    const text = SEED.replace("(五) 投诉监督途径", "(五) 微信公众号：中教畅享认定\n\n(六) 投诉监督途径").replace(/（七）证书领取\n\n.*\n/, "");
    const r = importText("clauses", text);
    const reasons = r.review.filter((i) => i.file === "answers.yaml").map((i) => i.reason);
    expect(reasons).toContainEqual(expect.stringMatching(/新增了条款 四（五）.*微信公众号/));
    expect(reasons).not.toContainEqual(expect.stringMatching(/新增了条款 四（六）/));
    expect(reasons).toContainEqual(expect.stringMatching(/条款 三（七） 在新通知中没有了/));
    expect(reasons).toContainEqual(expect.stringMatching(/“cert_collect”依据的条款 三（七） 在新通知中找不到/));
    // 投诉监督途径 is now 四（六）: the complaint answer follows it, and keeps its own wording.
    expect(reasons).toContainEqual(expect.stringMatching(/“complaint”依据的条款 四（五） 在新通知中编号变为 四（六）/));
    const complaint = loadKnowledge({ noticeDir: r.out }).answers.find((a) => a.id === "complaint");
    expect(complaint).toMatchObject({ clause: "四（六）", answer: expect.stringContaining("{complaintEmail}") });
  });

  it("an old value an answer writes as a literal is replaced by the new one, and listed", () => {
    const previous = join(tmp, "literal-prev");
    cpSync(PREVIOUS, previous, { recursive: true });
    const answers = readFileSync(join(previous, "answers.yaml"), "utf8").replace("{resultDays}个工作日内", "15个工作日内");
    writeFileSync(join(previous, "answers.yaml"), answers);
    const file = join(tmp, "literal.txt");
    writeFileSync(file, SEED.replace("结束后15个工作日内", "结束后20个工作日内"));
    const r = runImport({ file, out: join(tmp, "literal-out", "2024"), previous });
    expect(r.review.filter((i) => i.file === "answers.yaml")).toEqual([expect.objectContaining({ reason: expect.stringMatching(/“score”直接写了“15”.*已在答案里改为新值/) })]);
    expect(loadKnowledge({ noticeDir: r.out }).answers.find((a) => a.id === "score")?.answer).toMatch(/认定结束后20个工作日内.*公示期为\{publicityDays\}天/);
  });
});

describe("the 2025 sample notice", () => {
  let r: ImportOutcome;
  let engine: Engine;
  beforeAll(() => {
    r = runImport({ file: join(FIXTURES, "2025-sample.txt"), out: join(tmp, "sample", "2025"), previous: PREVIOUS });
    engine = new Engine(loadKnowledge({ noticeDir: join(tmp, "sample", "2025") }));
  });

  it("imports with nothing to review but 附件1 while its parser is not merged", () => {
    expect(r.code).toBe(REAL_ANNEX1 ? 0 : 3);
    expect(r.review.filter((i) => i.file !== "conditions.yaml")).toEqual([]);
  });

  it("says what changed: months, a level added and removed, fees, ticket days, photo size, address and hours", () => {
    const has = (section: string, item: string, before: unknown, after: unknown) =>
      expect(r.changes).toContainEqual(expect.objectContaining({ section, item, before, after }));
    has("计划", "电子商务师 一级", "3月、5月、8月、11月", "6月、11月");
    has("计划", "互联网营销师/直播销售员 二级", undefined, "9月");
    has("计划", "互联网营销师/选品员 一级", "12月", undefined);
    has("收费", "电子商务师 二级", "理论知识80元、操作技能80元、综合评审80元，合计240元", "理论知识90元、操作技能90元、综合评审100元，合计280元");
    has("考务", "准考证：考试开始前几日起可打印", 7, 5);
    has("照片", "文件大小（KB）", "40-80", "30-80");
    has("联系方式", "业务受理时间", "8:30-17:30", "9:00-17:00");
    const diff = JSON.parse(readFileSync(`${r.out}.diff.json`, "utf8"));
    expect(diff.changes).toEqual(r.changes);
  });

  it("the product answers the sample's questions from the imported folder", async () => {
    const cases = readFileSync(join(FIXTURES, "2025-sample-faq.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const failed: string[] = [];
    for (const c of cases) {
      const reply = norm((await engine.turn(c.user, c.text)).replies.join("\n"));
      const why = [...c.all.filter((p: string) => !new RegExp(p).test(reply)).map((p: string) => `missing ${p}`), ...c.none.filter((p: string) => new RegExp(p).test(reply)).map((p: string) => `has ${p}`)];
      if (why.length) failed.push(`${c.id} ${c.text}: ${why.join(", ")} — ${reply}`);
    }
    expect(failed).toEqual([]);
  });
});

describe("a synthetic later notice: an occupation added and one dropped, numbers and contacts changed", () => {
  let r: ImportOutcome;
  beforeAll(() => {
    r = runImport({ file: join(FIXTURES, "2026-variant.txt"), out: join(tmp, "variant", "2026"), previous: PREVIOUS });
  });

  it.skipIf(REAL_ANNEX1)("with 附件1's stand-in, the new occupation has no conditions: refused, nothing written", () => {
    expect(r.code).toBe(1);
    expect(r.problems?.join("\n")).toMatch(/人工智能训练师.*没有申报条件/);
    expect(existsSync(join(tmp, "variant", "2026"))).toBe(false);
  });

  it.runIf(REAL_ANNEX1)("imports, listing the new occupation's aliases, the split row and the changed refund clause", () => {
    expect(r.code).toBe(3);
    const reasons = r.review.map((i) => i.reason).join("\n");
    expect(reasons).toMatch(/新职业“人工智能训练师”：别名［人工智能训练[、］]/);
    expect(reasons).toMatch(/计划表第 7 行折到了下一行/);
    expect(reasons).toMatch(/“refund”依据的条款 三（三）/);
    expect(reasons).not.toMatch(/“(retake|score|address|hours|photo|admission_ticket)”/);
    expect(r.changes).toContainEqual(expect.objectContaining({ section: "职业", item: "供应链管理师", kind: "removed" }));
    expect(r.changes).toContainEqual(expect.objectContaining({ section: "职业", item: "人工智能训练师", kind: "added" }));
  });

  it.runIf(REAL_ANNEX1)("the product answers from it: the new occupation's months, fees and conditions, the new numbers and contacts", async () => {
    const engine = new Engine(loadKnowledge({ noticeDir: join(tmp, "variant", "2026") }));
    const ask = async (user: string, text: string) => norm((await engine.turn(user, text)).replies.join("\n"));
    expect(await ask("v1", "人工智能训练师四级几月考")).toMatch(/2026年.*4月、8月/);
    expect(await ask("v2", "人工智能训练师三级几月考")).toMatch(/4月、8月、12月/);
    expect(await ask("v3", "人工智能训练师五级多少钱")).toMatch(/210元/);
    expect(await ask("v4", "准考证提前几天能打印")).toMatch(/考试开始前3日/);
    expect(await ask("v5", "什么时候出成绩")).toMatch(/20个工作日.*公示期为5天/);
    expect(await ask("v6", "合格成绩保留多久")).toMatch(/保留两年,两年内有两次补考机会/);
    expect(await ask("v7", "照片文件要多大")).toMatch(/高大于160像素、宽大于120像素.*50-120/);
    expect(await ask("v8", "你们在哪办公")).toMatch(/中关村大街27号创新大厦8层.*9:00-16:30/);
    expect(await ask("v9", "投诉邮箱")).toMatch(/010-66660000.*jiandu@example\.cn/);
    expect(await ask("v10", "咨询电话")).toMatch(/400-888-1234/);
    expect(await ask("v11", "可以考哪些职业")).not.toMatch(/供应链管理师/);
    // The dropped occupation, by its name or an everyday one: not in this year's plan, never another's months or fee.
    expect(await ask("v13", "供应链管理师几月考")).toMatch(/2026年计划中没有供应链管理师/);
    expect(await ask("v14", "供应链三级多少钱")).toMatch(/2026年计划中没有供应链管理师/);
    expect(await ask("v15", "我是学供应链管理专业的，能报电子商务师四级吗")).toMatch(/供应链管理.*本科院校/);
    expect(await ask("v12", "我做了4年人工智能训练师，能报四级吗")).toMatch(/可以报人工智能训练师四级/);
  });
});

describe("the command line", () => {
  it("prints the diff and the review list and exits 3; refuses a missing --out with exit 1", () => {
    const out = join(tmp, "cli", "2025");
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const run = spawnSync(tsx, ["src/cli/import.ts", join(FIXTURES, "2025-sample.txt"), "--out", out, "--previous", PREVIOUS], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(REAL_ANNEX1 ? 0 : 3);
    expect(run.stdout).toMatch(/与上一份知识库相比的变化[\s\S]*准考证：考试开始前几日起可打印：7 → 5[\s\S]*待人工核对/);
    const bad = spawnSync(tsx, ["src/cli/import.ts", join(FIXTURES, "2025-sample.txt")], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/用法/);
  }, 90_000);
});
