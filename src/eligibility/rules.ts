/** 附件1 as pure functions: a profile (complete, or partial during a dialog) against the conditions in knowledge/. */
import type { Condition, Knowledge, MaterialItem, ResolvedRule } from "../knowledge/load.js";
import type { Program, School, Status } from "../knowledge/schema.js";
import { PROGRAMS, SCHOOLS, STATUSES } from "../knowledge/schema.js";
import { baseVars, feeRow, levelLabel, planRows, render, tracksOf } from "../knowledge/facts.js";
import { formatYears } from "../nlu/normalize.js";
import type { Profile } from "./profile.js";

/** What is known of a candidate. `undefined`: not asked yet; `null`: the candidate has none. */
export interface Facts {
  occupation?: string;
  track?: string;
  level?: number;
  age?: number | null;
  yearsInField?: number;
  certificate?: null | { level?: number; related?: boolean; yearsHeld?: number; yearsInFieldSince?: number };
  education?: null | { school?: School; program?: Program | null; status?: Status; major?: string };
}

/** A field the dialog can ask for. */
export type Field =
  | "yearsInField"
  | "age"
  | "certificate"
  | "certificate.level"
  | "certificate.related"
  | "certificate.yearsInFieldSince"
  | "certificate.yearsHeld"
  | "education"
  | "education.school"
  | "education.program"
  | "education.status"
  | "education.major";

export interface ConditionCheck {
  condition: Condition;
  status: "met" | "unmet" | "unknown";
  /** What is missing, in words (for unmet). */
  gaps: string[];
  /** What must still be asked (for unknown), in the order to ask it. */
  needs: Field[];
}

export interface LevelCheck {
  offered: boolean;
  /**
   * undetermined: no condition is met and none can be asked further, but a condition the importer could not read
   * (`unread`) might be: neither 可以报 nor 不能报.
   */
  status: "met" | "unmet" | "unknown" | "undetermined";
  checks: ConditionCheck[];
  /** The level's conditions without a rule (the notice's words the importer could not read), never evaluated. */
  unread: Condition[];
  /**
   * Footnotes the importer could not read that apply here (the occupation's, or those naming this track): a level
   * otherwise met is `undetermined` with them, since they may restrict who can apply.
   */
  restricted?: string[];
  /**
   * Met whatever the candidate answers to a question still open, through a different condition for different answers
   * (五级 at 16: 拟从事 or 从事): the conditions, one per case, in the notice's order. The question is not asked; the
   * verdict names each case with its materials.
   */
  cases?: { field: Field; conditions: Condition[] };
}

const clean = (major: string) => major.replace(/\s+/g, "").replace(/专业$/, "");

/** The occupation's major lists that apply to a school type. */
export function listsFor(kb: Knowledge, occupation: string, school: School) {
  return kb.rules.get(occupation)?.majorLists.filter((l) => l.schools.includes(school)) ?? [];
}

/** Whether a major is listed for the occupation and school type. */
export function majorListed(kb: Knowledge, occupation: string, school: School, major: string): boolean {
  const m = clean(major);
  return listsFor(kb, occupation, school).some((l) => l.majors.includes(m));
}

/** Checks one condition. `complete`: the facts are final (the API), so anything absent counts as not had. */
export function checkCondition(kb: Knowledge, occupation: string, condition: Condition, f: Facts, complete: boolean, words = true): ConditionCheck {
  const r: ResolvedRule = condition.rule;
  const gaps: string[] = [];
  const needs: Field[] = [];
  // words = false: only the status is wanted, so the gaps are not put into words.
  const t = words ? (key: string, vars: Record<string, string | number> = {}) => render(kb.replies[key] ?? key, vars) : (key: string) => key;
  const unknown = (field: Field) => (complete ? false : (needs.push(field), true));

  if (r.age !== undefined) {
    if (f.age === undefined || f.age === null) {
      if (!(f.age === undefined && unknown("age"))) gaps.push(t("gap_age_unknown", { age: r.age }));
    } else if (f.age < r.age) gaps.push(t("gap_age", { age: r.age, have: f.age }));
  }
  if (r.working !== undefined) {
    if (f.yearsInField === undefined) {
      if (!unknown("yearsInField")) gaps.push(t(r.working ? "gap_working" : "gap_intending"));
    } else if (r.working && f.yearsInField <= 0) gaps.push(t("gap_working"));
    else if (!r.working && f.yearsInField > 0) gaps.push(t("gap_intending"));
  }
  if (r.certificate) {
    const need = r.certificate;
    const c = f.certificate;
    const label = levelLabel(kb, need.level);
    if (c === undefined && !complete) needs.push("certificate");
    else if (!c) gaps.push(t("gap_certificate", { level: label }));
    else {
      if (c.level === undefined) unknown("certificate.level") || gaps.push(t("gap_certificate", { level: label }));
      else if (c.level > need.level) gaps.push(t("gap_certificate_level", { level: label, have: levelLabel(kb, c.level) }));
      if (c.related === undefined) unknown("certificate.related") || gaps.push(t("gap_certificate_related"));
      else if (!c.related) gaps.push(t("gap_certificate_related"));
      if (need.yearsSince !== undefined) {
        // Years since the certificate cannot exceed all years of work: 3 years in all settles "满5年" already.
        const since = c.yearsInFieldSince ?? (f.yearsInField !== undefined && f.yearsInField < need.yearsSince ? f.yearsInField : undefined);
        if (since === undefined) unknown("certificate.yearsInFieldSince") || gaps.push(t("gap_years_since", { years: need.yearsSince, have: 0 }));
        else if (since < need.yearsSince) gaps.push(t("gap_years_since", { years: need.yearsSince, have: formatYears(since) }));
      }
      if (need.yearsHeld !== undefined) {
        if (c.yearsHeld === undefined) unknown("certificate.yearsHeld") || gaps.push(t("gap_years_held", { years: need.yearsHeld, have: 0 }));
        else if (c.yearsHeld < need.yearsHeld) gaps.push(t("gap_years_held", { years: need.yearsHeld, have: formatYears(c.yearsHeld) }));
      }
    }
  }
  if (r.education) checkEducation(kb, occupation, r.education, f, complete, gaps, needs, t);
  if (r.years !== undefined) {
    // Years of work since a certificate are years of work too: 满2年 since it settles "累计满2年".
    const since = f.certificate ? f.certificate.yearsInFieldSince : undefined;
    const years = f.yearsInField ?? (since !== undefined && since >= r.years ? since : undefined);
    if (years === undefined) unknown("yearsInField") || gaps.push(t("gap_years", { years: r.years, have: 0 }));
    else if (years < r.years) gaps.push(t("gap_years", { years: r.years, have: formatYears(years) }));
  }
  const status = gaps.length ? "unmet" : needs.length ? "unknown" : "met";
  return { condition, status, gaps, needs: status === "unknown" ? [...new Set(needs)] : [] };
}

function checkEducation(
  kb: Knowledge,
  occupation: string,
  need: NonNullable<ResolvedRule["education"]>,
  f: Facts,
  complete: boolean,
  gaps: string[],
  needs: Field[],
  t: (key: string, vars?: Record<string, string | number>) => string,
): void {
  const e = f.education;
  const schools = need.schools.join("、");
  const programs = need.programs?.join("、") ?? "";
  const statusWords = need.status.includes("在读") ? t("status_students") : t("status_graduates");
  if (e === undefined && !complete) {
    needs.push("education");
    return;
  }
  if (!e) {
    gaps.push(t(need.programs ? "gap_education_program" : "gap_education", { schools, programs, status: statusWords }));
    return;
  }
  const allSchools = SCHOOLS.every((s) => need.schools.includes(s));
  if (e.school === undefined) {
    // The school type matters unless every type is allowed and the major list is the same for all of them.
    const majorKnownForAll = !need.relatedMajor || (e.major !== undefined && need.schools.every((s) => majorListed(kb, occupation, s, e.major!)));
    if (!(allSchools && majorKnownForAll)) unknown();
  } else if (!need.schools.includes(e.school)) gaps.push(t("gap_school", { schools, have: e.school }));
  if (need.programs) {
    if (e.program === undefined) {
      if (e.school === undefined || need.schools.includes(e.school)) unknownField("education.program", "gap_program");
    } else if (e.program === null || !need.programs.includes(e.program)) gaps.push(t("gap_program", { programs }));
  }
  if (e.status === undefined) unknownField("education.status", "gap_status");
  else if (!need.status.includes(e.status)) gaps.push(t(e.status === "在读" ? "gap_status_student" : "gap_status_graduate", { status: statusWords }));
  if (need.relatedMajor) {
    if (e.major === undefined) unknownField("education.major", "gap_major_unknown");
    else {
      const candidates = e.school ? [e.school] : need.schools;
      if (!candidates.some((s) => majorListed(kb, occupation, s, e.major!))) {
        gaps.push(t("gap_major", { major: clean(e.major), occupation, lists: majorListLabels(kb, occupation, e.school) }));
      }
    }
  }

  function unknown() {
    if (complete) gaps.push(t("gap_school", { schools, have: "未提供" }));
    else needs.push("education.school");
  }
  function unknownField(field: Field, gapKey: string) {
    if (complete) gaps.push(t(gapKey, { programs, status: statusWords }));
    else needs.push(field);
  }
}

const majorListLabels = (kb: Knowledge, occupation: string, school?: School) =>
  (school ? listsFor(kb, occupation, school) : kb.rules.get(occupation)?.majorLists ?? []).map((l) => l.label).join("、") || "—";

/** Checks every condition of a level; a level the plan does not offer is never met. */
export function checkLevel(kb: Knowledge, f: Facts & { occupation: string; level: number }, complete: boolean): LevelCheck {
  const lc = checkLevelSettled(kb, f, complete);
  if (lc.status !== "met") return lc;
  const restricted = restrictionsOf(kb, f.occupation, f.track, f.age);
  return restricted.length ? { ...lc, status: "undetermined", restricted } : lc;
}

/**
 * The occupation's unread footnotes that apply to a candidate of this track: one naming a track of the occupation
 * applies to that track only (an unknown track: to every candidate); any other applies to the whole occupation. One
 * whose only requirement the rules can see is an age ("年满18周岁") no longer applies once the candidate's age is known
 * to reach it; a younger or unknown age leaves it open (never read as a no).
 */
export function restrictionsOf(kb: Knowledge, occupation: string, track: string | null | undefined, age?: number | null): string[] {
  const all = kb.rules.get(occupation)?.restrictions ?? [];
  if (!all.length) return all;
  const tracks = tracksOf(kb, occupation);
  return all.filter((text) => {
    const named = tracks.filter((t) => text.includes(t));
    if (named.length && track && !named.includes(track)) return false;
    const ages = [...text.matchAll(/年满\s*(\d{1,2})\s*周岁/g)].map((m) => Number(m[1]));
    return !(ages.length && age != null && ages.every((n) => age >= n));
  });
}

function checkLevelSettled(kb: Knowledge, f: Facts & { occupation: string; level: number }, complete: boolean): LevelCheck {
  const lc = checkLevelAsIs(kb, f, complete);
  if (lc.status !== "unknown") return lc;
  // Before a question is asked: whether its answers can change the verdict. When every answer to one of the open
  // questions meets the level (by one condition or another), the verdict is established without asking it. Only an
  // answer to a condition's last open question can meet it, so only those questions, and those conditions, are tried.
  const conditions = kb.rules.get(f.occupation)?.levels.get(f.level) ?? [];
  const last = lc.checks.filter((c) => c.status === "unknown" && c.needs.length === 1);
  for (const field of new Set(last.map((c) => c.needs[0]))) {
    const candidates = last.filter((c) => c.needs[0] === field).map((c) => c.condition);
    const met = new Set<Condition>();
    const all = answersCached(kb, f.occupation, conditions, field).every((v) => {
      const g = assign(f, field, v);
      const first = candidates.find((c) => checkCondition(kb, f.occupation, c, g, complete, false).status === "met");
      if (first) met.add(first);
      return first !== undefined;
    });
    if (all) return { ...lc, status: "met", cases: { field, conditions: conditions.filter((c) => met.has(c)) } };
  }
  return lc;
}

function checkLevelAsIs(kb: Knowledge, f: Facts & { occupation: string; level: number }, complete: boolean): LevelCheck {
  const offered = planRows(kb, { occupation: f.occupation, track: f.track, level: f.level }).length > 0;
  const conditions = kb.rules.get(f.occupation)?.levels.get(f.level) ?? [];
  const unread = kb.rules.get(f.occupation)?.unread?.get(f.level) ?? [];
  const checks = conditions.map((c) => checkCondition(kb, f.occupation, c, f, complete));
  const status = !offered || (!checks.length && !unread.length)
    ? "unmet"
    : checks.some((c) => c.status === "met")
      ? "met"
      : checks.some((c) => c.status === "unknown")
        ? "unknown"
        : unread.length
          ? "undetermined"
          : "unmet";
  return { offered, status, checks, unread };
}

/**
 * Every answer to a question that can make a difference to these conditions, as facts: for a number, each side of
 * every threshold the conditions name (and none, a little, the most); for a choice, every option; for a major, each
 * listed one and one not listed; for "do you have one", none and one not yet described. A verdict taken over all of
 * them holds whatever the candidate answers.
 */
export function answersTo(kb: Knowledge, occupation: string, conditions: Condition[], field: Field): unknown[] {
  const rules = conditions.map((c) => c.rule);
  const around = (ts: (number | undefined)[], most: number) => {
    const values = new Set<number>([0, 0.5, most]);
    for (const t of ts) if (t !== undefined) for (const v of [t - 0.01, t, t + 0.01]) if (v >= 0 && v <= most) values.add(v);
    return [...values];
  };
  const years = rules.flatMap((r) => [r.years, r.certificate?.yearsSince]);
  switch (field) {
    case "age":
      return around(rules.map((r) => r.age), 120);
    case "yearsInField":
      return around(years, 80);
    case "certificate.yearsInFieldSince":
      return around(years, 80);
    case "certificate.yearsHeld":
      return around(rules.map((r) => r.certificate?.yearsHeld), 80);
    case "certificate":
    case "education":
      return [null, {}];
    case "certificate.level":
      return kb.lexicon.levels.map((l) => l.level);
    case "certificate.related":
      return [true, false];
    case "education.school":
      return [...SCHOOLS];
    case "education.program":
      return [...PROGRAMS, null];
    case "education.status":
      return [...STATUSES];
    case "education.major":
      return majorAnswers(kb, occupation);
  }
  return [];
}

const answersCache = new WeakMap<Condition[], Map<Field, unknown[]>>();
/** answersTo, kept per level's conditions (the same objects for as long as the knowledge is loaded). */
function answersCached(kb: Knowledge, occupation: string, conditions: Condition[], field: Field): unknown[] {
  let byField = answersCache.get(conditions);
  if (!byField) answersCache.set(conditions, (byField = new Map()));
  let values = byField.get(field);
  if (!values) byField.set(field, (values = answersTo(kb, occupation, conditions, field)));
  return values;
}

const majorsCache = new WeakMap<Knowledge, Map<string, string[]>>();
/** A major not on any list first (it settles nothing when the lists matter), then each listed one. */
function majorAnswers(kb: Knowledge, occupation: string): string[] {
  let byOccupation = majorsCache.get(kb);
  if (!byOccupation) majorsCache.set(kb, (byOccupation = new Map()));
  let list = byOccupation.get(occupation);
  if (!list) byOccupation.set(occupation, (list = ["\u0000", ...new Set(kb.rules.get(occupation)?.majorLists.flatMap((l) => l.majors) ?? [])]));
  return list;
}

/** The facts with one answer given. */
function assign(f: Facts, field: Field, value: unknown): Facts {
  const [top, key] = field.split(".") as [keyof Facts, string | undefined];
  if (!key) return { ...f, [top]: value } as Facts;
  const inner = (f[top] ?? {}) as Record<string, unknown>;
  return { ...f, [top]: { ...inner, [key]: value } } as Facts;
}

/** The materials of a condition for this candidate: of the notice's alternatives, the one for their school type. */
export function conditionMaterials(condition: Condition, school?: School): string[] {
  const pick = (m: MaterialItem) => !m.schools || !school || m.schools.includes(school);
  return condition.materials.filter(pick).map((m) => m.text);
}

/** Everything to bring for a condition: identity document, photo, then the condition's own materials. */
export function allMaterials(kb: Knowledge, condition: Condition, school?: School): string[] {
  const id = kb.materials.identity;
  const p = kb.materials.photo;
  return [
    render(kb.replies.material_identity, {
      documents: id.groups[0].documents.join(id.groups[0].joiner),
      label: id.groups[0].label,
      clause: id.clause,
    }),
    render(kb.replies.material_photo, { summary: p.summary, format: p.format, min: p.minSizeKB, max: p.maxSizeKB }),
    ...conditionMaterials(condition, school),
  ];
}

/** What every one of the conditions asks to bring (identity document and photo at least). */
export function commonMaterials(kb: Knowledge, conditions: Condition[], school?: School): string[] {
  const lists = conditions.map((c) => allMaterials(kb, c, school));
  return lists[0].filter((m) => lists.every((l) => l.includes(m)));
}

export interface EligibilityResult {
  eligible: boolean;
  occupation: string;
  track?: string;
  level: number;
  levelName: string;
  /** Why not: the level is not in the plan, or (未能确认) only a condition the importer could not read is left. */
  reason?: string;
  /** The conditions, as the notice words them, that could not be read into a rule and might be met: not established. */
  undetermined?: string[];
  conditions: { id: string; text: string; materials: string[] }[];
  materials: string[];
  fee: { theory: number; skill: number; review: number | null; total: number } | null;
  months: number[];
  gaps: { condition: string; missing: string[] }[];
  suggestion: { level: number; levelName: string; months: number[]; fee: number | null } | null;
  clause: string;
}

/** The result for a complete, validated profile. */
export function evaluate(kb: Knowledge, p: Profile): EligibilityResult {
  const facts: Facts = { ...p, age: p.age ?? null, certificate: p.certificate ?? null, education: p.education ?? null };
  return result(kb, facts as Facts & { occupation: string; level: number }, true);
}

/**
 * The result from what is known; with complete = false, unknown conditions count as not met (yet). `lc`: the level's
 * check when the caller has it already (checkLevel of the same facts).
 */
export function result(kb: Knowledge, f: Facts & { occupation: string; level: number }, complete: boolean, lc = checkLevel(kb, f, complete)): EligibilityResult {
  const school = f.education?.school;
  // Met whatever an open question's answer (lc.cases): each case's condition, the materials common to them.
  const met = lc.cases ? lc.cases.conditions.map((condition) => ({ condition })) : lc.checks.filter((c) => c.status === "met");
  const row = planRows(kb, { occupation: f.occupation, track: f.track, level: f.level })[0];
  const fee = feeRow(kb, f.occupation, f.level);
  const levelName = levelLabel(kb, f.level);
  const eligible = lc.status === "met";
  const what = `${f.occupation}${f.track ? `（${f.track}）` : ""}`;
  const restricted = lc.status === "undetermined" ? (lc.restricted ?? []) : [];
  const undetermined = lc.status === "undetermined" ? (restricted.length ? restricted : lc.unread.map((c) => c.text)) : undefined;
  const vars = { ...baseVars(kb), what, level: levelName, conditions: (undetermined ?? []).map((c) => `“${c.replace(/。$/, "")}”`).join("、") };
  return {
    eligible,
    occupation: f.occupation,
    track: f.track,
    level: f.level,
    levelName,
    reason: !lc.offered
      ? render(kb.replies.not_offered_reason, { year: kb.notice.year, what, level: levelName })
      : undetermined
        ? render(restricted.length ? kb.replies.restricted_reason : kb.replies.undetermined_reason, vars)
        : undefined,
    ...(undetermined ? { undetermined } : {}),
    conditions: met.map((c) => ({ id: c.condition.id, text: c.condition.text, materials: conditionMaterials(c.condition, school) })),
    materials: !eligible ? [] : lc.cases ? commonMaterials(kb, met.map((c) => c.condition), school) : allMaterials(kb, met[0].condition, school),
    fee: fee ? { theory: fee.theory, skill: fee.skill, review: fee.review, total: fee.total } : null,
    months: row?.months ?? [],
    gaps: eligible || !lc.offered
      ? []
      : [
          ...lc.checks.filter((c) => c.status !== "met").map((c) => ({ condition: c.condition.text, missing: c.status === "unknown" ? c.needs : c.gaps })),
          ...(undetermined ? undetermined.map((text) => ({ condition: text, missing: [render(kb.replies.gap_undetermined, vars)] })) : []),
        ],
    suggestion: suggest(kb, f, complete),
    clause: `${kb.plan.clause}、${kb.conditionsClause}、${kb.fees.clause}`,
  };
}

/** The highest level (smallest number) of the same occupation and track that the candidate can apply for now. */
export function suggest(kb: Knowledge, f: Facts & { occupation: string }, complete: boolean): EligibilityResult["suggestion"] {
  const rows = planRows(kb, { occupation: f.occupation, track: f.track }).sort((a, b) => a.level - b.level);
  for (const row of rows) {
    if (checkLevel(kb, { ...f, track: row.track ?? f.track, level: row.level }, complete).status === "met") {
      return { level: row.level, levelName: levelLabel(kb, row.level), months: row.months, fee: feeRow(kb, f.occupation, row.level)?.total ?? null };
    }
  }
  return null;
}

/** Whether a job counts as "本职业或相关职业" for an occupation: the occupation itself or one on its list (附件1). */
export function isRelatedJob(kb: Knowledge, job: string, occupation: string): boolean {
  return job === occupation || (kb.rules.get(occupation)?.relatedOccupations.includes(job) ?? false);
}
