/** Loads knowledge/ (the common folder and one notice folder) and intents/, validating every file with zod. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ENGINE_INTENTS } from "../engine/intent-names.js";
import {
  AnswersFile,
  ConditionsFile,
  ContactsFile,
  DialogFile,
  EvaluationFile,
  EverydayFile,
  FeesFile,
  IntentsFile,
  LexiconFile,
  MaterialsFile,
  RoutingFile,
  NoticeFile,
  OccupationsFile,
  PlanFile,
  RepliesFile,
  type Program,
  type Rule,
  type School,
  type Status,
} from "./schema.js";

export interface Problem {
  file: string;
  path: string;
  message: string;
}

export class KnowledgeError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`知识库有 ${problems.length} 处错误:\n` + problems.map((p) => `  ${p.file} ${p.path}: ${p.message}`).join("\n"));
  }
}

export interface PlanRow {
  no: number;
  occupation: string;
  track?: string;
  level: number;
  months: number[];
  /** Set when the month cell was blank (merged): the row whose months it shares. */
  monthsFromRow?: number;
}

export interface MaterialItem {
  text: string;
  /** Only for these school types (one of the notice's "或" alternatives); absent: for everyone. */
  schools?: School[];
}

export interface ResolvedRule {
  years?: number;
  certificate?: { level: number; yearsSince?: number; yearsHeld?: number };
  education?: { schools: School[]; programs?: Program[]; status: Status[]; relatedMajor?: boolean };
  age?: number;
  working?: boolean;
}

export interface Condition {
  id: string;
  text: string;
  rule: ResolvedRule;
  materials: MaterialItem[];
}

export interface MajorList {
  label: string;
  schools: School[];
  note?: string;
  majors: string[];
}

export interface OccupationRules {
  occupation: string;
  levels: Map<number, Condition[]>;
  /**
   * Conditions of a level the importer could not read into a rule (kept as the notice words them): never evaluated,
   * so a candidate who could only qualify through one is told it is not established, with the hotline.
   */
  unread?: Map<number, Condition[]>;
  /** Footnotes the importer could not read, which may restrict who can apply: a verdict of 可以报 is not established. */
  restrictions?: string[];
  relatedOccupations: string[];
  relatedOccupationAliases: Record<string, string[]>;
  majorLists: MajorList[];
}

export interface Knowledge {
  dir: string;
  /** Which version of the notice folder this is: a hash of its files' contents (a dialog records it when it starts). */
  hash: string;
  notice: z.infer<typeof NoticeFile>;
  plan: { clause: string; organiser: string; rows: PlanRow[] };
  occupations: z.infer<typeof OccupationsFile>;
  evaluation: z.infer<typeof EvaluationFile>;
  fees: z.infer<typeof FeesFile>;
  contacts: z.infer<typeof ContactsFile>;
  materials: z.infer<typeof MaterialsFile>;
  conditionsClause: string;
  /** 附件1's material names (工作经历承诺书 …), by key. */
  materialTexts: Map<string, string>;
  rules: Map<string, OccupationRules>;
  answers: z.infer<typeof AnswersFile>["answers"];
  lexicon: z.infer<typeof LexiconFile>;
  replies: Record<string, string>;
  dialog: z.infer<typeof DialogFile>;
  intents: z.infer<typeof IntentsFile>["intents"];
  /** How the engine settles an intent after understanding (intents/routing.yaml), in order. */
  routes: z.infer<typeof RoutingFile>["routes"];
  /** Everyday names of jobs and majors (knowledge/common/everyday.yaml), only those the notice lists. */
  everyday: z.infer<typeof EverydayFile>;
  /**
   * Questions staff added to answers in the console (the edit layer, src/console/edits.ts): asked as written
   * (normalised), each gets its answer, whatever other intents' keywords say.
   */
  staffQuestions?: { id: string; question: string }[];
}

const NOTICE_FILES = {
  notice: ["notice.yaml", NoticeFile],
  plan: ["plan.yaml", PlanFile],
  occupations: ["occupations.yaml", OccupationsFile],
  evaluation: ["evaluation.yaml", EvaluationFile],
  fees: ["fees.yaml", FeesFile],
  contacts: ["contacts.yaml", ContactsFile],
  materials: ["materials.yaml", MaterialsFile],
  conditions: ["conditions.yaml", ConditionsFile],
  answers: ["answers.yaml", AnswersFile],
} as const;

/** The project root: the nearest folder above this file with a package.json (from src/ or from the built dist/src/). */
export const ROOT = projectRoot(import.meta.dirname);

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return resolve(from, "..", "..");
  }
}

/** The notice folder to use: `dir` if given, else the folder of knowledge/ whose notice.yaml has the latest year. */
export function noticeDir(knowledgeDir = join(ROOT, "knowledge"), dir?: string): string {
  if (dir) return resolve(dir);
  const candidates = readdirSync(knowledgeDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(knowledgeDir, d.name, "notice.yaml")))
    .map((d) => {
      const raw = parse(readFileSync(join(knowledgeDir, d.name, "notice.yaml"), "utf8")) as { year?: unknown };
      return { dir: join(knowledgeDir, d.name), year: typeof raw?.year === "number" ? raw.year : -1 };
    })
    .sort((a, b) => b.year - a.year);
  if (!candidates.length) throw new KnowledgeError([{ file: knowledgeDir, path: "", message: "没有找到含 notice.yaml 的通知目录" }]);
  return candidates[0].dir;
}

/** Every folder of `knowledgeDir` that has a notice.yaml, newest year first (a notice.yaml without a year last). */
export function noticeDirs(knowledgeDir = join(ROOT, "knowledge")): string[] {
  if (!existsSync(knowledgeDir)) return [];
  return readdirSync(knowledgeDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(knowledgeDir, d.name, "notice.yaml")))
    .map((d) => ({ dir: join(knowledgeDir, d.name), year: noticeYear(join(knowledgeDir, d.name)) ?? -1 }))
    .sort((a, b) => b.year - a.year || a.dir.localeCompare(b.dir))
    .map((c) => c.dir);
}

/** The year a notice folder's notice.yaml states, read without validating the rest (undefined when it cannot be read). */
export function noticeYear(dir: string): number | undefined {
  try {
    const raw = parse(readFileSync(join(dir, "notice.yaml"), "utf8")) as { year?: unknown };
    return typeof raw?.year === "number" ? raw.year : undefined;
  } catch {
    return undefined;
  }
}

/** A short hash of a notice folder's files (those the loader reads), so that a changed folder is told from the same one. */
export function noticeHash(dir: string): string {
  const h = createHash("sha256");
  for (const [file] of Object.values(NOTICE_FILES)) {
    h.update(file).update("\0");
    try {
      h.update(readFileSync(join(dir, file)));
    } catch {
      h.update("(missing)");
    }
    h.update("\0");
  }
  return h.digest("base64url").slice(0, 12);
}

export interface LoadOptions {
  /** The notice folder (default: the latest in knowledge/). */
  noticeDir?: string;
  commonDir?: string;
  intentsDir?: string;
}

function readYaml<T>(file: string, schema: z.ZodType<T>, problems: Problem[]): T | undefined {
  const name = relative(ROOT, file) || file;
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, "utf8"));
  } catch (err) {
    problems.push({ file: name, path: "", message: `无法读取或解析 YAML: ${(err as Error).message.split("\n")[0]}` });
    return undefined;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push({ file: name, path: issue.path.join(".") || "(根)", message: issue.message });
    }
    return undefined;
  }
  return result.data;
}

/** Loads and validates everything; throws a KnowledgeError listing every problem with its file and path. */
export function loadKnowledge(options: LoadOptions = {}): Knowledge {
  const problems: Problem[] = [];
  const dir = noticeDir(join(ROOT, "knowledge"), options.noticeDir);
  const commonDir = options.commonDir ?? join(ROOT, "knowledge", "common");
  const intentsDir = options.intentsDir ?? join(ROOT, "intents");

  const files: Record<string, unknown> = {};
  for (const [key, [file, schema]] of Object.entries(NOTICE_FILES)) {
    files[key] = readYaml(join(dir, file), schema as z.ZodType<unknown>, problems);
  }
  const lexicon = readYaml(join(commonDir, "lexicon.yaml"), LexiconFile, problems);
  const replies = readYaml(join(commonDir, "replies.yaml"), RepliesFile, problems);
  const dialog = readYaml(join(commonDir, "dialog.yaml"), DialogFile, problems);
  const everyday = readYaml(join(commonDir, "everyday.yaml"), EverydayFile, problems);
  const intents: z.infer<typeof IntentsFile>["intents"] = [];
  const routing = existsSync(join(intentsDir, ROUTING_FILE)) ? readYaml(join(intentsDir, ROUTING_FILE), RoutingFile, problems) : { routes: [] };
  for (const f of existsSync(intentsDir) ? readdirSync(intentsDir).filter((n) => /\.ya?ml$/.test(n) && n !== ROUTING_FILE).sort() : []) {
    const data = readYaml(join(intentsDir, f), IntentsFile, problems);
    if (data) intents.push(...data.intents);
  }
  if (problems.length) throw new KnowledgeError(problems);

  const f = files as {
    notice: z.infer<typeof NoticeFile>;
    plan: z.infer<typeof PlanFile>;
    occupations: z.infer<typeof OccupationsFile>;
    evaluation: z.infer<typeof EvaluationFile>;
    fees: z.infer<typeof FeesFile>;
    contacts: z.infer<typeof ContactsFile>;
    materials: z.infer<typeof MaterialsFile>;
    conditions: z.infer<typeof ConditionsFile>;
    answers: z.infer<typeof AnswersFile>;
  };
  const kb: Knowledge = {
    dir,
    hash: noticeHash(dir),
    notice: f.notice,
    plan: { clause: f.plan.clause, organiser: f.plan.organiser, rows: resolvePlanRows(f.plan, problems, rel(dir, "plan.yaml")) },
    occupations: f.occupations,
    evaluation: f.evaluation,
    fees: f.fees,
    contacts: f.contacts,
    materials: f.materials,
    conditionsClause: f.conditions.clause,
    materialTexts: new Map(Object.entries(f.conditions.materialTexts)),
    rules: resolveRules(f.conditions, problems, rel(dir, "conditions.yaml")),
    // YAML's folded lines join with a space, which Chinese text does not have between its characters.
    // (Only between Chinese characters and Chinese punctuation: a URL keeps the spaces that set it apart.)
    answers: f.answers.answers.map((a) => ({ ...a, answer: a.answer.replace(/(?<=[\p{Script=Han}\u3000-\u303f\uff00-\uffef“”])\s+(?=[\p{Script=Han}\u3000-\u303f\uff00-\uffef“”])/gu, "") })),
    lexicon: lexicon!,
    replies: replies!.replies,
    dialog: dialog!,
    intents,
    everyday: everyday!,
    routes: routing?.routes ?? [],
  };
  kb.everyday = noticeNames(kb, everyday!);
  crossCheck(kb, problems, dir);
  if (problems.length) throw new KnowledgeError(problems);
  return kb;
}

/** The routes of intents/ (not an intents file). */
export const ROUTING_FILE = "routing.yaml";

/** The everyday lexicon narrowed to the names this notice lists (a name of another year's notice is dropped). */
function noticeNames(kb: Knowledge, e: z.infer<typeof EverydayFile>): z.infer<typeof EverydayFile> {
  const jobs = new Set([...kb.rules.values()].flatMap((r) => [r.occupation, ...r.relatedOccupations]));
  const majors = new Set([...kb.rules.values()].flatMap((r) => r.majorLists.flatMap((l) => l.majors)));
  const narrow = (map: Record<string, string[]>, known: Set<string>) =>
    Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.filter((n) => known.has(n))]).filter(([, v]) => v.length));
  return { ...e, jobs: narrow(e.jobs, jobs), majors: narrow(e.majors, majors) };
}

const rel = (dir: string, file: string) => relative(ROOT, join(dir, file));

/** Fills a blank (merged) month cell from the nearest row above with months, within the same occupation and track. */
function resolvePlanRows(plan: z.infer<typeof PlanFile>, problems: Problem[], file: string): PlanRow[] {
  const rows: PlanRow[] = [];
  plan.rows.forEach((row, i) => {
    if (row.months) {
      rows.push({ ...row, months: [...row.months].sort((a, b) => a - b) });
      return;
    }
    const above = [...rows].reverse().find((r) => r.occupation === row.occupation && r.track === row.track && !r.monthsFromRow);
    if (!above) {
      problems.push({ file, path: `rows.${i}.months`, message: "月份为空，但上方没有同一职业/工种的行可合并" });
      return;
    }
    rows.push({ ...row, months: above.months, monthsFromRow: above.no });
  });
  return rows;
}

function resolveRules(file: z.infer<typeof ConditionsFile>, problems: Problem[], name: string): Map<string, OccupationRules> {
  const schools = (ref: string | School[], path: string): School[] => {
    if (Array.isArray(ref)) return ref;
    const group = file.schoolGroups[ref];
    if (!group) problems.push({ file: name, path, message: `未定义的学校组 "${ref}"（可用：${Object.keys(file.schoolGroups).join("、")}）` });
    return group ?? [];
  };
  const resolveRule = (rule: Rule, path: string): ResolvedRule => ({
    ...rule,
    education: rule.education && { ...rule.education, schools: schools(rule.education.schools, `${path}.education.schools`) },
  });
  type Entry = { id: string; text: string; rule?: Rule; materials: { ref: string; schools?: string | School[] }[] };
  const resolveCondition = (c: Entry, path: string): Condition => ({
    id: c.id,
    text: c.text,
    rule: resolveRule(c.rule ?? {}, `${path}.rule`),
    materials: c.materials.map((m, mi) => {
      const text = file.materialTexts[m.ref];
      if (!text) problems.push({ file: name, path: `${path}.materials.${mi}.ref`, message: `未定义的材料 "${m.ref}"` });
      return { text: text ?? m.ref, schools: m.schools === undefined ? undefined : schools(m.schools, `${path}.materials.${mi}.schools`) };
    }),
  });
  const out = new Map<string, OccupationRules>();
  file.occupations.forEach((occ, oi) => {
    if (out.has(occ.occupation)) problems.push({ file: name, path: `occupations.${oi}.occupation`, message: `重复的职业 "${occ.occupation}"` });
    const levels = new Map<number, Condition[]>();
    const unread = new Map<number, Condition[]>();
    const own = occ.conditions ?? {};
    // The table's levels in the notice's order; without `levels`, the own conditions' levels, 五级 first as in the plan.
    const order = occ.levels ?? Object.keys(own).map(Number).sort((a, b) => b - a);
    for (const key of Object.keys(own)) {
      if (!order.includes(Number(key))) {
        problems.push({ file: name, path: `occupations.${oi}.conditions.${key}`, message: `levels 中没有 ${key} 级，但有它的条件` });
      }
    }
    for (const level of order) {
      const mine = own[String(level)];
      if (mine) {
        // A condition without a rule is one the importer could not read: kept in the file for review, never evaluated
        // (its material refs are still checked).
        const resolved = mine.map((c, ci) => resolveCondition(c, `occupations.${oi}.conditions.${level}.${ci}`));
        levels.set(level, resolved.filter((_, ci) => mine[ci].rule !== undefined));
        const notRead = resolved.filter((_, ci) => mine[ci].rule === undefined);
        if (notRead.length) unread.set(level, notRead);
        continue;
      }
      const template = file.templates[String(level)];
      if (!template) {
        problems.push({ file: name, path: `occupations.${oi}.levels`, message: `没有 ${level} 级的条件（既无本职业的 conditions，也无模板）` });
        continue;
      }
      levels.set(level, template.map((c, ci) => resolveCondition(c, `templates.${level}.${ci}`)));
    }
    if (!occ.majorLists.length && [...levels.values()].some((list) => list.some((c) => c.rule.education?.relatedMajor))) {
      problems.push({ file: name, path: `occupations.${oi}.majorLists`, message: `${occ.occupation}的条件要求本专业或相关专业，但没有专业目录` });
    }
    out.set(occ.occupation, {
      occupation: occ.occupation,
      levels,
      ...(unread.size ? { unread } : {}),
      ...(occ.restrictions?.length ? { restrictions: occ.restrictions } : {}),
      relatedOccupations: occ.relatedOccupations,
      relatedOccupationAliases: occ.relatedOccupationAliases ?? {},
      majorLists: occ.majorLists.map((l, li) => ({
        label: l.label,
        note: l.note,
        schools: schools(l.schools, `occupations.${oi}.majorLists.${li}.schools`),
        majors: [...new Set(l.majors)],
      })),
    });
  });
  return out;
}

/** Checks that the files agree with each other: every name used is defined, every offered level has a fee and conditions. */
function crossCheck(kb: Knowledge, problems: Problem[], dir: string): void {
  const occNames = new Set(kb.occupations.occupations.map((o) => o.name));
  const tracks = new Map(kb.occupations.tracks.map((t) => [t.name, t.occupation]));
  for (const t of kb.occupations.tracks) {
    if (!occNames.has(t.occupation)) problems.push({ file: rel(dir, "occupations.yaml"), path: `tracks.${t.name}`, message: `未知职业 "${t.occupation}"` });
  }
  const seen = new Set<string>();
  kb.plan.rows.forEach((row, i) => {
    const path = `rows.${i}`;
    if (!occNames.has(row.occupation)) problems.push({ file: rel(dir, "plan.yaml"), path, message: `未知职业 "${row.occupation}"（请在 occupations.yaml 中定义）` });
    if (row.track && tracks.get(row.track) !== row.occupation) problems.push({ file: rel(dir, "plan.yaml"), path, message: `工种 "${row.track}" 不属于 ${row.occupation}` });
    const key = `${row.occupation}/${row.track ?? ""}/${row.level}`;
    if (seen.has(key)) problems.push({ file: rel(dir, "plan.yaml"), path, message: `重复的计划行 ${key}` });
    seen.add(key);
    const fee = kb.fees.tables.find((t) => t.occupation === row.occupation)?.rows.find((r) => r.level === row.level);
    if (!fee) problems.push({ file: rel(dir, "fees.yaml"), path: row.occupation, message: `计划第 ${row.no} 行（${key}）没有收费标准` });
    if (!kb.rules.get(row.occupation)?.levels.has(row.level)) problems.push({ file: rel(dir, "conditions.yaml"), path: row.occupation, message: `计划第 ${row.no} 行（${key}）没有申报条件` });
  });
  const answerIds = new Set<string>();
  kb.answers.forEach((a, i) => {
    if (answerIds.has(a.id)) problems.push({ file: rel(dir, "answers.yaml"), path: `answers.${i}.id`, message: `重复的 id "${a.id}"` });
    answerIds.add(a.id);
  });
  const intentIds = new Set<string>();
  for (const intent of kb.intents) {
    if (intentIds.has(intent.intent)) problems.push({ file: "intents/", path: intent.intent, message: `意图 "${intent.intent}" 定义了多次` });
    intentIds.add(intent.intent);
  }
  const routable = new Set<string>([...intentIds, ...ENGINE_INTENTS]);
  kb.routes.forEach((r, i) => {
    for (const intent of [r.then, ...(r.intent ?? []), ...(r.topic ? [r.topic] : [])]) {
      if (!routable.has(intent)) problems.push({ file: `intents/${ROUTING_FILE}`, path: `routes.${i}`, message: `未知意图 "${intent}"` });
    }
  });
}
