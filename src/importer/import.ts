/**
 * `npm run import -- <notice.txt> --out <dir>`: reads a notice in the seed's layout and writes a complete knowledge
 * folder, validated by the real loader before it appears (written to a temporary folder beside <dir> and renamed).
 * Beside the folder: <dir>.review.json (what to check by hand) and <dir>.diff.json (what changed since the previous
 * folder). Exit status: 0 complete and valid, 3 written with items to review, 1 nothing written.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Document, isScalar, parse, parseDocument, visit } from "yaml";
import { KnowledgeError, ROOT, loadKnowledge, noticeDir, type Knowledge } from "../knowledge/load.js";
import { Engine } from "../engine/engine.js";
import { baseVars } from "../knowledge/facts.js";
import { ImportError, type ReviewItem, type SourceLine } from "./types.js";
import { outline } from "./sections.js";
import { parseNoticeFacts, type PreviousFiles } from "./notice.js";
import { parsePlan } from "./plan.js";
import { parseFees } from "./fees.js";
import { buildOccupations } from "./occupations.js";
import { reviewAnswers } from "./answers.js";
import { diffKnowledge, type Change } from "./diff.js";
import { parseAnnex1 } from "./annex1.js";
import { cells, squeeze, tidy, toLines } from "./text.js";

export interface ImportOptions {
  /** The notice as text (the seed's layout). */
  file: string;
  /** The folder to write. */
  out: string;
  /** The folder the new one replaces (default: the latest folder of knowledge/). */
  previous?: string;
  /** Replace a non-empty `out`. */
  force?: boolean;
}

export interface ImportOutcome {
  code: 0 | 1 | 3;
  out?: string;
  reviewFile?: string;
  diffFile?: string;
  review: ReviewItem[];
  changes: Change[];
  /** Exit 1: why nothing was written. */
  error?: string;
  /** Exit 1 because the folder did not validate: the loader's problems. */
  problems?: string[];
  summary?: string;
}

const FILES = ["notice", "plan", "occupations", "fees", "conditions", "materials", "contacts", "evaluation", "answers"] as const;

export function readPrevious(dir: string): PreviousFiles {
  const read = (name: string) => {
    const file = join(dir, `${name}.yaml`);
    if (!existsSync(file)) throw new ImportError(`上一份知识库 ${dir} 缺少 ${name}.yaml`);
    return readFileSync(file, "utf8");
  };
  const files = Object.fromEntries(FILES.map((f) => [f, (parse(read(f)) ?? {}) as Record<string, any>]));
  return { dir, ...(files as Omit<PreviousFiles, "dir" | "answersText">), answersText: read("answers") };
}

/** Reads the notice and builds the folder's files in memory; throws ImportError when it is not a notice it can read. */
export function buildFolder(text: string, prev: PreviousFiles): { files: Record<string, unknown>; review: ReviewItem[]; answersText: string } {
  if (/\u0000/.test(text) || (text.match(/\ufffd/g)?.length ?? 0) > 20) throw new ImportError("文件不是文本（或不是 UTF-8 编码）：请提供通知的文字版（.txt）");
  const lines = toLines(text);
  if (!lines.some((l) => /\p{Script=Han}/u.test(l.text))) throw new ImportError("文件里没有中文文字：这不是一份认定通知");
  const review: ReviewItem[] = [];
  const o = outline(lines);
  const facts = parseNoticeFacts(o, prev, review);
  const year = facts.notice.year as number;

  // The annexes: the fee tables (附件2) and the conditions (附件1), found by their content.
  const annexWith = (re: RegExp) => [...o.annexes].find(([, ls]) => ls.some((l) => re.test(l.text)));
  const fee = annexWith(/理论知识|收费标准/);
  if (!fee) throw new ImportError("没有找到收费标准附件（附件2：职业等级、理论知识、操作技能、合计）");
  const cond = annexWith(/申报条件/);
  const fees = parseFees(fee[1], year);
  review.push(...fees.review);

  // Occupation names the notice prints outside the plan: they decide how a name broken over two rows is joined.
  const annex1Names = (cond?.[1] ?? []).flatMap((l) => {
    const c = cells(l.text).map(squeeze);
    const i = c.findIndex((x) => /^职业名称$/.test(x));
    return i >= 0 && c[i + 1] ? [c[i + 1]] : [];
  });
  const known = new Set<string>([...fees.data.tables.map((t) => t.occupation), ...annex1Names]);
  const knownTracks = new Set<string>((prev.occupations.tracks ?? []).map((t: { name: string }) => t.name));
  for (const occ of prev.occupations.occupations ?? []) known.add(occ.name);
  const plan = parsePlan(facts.planPart.body, known, knownTracks);
  review.push(...plan.review);
  const rows = plan.data.rows;

  // Plan and fees agree: every offered level has a fee row (the loader refuses the folder otherwise).
  const planOcc = [...new Set(rows.map((r) => r.occupation))];
  for (const t of fees.data.tables) {
    if (!planOcc.includes(t.occupation)) review.push({ file: "fees.yaml", field: t.occupation, line: t.line, reason: `附件2有“${t.occupation}”的收费表，但认定计划里没有这个职业，请核对` });
  }
  for (const row of rows) {
    const table = fees.data.tables.find((t) => t.occupation === row.occupation);
    if (!table?.rows.some((f) => f.level === row.level)) {
      const at = row.line ? lines[row.line - 1] : undefined;
      throw new ImportError(`计划表第 ${row.no} 行（${row.occupation}${row.track ? `/${row.track}` : ""} ${row.level}级）在附件2中没有收费标准${table ? "" : `（附件2没有“${row.occupation}”的收费表）`}`, at?.no, at ? tidy(at.text) : undefined);
    }
  }
  for (const occ of planOcc) {
    if (!annex1Names.includes(occ) && cond) review.push({ file: "conditions.yaml", field: occ, reason: `认定计划里的“${occ}”在附件1中没有“职业名称”表，请核对` });
  }

  const planLevels = new Map<string, number[]>();
  for (const r of rows) planLevels.set(r.occupation, [...new Set([...(planLevels.get(r.occupation) ?? []), r.level])].sort((a, b) => b - a));
  const annexLines: SourceLine[] = cond?.[1] ?? [];
  const annex1 = parseAnnex1(annexLines, { conditions: prev.conditions }, planLevels);
  review.push(...annex1.review);
  if (!annex1.data) throw new ImportError("附件1没有读出申报条件，上一份知识库也没有可沿用的 conditions.yaml", o.annexLines.get(cond?.[0] ?? 1)?.no);

  const occupations = buildOccupations(rows, prev.occupations, review, typeof prev.notice.year === "number" ? prev.notice.year : undefined);

  const files: Record<string, unknown> = {
    notice: facts.notice,
    plan: { clause: facts.planPart.key, organiser: facts.organiser, rows: rows.map(({ no, occupation, track, level, months }) => ({ no, occupation, ...(track ? { track } : {}), level, months })) },
    occupations,
    fees: { clause: `附件${fee[0]}`, subjects: fees.data.subjects, tables: fees.data.tables.map(({ occupation, rows }) => ({ occupation, rows })) },
    conditions: annex1.data,
    materials: facts.materials,
    contacts: facts.contacts,
    evaluation: facts.evaluation,
  };
  return { files, review: dedupe(review), answersText: prev.answersText };
}

function dedupe(items: ReviewItem[]): ReviewItem[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = JSON.stringify(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const HEADERS: Record<string, string> = {
  notice: "通知本身：年份、标题、文号、日期、发文单位、各部分标题、考务数字（准考证、成绩公示、补考）和各条款原文（clauses，用于下次导入时比较措辞）",
  plan: "一、认定项目及实施机构：计划表逐行照录；认定月份为 null 的是合并单元格，取上方同一职业/工种最近一行的月份",
  occupations: "职业和工种（计划中的名称），aliases 是考生的常用叫法（沿用上一份；新职业的别名由名称推导，须人工核对）",
  fees: "附件2：各职业各等级各科收费（元），“-”为 null；合计已与各科之和核对",
  conditions: "附件1：申报条件、申报材料、相关职业和专业",
  materials: "三（二）报名材料：身份证明、照片规格、申报条件材料",
  contacts: "四、业务受理：地址、时间、电话、网址、投诉途径；三（五）2 证书查询网址",
  evaluation: "二、认定评价方式",
};

function yamlText(name: string, data: unknown, source: string): string {
  const doc = new Document(data, { aliasDuplicateObjects: false });
  // Table rows one per line and lists of words on one line, as the hand-written files have them.
  visit(doc, {
    Seq(_, node, path) {
      const parent = path[path.length - 1] as { key?: { value?: unknown } } | undefined;
      if (parent?.key?.value === "rows") for (const item of node.items) (item as { flow?: boolean }).flow = true;
      else if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return `# ${HEADERS[name] ?? name}\n# 由 npm run import 从 ${source} 生成。\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

/** Loads a written folder with the real loader and builds the engine (which checks every placeholder has a value). */
function validateFolder(dir: string): { kb?: Knowledge; problems?: string[] } {
  try {
    const kb = loadKnowledge({ noticeDir: dir });
    new Engine(kb);
    return { kb };
  } catch (err) {
    if (err instanceof KnowledgeError) return { problems: err.problems.map((p) => `${resolve(ROOT, p.file)} ${p.path}: ${p.message}`) };
    return { problems: [(err as Error).message] };
  }
}

export function runImport(opts: ImportOptions): ImportOutcome {
  const out = resolve(opts.out);
  const fail = (error: string, extra: Partial<ImportOutcome> = {}): ImportOutcome => ({ code: 1, review: [], changes: [], error, ...extra });
  let text: string;
  try {
    text = readFileSync(opts.file, "utf8");
  } catch (err) {
    return fail(`无法读取通知文件 ${opts.file}：${(err as Error).message}`);
  }
  if (existsSync(out) && (!isDir(out) || readdirSync(out).length) && !opts.force) {
    return fail(`输出目录 ${out} 已存在且不是空的：换一个目录，或加 --force 覆盖`);
  }
  let prevDir: string;
  try {
    prevDir = opts.previous ? resolve(opts.previous) : noticeDir();
  } catch (err) {
    return fail(`找不到上一份知识库：${(err as Error).message}`);
  }
  if (prevDir === out && !opts.force) return fail("输出目录就是上一份知识库：换一个目录");
  const prevCheck = validateFolder(prevDir);
  if (!prevCheck.kb) return fail(`上一份知识库 ${prevDir} 无效，无法作为比较和沿用的基础`, { problems: prevCheck.problems });

  let built: ReturnType<typeof buildFolder>;
  try {
    built = buildFolder(text, readPrevious(prevDir));
  } catch (err) {
    if (err instanceof ImportError) return fail(err.message);
    throw err;
  }

  // Write beside the target, validate, then rename: never a half-written folder.
  const parent = dirname(out);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(out)}.importing-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    for (const [name, data] of Object.entries(built.files)) writeFileSync(join(tmp, `${name}.yaml`), yamlText(name, data, basename(opts.file)));
    writeFileSync(join(tmp, "answers.yaml"), built.answersText);
    let check = validateFolder(tmp);
    const refuse = () => {
      rmSync(tmp, { recursive: true, force: true });
      return fail("写出的知识库没有通过校验，未写入（见下面的问题和待核对项）", { problems: check.problems?.map((p) => p.replace(/\.[^/\s]*importing-[^/\s]+/, basename(out))), review: built.review });
    };
    if (!check.kb) return refuse();
    // The carried-over answers against the clauses whose text changed (needs both folders' placeholder values).
    const review = [...built.review];
    const rewrites = reviewAnswers(check.kb.answers, answerBasis(prevCheck.kb), { ...answerBasis(check.kb), clauses: check.kb.notice.clauses ?? {} }, droppedNames(prevCheck.kb, check.kb), review);
    built.review = dedupe(review);
    if (rewrites.size) {
      const doc = parseDocument(built.answersText);
      for (const [i, change] of rewrites) {
        if (change.answer !== undefined) doc.setIn(["answers", i, "answer"], change.answer);
        if (change.clause !== undefined) doc.setIn(["answers", i, "clause"], change.clause);
      }
      writeFileSync(join(tmp, "answers.yaml"), doc.toString({ lineWidth: 0, flowCollectionPadding: false }));
      check = validateFolder(tmp);
      if (!check.kb) return refuse();
    }
    const changes = diffKnowledge(prevCheck.kb, check.kb);
    const reviewFile = `${out}.review.json`;
    const diffFile = `${out}.diff.json`;
    const meta = { notice: resolve(opts.file), folder: out, previous: prevDir };
    writeFileSync(`${tmp}.review.json`, JSON.stringify({ ...meta, items: built.review }, null, 2) + "\n");
    writeFileSync(`${tmp}.diff.json`, JSON.stringify({ ...meta, changes }, null, 2) + "\n");
    if (existsSync(out)) {
      const old = `${tmp}.old`;
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, out);
    renameSync(`${tmp}.review.json`, reviewFile);
    renameSync(`${tmp}.diff.json`, diffFile);
    const kb = check.kb;
    const summary = `${kb.notice.shortName}（${kb.notice.docNumber}）：计划 ${kb.plan.rows.length} 行，职业 ${kb.occupations.occupations.length} 个，收费表 ${kb.fees.tables.length} 张，固定答案 ${kb.answers.length} 条`;
    return { code: built.review.length ? 3 : 0, out, reviewFile, diffFile, review: built.review, changes, summary };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(`${tmp}.review.json`, { force: true });
    rmSync(`${tmp}.diff.json`, { force: true });
    throw err;
  }
}

const answerBasis = (kb: Knowledge) => ({ clauses: kb.notice.clauses, vars: baseVars(kb) });

/** Occupations and tracks of the previous folder that the new plan no longer has. */
function droppedNames(prev: Knowledge, next: Knowledge): string[] {
  const names = (kb: Knowledge) => [...kb.occupations.occupations.map((o) => o.name), ...kb.occupations.tracks.map((t) => t.name)];
  const now = new Set(names(next));
  return names(prev).filter((n) => !now.has(n));
}

const isDir = (p: string): boolean => {
  try {
    return readdirSync(p) !== undefined;
  } catch {
    return false;
  }
};

/** The review list as lines for a terminal. */
export function formatReview(items: ReviewItem[]): string {
  if (!items.length) return "没有需要人工核对的项。";
  return items
    .map((r, i) => `${i + 1}. [${r.file} ${r.field}]${r.line ? ` 第 ${r.line} 行` : ""}：${r.reason}${r.source ? `\n     原文：${r.source}` : ""}`)
    .join("\n");
}

