/**
 * The guided eligibility self-check as a pure state machine (validate / re-ask, one question at a time).
 * Which question comes next is decided by the rules: only what a still-open condition of 附件1 needs is asked.
 */
import type { Knowledge } from "../knowledge/load.js";
import { PROGRAMS, SCHOOLS, type Program, type School, type Status } from "../knowledge/schema.js";
import { levelLabel, offeredLevels, render, tracksOf } from "../knowledge/facts.js";
import type { Entities } from "../nlu/entities.js";
import { DURATION, durationYears, formatYears, parseNumber } from "../nlu/normalize.js";
import { checkLevel, isRelatedJob, suggest, type Facts, type Field } from "./rules.js";

export type AskField = "occupation" | "level" | Field;

/** A choice of a clarifying question: its label, and the opaque value a tapped button sends ("opt:<field>:<key>"). */
export interface ClarifyOption {
  label: string;
  value: string;
}

/**
 * A clarifying question the dialog waits on: an answer it could not map with confidence (a job or major close to
 * listed ones, a level word that may be the certificate's or the one wanted, a status that may be 应届 or 在读).
 */
export interface Clarify {
  field: "job" | "major" | "levelslot" | "status" | "years";
  /** What the candidate said that is being asked about ("物流", "高级工"). */
  said: string;
  options: ClarifyOption[];
  /** The years of work said with the job, counted only if the job is in the field. */
  years?: number;
  /** The whole answer, read again once the choice is made (a level word as a certificate or as the level wanted). */
  text?: string;
  /** The field the answer was given to. */
  to?: AskField;
}

/** Stored in the session; `v` changes when the shape does, and a stored state of another version is dropped. */
export interface DialogState {
  v: 1;
  facts: Facts;
  asking: AskField;
  /** Facts before each answer, for 返回. */
  history: Facts[];
  /** A lower level being checked after the one asked about turned out not open, so the verdict can suggest it. */
  probe?: number;
  /** The notice the dialog runs under ("2024:<hash of the folder>"), so a publish in the middle of it is noticed. */
  notice?: string;
  /** A clarifying question waiting for its answer. */
  clarify?: Clarify;
  /** The field each answer in `history` answered, for a correction ("说错了，是4年"). */
  answered?: AskField[];
  /** What the dialog read in a way the candidate should know (years in a job outside the lists not counted). */
  notes?: string[];
  /** Majors confirmed by the candidate (a close name asked back and chosen). */
  confirmed?: string[];
  /** The candidate said they are at school without saying whether they finish this year. */
  studying?: boolean;
}

export const DIALOG_VERSION = 1;

type Parsed<T> = { ok: true; value: T; clarify?: Clarify; note?: string } | { ok: false };

/** What the dialog needs from the rest of the engine. */
export interface DialogDeps {
  kb: Knowledge;
  /** Entities of a normalised text (occupations, levels, schools … in every form the lexicon knows). */
  extract: (text: string) => Entities;
}

/**
 * When the level asked about is not open and nothing lower is known to be: the highest lower level whose conditions
 * still depend on something unasked (五级 for a 25-year-old asked about 四级 before the age was asked).
 */
export function levelToProbe(kb: Knowledge, f: Facts): number | undefined {
  if (!f.occupation || f.level === undefined) return undefined;
  const full = f as Facts & { occupation: string; level: number };
  if (checkLevel(kb, full, false).status !== "unmet" || suggest(kb, full, false)) return undefined;
  return offeredLevels(kb, f.occupation, f.track)
    .filter((l) => l > f.level!)
    .sort((a, b) => a - b)
    .find((level) => checkLevel(kb, { ...full, level }, false).status === "unknown");
}

/** The next question to ask, or undefined when the verdict is known. */
export function nextField(kb: Knowledge, f: Facts): AskField | undefined {
  if (!f.occupation) return "occupation";
  // The conditions of a level are the same for every track of an occupation, so the track is not asked:
  // without one, the verdict lists the months of each track that offers the level.
  if (f.level === undefined) return "level";
  const tracks = tracksOf(kb, f.occupation);
  const track = f.track ?? (tracks.length === 1 ? tracks[0] : undefined);
  const lc = checkLevel(kb, { ...f, occupation: f.occupation, level: f.level, track }, false);
  if (lc.status !== "unknown") return undefined;
  // First the conditions the candidate has started to describe (a certificate or schooling they mentioned),
  // then those with the fewest open questions; otherwise in the notice's order (the sort is stable).
  const started = (c: (typeof lc.checks)[number]) =>
    (c.condition.rule.certificate && f.certificate) || (c.condition.rule.education && f.education) ? 1 : 0;
  const open = lc.checks.filter((c) => c.status === "unknown").sort((a, b) => started(b) - started(a) || a.needs.length - b.needs.length);
  return open[0]?.needs[0];
}

/** Options of a closed question, in the order they are numbered. */
export function options(kb: Knowledge, field: AskField, f: Facts): string[] {
  switch (field) {
    case "occupation":
      return kb.occupations.occupations.map((o) => o.name);
    case "level":
      return f.occupation ? offeredLevels(kb, f.occupation, f.track).map((l) => levelLabel(kb, l)) : [];
    case "certificate.level":
      return kb.lexicon.levels.map((l) => levelLabel(kb, l.level));
    case "education.school":
      return [...SCHOOLS];
    case "education.program":
      return [...PROGRAMS, kb.dialog.program_none];
    default:
      return [];
  }
}

export function prompt(kb: Knowledge, field: AskField, f: Facts): string {
  const opts = options(kb, field, f).map((o, i) => `${i + 1}. ${o}`).join("\n");
  const related = f.occupation ? (kb.rules.get(f.occupation)?.relatedOccupations.slice(0, 4).join("、") ?? "") : "";
  const what = f.occupation ? `${f.occupation}${f.track ? `（${f.track}）` : ""}` : "";
  return render(kb.dialog.fields[field].prompt, { options: opts, occupation: f.occupation ?? "", related, what, year: kb.notice.year });
}

const pickIndex = (text: string, n: number): number | undefined => {
  const m = /^(?:第)?(\d{1,2})(?:[.、)）]|个|项)?$/.exec(text);
  if (!m) return undefined;
  const i = Number(m[1]) - 1;
  return i >= 0 && i < n ? i : undefined;
};

const oneOf = (text: string, words: string[]) => words.some((w) => text === w.toLowerCase());

/** "6", "六年", "4年11个月", "快5年了", "拿证以后又干了三年", "0，还没工作", "没有". */
function parseYears(text: string, kb: Knowledge): Parsed<number> {
  const m = [...text.matchAll(DURATION)][0];
  const n = m ? durationYears(m) : /^\d+(\.\d+)?/.test(text) ? parseFloat(text) : parseNumber(text);
  if (Number.isFinite(n)) return n >= 0 && n <= 80 ? { ok: true, value: n } : { ok: false };
  if (oneOf(text, kb.dialog.no) || /^(没有|无|零)/.test(text) || /(还没|没有?)(工作|做|干|从事|入行|上班)过?/.test(text)) return { ok: true, value: 0 };
  return { ok: false };
}

function parseYesNo(text: string, kb: Knowledge): Parsed<boolean> {
  const i = pickIndex(text, 2);
  if (i !== undefined) return { ok: true, value: i === 0 };
  if (oneOf(text, kb.dialog.no) || /^(没有|不是|无|没)/.test(text)) return { ok: true, value: false };
  if (oneOf(text, kb.dialog.yes) || /^(有|是)/.test(text)) return { ok: true, value: true };
  return { ok: false };
}

/** Reads an answer to `field`; ok:false means re-ask with the field's hint. */
export function parseAnswer(deps: DialogDeps, field: AskField, text: string, f: Facts): Parsed<Partial<Facts>> {
  const { kb } = deps;
  const opts = options(kb, field, f);
  const index = opts.length ? pickIndex(text, opts.length) : undefined;
  const e = () => deps.extract(text);
  switch (field) {
    case "occupation": {
      if (index !== undefined) return { ok: true, value: { occupation: opts[index] } };
      const x = e();
      if (!x.occupation) return { ok: false };
      return { ok: true, value: { occupation: x.occupation, track: x.track, level: x.level } };
    }
    case "level": {
      const offered = offeredLevels(kb, f.occupation!, f.track);
      if (index !== undefined) return { ok: true, value: { level: offered[index] } };
      const l = e().level;
      return l !== undefined ? { ok: true, value: { level: l } } : { ok: false };
    }
    case "yearsInField": {
      const y = parseYears(text, kb);
      if (!y.ok) return { ok: false };
      // "大概7年吧，不过我是做保洁的": the years belong to the job named, read as anywhere else.
      const job = f.occupation && y.value > 0 ? readJob(kb, e(), f.occupation) : undefined;
      if (job?.kind === "other") return { ok: true, value: { yearsInField: 0 }, note: jobNote(kb, job.said, f.occupation!, y.value) };
      if (job?.kind === "ask") return { ok: true, value: {}, clarify: jobClarify(kb, job, y.value) };
      // "差不多十年了": just over or just under is what the notice's "满10年" turns on, so it is asked — only when the
      // number is one of the occupation's thresholds.
      const about = /差不多\s*([\d一二两三四五六七八九十]+)\s*年/u.exec(text);
      if (about && f.occupation && !/多|半|个月/.test(text.slice(about.index + about[0].length, about.index + about[0].length + 1))) {
        const n = parseNumber(about[1]);
        const thresholds = [...(kb.rules.get(f.occupation)?.levels.values() ?? [])].flat().flatMap((c) => [c.rule.years, c.rule.certificate?.yearsSince]);
        if (Number.isFinite(n) && n > 0 && thresholds.includes(n)) return { ok: true, value: {}, clarify: yearsClarify(kb, n, text) };
      }
      return { ok: true, value: { yearsInField: y.value } };
    }
    case "age": {
      const m = /^(?:我|他|她|孩子)?(?:今年)?(?:才|已经)?(\d{1,3}|[一二三四五六七八九十]{1,3})(?:周岁|岁)?(半|多)?(?:了)?$/.exec(text);
      // Or said in a sentence: "今年刚满16周岁".
      const n = m ? parseNumber(m[1]) + (m[2] === "半" ? 0.5 : 0) : (e().age ?? NaN);
      return Number.isFinite(n) && n >= 10 && n <= 100 ? { ok: true, value: { age: n } } : { ok: false };
    }
    case "certificate": {
      // "有，电子商务师四级" answers this question and the next ones.
      const x = e();
      const level = x.certificate?.level ?? x.level;
      const known = { ...(level !== undefined ? { level } : {}), ...relatedness(kb, x, f.occupation) };
      const yn = parseYesNo(text, kb);
      if (!yn.ok) return level !== undefined ? { ok: true, value: { certificate: known } } : { ok: false };
      return { ok: true, value: { certificate: yn.value ? known : null } };
    }
    case "certificate.level": {
      const x = e();
      const l = index !== undefined ? kb.lexicon.levels[index].level : (x.certificate?.level ?? x.level);
      return l !== undefined ? { ok: true, value: { certificate: { ...f.certificate, level: l, ...relatedness(kb, x, f.occupation) } } } : { ok: false };
    }
    case "certificate.related": {
      const yn = parseYesNo(text, kb);
      return yn.ok ? { ok: true, value: { certificate: { ...f.certificate, related: yn.value } } } : { ok: false };
    }
    case "certificate.yearsInFieldSince":
    case "certificate.yearsHeld": {
      const y = parseYears(text, kb);
      const key = field === "certificate.yearsHeld" ? "yearsHeld" : "yearsInFieldSince";
      return y.ok ? { ok: true, value: { certificate: { ...f.certificate, [key]: y.value } } } : { ok: false };
    }
    case "education": {
      // "有，高职电子商务专业应届" answers this question and the next ones.
      const x = e();
      const known = { ...(x.school ? { school: x.school } : {}), ...(x.status && !x.statusVague ? { status: x.status } : {}), ...(x.major ? { major: x.major } : {}), ...(x.program ? { program: x.program } : {}) };
      const yn = parseYesNo(text, kb);
      // "普通高中毕业就出来工作了", "学历是初中": none of the schools asked about.
      if (!yn.ok) return x.school ? { ok: true, value: { education: known } } : x.none.education ? { ok: true, value: { education: null } } : { ok: false };
      return { ok: true, value: { education: yn.value ? known : null } };
    }
    case "education.school": {
      const s = index !== undefined ? (opts[index] as School) : e().school;
      return s ? { ok: true, value: { education: { ...f.education, school: s } } } : { ok: false };
    }
    case "education.program": {
      if (index !== undefined) return { ok: true, value: { education: { ...f.education, program: index < PROGRAMS.length ? PROGRAMS[index] : null } } };
      const p = e().program;
      if (p) return { ok: true, value: { education: { ...f.education, program: p as Program } } };
      const none = oneOf(text, kb.dialog.no) || text === kb.dialog.program_none || /都不是|都没有|普通班|中级工班/.test(text);
      return none ? { ok: true, value: { education: { ...f.education, program: null } } } : { ok: false };
    }
    case "education.status": {
      const statuses: Status[] = ["毕业", "应届", "在读"];
      const x = e();
      // "还在上学呢": at school, but finishing this year or not is what the notice asks.
      if (pickIndex(text, 3) === undefined && x.status && x.statusVague) return { ok: true, value: {}, clarify: statusClarify(kb, text) };
      const s = pickIndex(text, 3) !== undefined ? statuses[pickIndex(text, 3)!] : x.status;
      return s ? { ok: true, value: { education: { ...f.education, status: s } } } : { ok: false };
    }
    case "education.major": {
      const x = e();
      const major = x.major && text.includes(x.major) && !/专业$/.test(x.major) ? x.major : majorSaid(text);
      if (!major || !/^[\p{Script=Han}a-z·（）()与和及]{2,30}$/u.test(major) || /^\d+$/.test(major)) return { ok: false };
      return { ok: true, value: { education: { ...f.education, major } } };
    }
  }
}

/** The major in an answer said as a sentence: "我读的是会计那个" → 会计, "学物流的" → 物流, "电子商务专业" → 电子商务. */
export function majorSaid(text: string): string | undefined {
  const m = text
    .replace(/[，,。.!！?？~～]+$/u, "")
    .replace(/^(?:嗯|哦|呃|额|就是|是)?[，,]?/u, "")
    .replace(/^(?:我|本人)?(?:是|以前|之前|当时|在学校)?(?:学|读|念|修)(?:的|了)?(?:是)?/u, "")
    .replace(/^(?:专业是|专业)/u, "")
    .replace(/(?:专业)?(?:那个|这个|方面|相关)?(?:专业)?(?:的)?(?:吧|啊|呀|呢|哈)?$/u, "")
    .replace(/专业$/u, "")
    .trim();
  return m.length >= 2 ? m : undefined;
}

/** How a job named beside years of work is read for an occupation: in the field, outside every list, or to ask. */
export type JobReading = { kind: "field" } | { kind: "other"; said: string } | { kind: "ask"; said: string; names: string[] };

export function readJob(kb: Knowledge, x: Entities, occupation: string): JobReading | undefined {
  // A listed name said outright wins over an everyday word that may mean several ("在物流公司做仓储" is 仓储员);
  // another occupation of the plan named as the candidate's work counts too ("做电商6年，想报互联网营销师").
  const specific = [...x.relatedOccupations, ...x.occupations.filter((o) => o !== occupation)];
  const names = specific.length ? specific : [...(x.job?.names ?? [])];
  const said = x.job?.said ?? x.relatedOccupation ?? x.occupations.find((o) => o !== occupation) ?? x.unlistedJob;
  if (!names.length) return x.unlistedJob ? { kind: "other", said: x.unlistedJob } : undefined;
  const related = names.filter((n) => isRelatedJob(kb, n, occupation));
  if (related.length === names.length) return { kind: "field" };
  if (!related.length) return { kind: "other", said: said! };
  return { kind: "ask", said: said!, names: [...new Set(names)] };
}

/** "保洁不在通知所列…的本职业或相关职业中，这7年不计入". */
export function jobNote(kb: Knowledge, said: string, occupation: string, years: number): string {
  return render(kb.dialog.clarify.job_other, { job: said, occupation, years: formatYears(years) });
}

function numbered(options: ClarifyOption[]): string {
  return options.map((o, i) => `${i + 1}. ${o.label}`).join("\n");
}

/** The clarifying question for a job that may or may not be in the field ("送快递": several listed names). */
export function jobClarify(kb: Knowledge, job: { said: string; names: string[] }, years: number): Clarify {
  const options = [...job.names.map((n) => ({ label: n, value: `opt:job:${n}` })), { label: kb.dialog.clarify.none, value: "opt:job:none" }];
  return { field: "job", said: job.said, options, years };
}

function yearsClarify(kb: Knowledge, n: number, text: string): Clarify {
  const c = kb.dialog.clarify;
  return {
    field: "years",
    said: String(n),
    options: [{ label: render(c.years_full, { years: n }), value: `opt:years:${n}` }, { label: render(c.years_short, { years: n }), value: `opt:years:${n - 0.01}` }],
    text,
    to: "yearsInField",
  };
}

function statusClarify(kb: Knowledge, text: string): Clarify {
  const c = kb.dialog.clarify;
  return { field: "status", said: text, options: [{ label: c.status_final, value: "opt:status:应届" }, { label: c.status_not_final, value: "opt:status:在读" }, { label: c.status_done, value: "opt:status:毕业" }] };
}

/** The occupation's listed majors that a name said may mean (everyday names, or a listed name it is part of). */
export function majorCandidates(kb: Knowledge, occupation: string, major: string, school?: School): string[] {
  const lists = kb.rules.get(occupation)?.majorLists.filter((l) => !school || l.schools.includes(school)) ?? [];
  const listed = [...new Set(lists.flatMap((l) => l.majors))];
  // A major's full name as a notice lists it (for this school type or another) is taken as said.
  const known = [...kb.rules.values()].some((r) => r.majorLists.some((l) => l.majors.includes(major)));
  if (listed.includes(major) || known) return [major];
  const everyday = kb.everyday.majors[major] ?? [];
  const close = listed.filter((m) => major.length >= 2 && (m.includes(major) || everyday.includes(m)));
  return close.slice(0, 6);
}

/** The clarifying question for a major said that is not listed as said but close to listed ones. */
export function majorClarify(kb: Knowledge, f: Facts): Clarify | undefined {
  const e = f.education;
  if (!f.occupation || !e?.major) return undefined;
  const candidates = majorCandidates(kb, f.occupation, e.major, e.school);
  if (!candidates.length || (candidates.length === 1 && candidates[0] === e.major)) return undefined;
  const options = [...candidates.map((m) => ({ label: m, value: `opt:major:${m}` })), { label: kb.dialog.clarify.major_none, value: "opt:major:none" }];
  return { field: "major", said: e.major, options };
}

/** The clarifying question for a level word that may be the certificate's or the level wanted. */
export function levelSlotClarify(kb: Knowledge, level: number, text: string, to: AskField): Clarify {
  const c = kb.dialog.clarify;
  return {
    field: "levelslot",
    said: levelLabel(kb, level),
    options: [{ label: c.levelslot_certificate, value: "opt:levelslot:certificate" }, { label: c.levelslot_target, value: "opt:levelslot:target" }],
    text,
    to,
  };
}

/** The question text of a clarification. */
export function clarifyPrompt(kb: Knowledge, c: Clarify): string {
  return render(kb.dialog.clarify[c.field], { said: c.said, options: numbered(c.options) });
}

/** Which option an answer chooses: its number, its value (a tapped button), or its label said. */
export function pickOption(c: Clarify, text: string): ClarifyOption | undefined {
  const i = pickIndex(text, c.options.length);
  if (i !== undefined) return c.options[i];
  const norm = (x: string) => x.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
  const t = norm(text).replace(/[。.!！]+$/u, "");
  const label = (o: ClarifyOption) => norm(o.label);
  return (
    c.options.find((o) => t === norm(o.value) || t === label(o)) ??
    c.options.find((o) => label(o).length >= 2 && t.includes(label(o))) ??
    // "今年毕业" for "今年毕业（应届）": the label without its note in brackets.
    c.options.find((o) => {
      const bare = label(o).replace(/\(.*\)$/u, "");
      return bare.length >= 2 && (t === bare || t.startsWith(bare));
    })
  );
}

/** Whether a certificate is of this or a related occupation, when the answer names whose it is ("采购员四级"). */
function relatedness(kb: Knowledge, x: Entities, occupation?: string): { related?: boolean } {
  const named = x.certificate?.occupation ?? x.relatedOccupation ?? x.occupations[0];
  if (!named || !occupation) return {};
  return { related: isRelatedJob(kb, named, occupation) };
}

/** Merges an answer into the facts; a new occupation or track drops the level and track that belonged to the old one. */
export function merge(f: Facts, patch: Partial<Facts>): Facts {
  const next: Facts = { ...f, ...patch };
  // A different occupation than before: its own track and level, not the old one's. A first one keeps the level
  // the opening message named ("…能报三级吗" → 电子商务 → 三级 stands).
  if (patch.occupation && f.occupation && patch.occupation !== f.occupation) {
    next.track = patch.track;
    next.level = patch.level;
  } else if (patch.occupation) {
    next.level = patch.level ?? f.level;
    next.track = patch.track ?? f.track;
  }
  for (const k of Object.keys(next) as (keyof Facts)[]) if (next[k] === undefined) delete next[k];
  return next;
}

/**
 * Adds what `extra` says about fields still unknown in `f` (undefined), never overriding an answer: the occupation and
 * level stay as they are.
 */
export function fillUnknown(f: Facts, extra: Facts): Facts {
  const out: Facts = { ...f };
  if (out.yearsInField === undefined && extra.yearsInField !== undefined) out.yearsInField = extra.yearsInField;
  if (out.age === undefined && extra.age !== undefined) out.age = extra.age;
  for (const key of ["certificate", "education"] as const) {
    const have = out[key];
    const more = extra[key];
    if (more === undefined || have === null) continue;
    if (have === undefined) {
      out[key] = more as never;
      continue;
    }
    if (more === null) continue;
    out[key] = { ...more, ...Object.fromEntries(Object.entries(have).filter(([, v]) => v !== undefined)) } as never;
  }
  return out;
}

/** Facts known from an opening message ("我做电商6年了，有四级证书，能报电子商务师三级吗"). */
export function factsFromEntities(kb: Knowledge, x: Entities, occupation?: string): Facts {
  const f: Facts = {};
  if (x.occupation) f.occupation = x.occupation;
  if (x.track) f.track = x.track;
  if (f.occupation && !f.track) {
    const tracks = tracksOf(kb, f.occupation);
    if (tracks.length === 1) f.track = tracks[0];
  }
  if (x.level !== undefined) f.level = x.level;
  if (x.years !== undefined) f.yearsInField = x.years;
  else if (x.none.work || x.intending) f.yearsInField = 0;
  if (x.none.certificate && !x.certificate) f.certificate = null;
  if (x.none.education && !x.school) f.education = null;
  if (x.age !== undefined) f.age = x.age;
  // Years in a job outside the lists are not years in the field, wherever they are said.
  const job = (f.occupation ?? occupation) && f.yearsInField ? readJob(kb, x, (f.occupation ?? occupation)!) : undefined;
  if (job && job.kind !== "field") delete f.yearsInField;
  if (job?.kind === "other") f.yearsInField = 0;
  if (x.certificate) {
    f.certificate = {};
    if (x.certificate.level !== undefined) f.certificate.level = x.certificate.level;
    // "有营销员五级证，能报电商四级吗": a certificate of this or a listed related occupation.
    if (x.certificate.occupation) Object.assign(f.certificate, relatedness(kb, x, f.occupation));
    if (x.certificate.years !== undefined) {
      f.certificate.yearsHeld = x.certificate.years;
      f.certificate.yearsInFieldSince = x.certificate.years;
    }
  }
  if (f.education !== null && (x.school || (x.status && !x.negatedSchool) || x.major || x.program)) {
    f.education = {};
    if (x.school) f.education.school = x.school;
    if (x.program) f.education.program = x.program;
    // "不是技师学院毕业的": the 毕业 belongs to the school denied, not to the candidate. "还在上学" does not say
    // whether they finish this year: the dialog asks.
    if (x.status && !x.statusVague && !(x.negatedSchool && !x.school)) f.education.status = x.status;
    if (x.major) f.education.major = x.major;
  }
  return f;
}

/** "电子商务师 三级/高级工，累计工作6年，有四级/中级工证书": what the dialog has understood, for the candidate to check. */
export function describeFacts(kb: Knowledge, f: Facts): string {
  const parts: string[] = [];
  if (f.occupation) parts.push(`${f.occupation}${f.track ? `（${f.track}）` : ""}${f.level !== undefined ? ` ${levelLabel(kb, f.level)}` : ""}`);
  if (f.yearsInField !== undefined) parts.push(`累计从事本职业或相关职业工作${formatYears(f.yearsInField)}年`);
  if (f.certificate === null) parts.push("没有证书");
  else if (f.certificate?.level !== undefined) {
    const years = f.certificate.yearsHeld ?? f.certificate.yearsInFieldSince;
    parts.push(`有${levelLabel(kb, f.certificate.level)}证书${years !== undefined ? `（取得${formatYears(years)}年）` : ""}`);
  }
  if (f.education === null) parts.push("无相关学历");
  else if (f.education) {
    const e = f.education;
    parts.push([e.school, e.program, e.status, e.major && `${e.major}专业`].filter(Boolean).join(" "));
  }
  if (typeof f.age === "number") parts.push(`${f.age}岁`);
  return parts.filter(Boolean).join("，");
}
