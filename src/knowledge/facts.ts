/** Queries over the loaded knowledge: plan rows, fees, levels, placeholder values. Pure functions of the data. */
import type { Knowledge, PlanRow } from "./load.js";

export interface LevelInfo {
  level: number;
  name: string;
  title: string;
}

export const levelInfo = (kb: Knowledge, level: number): LevelInfo => {
  const l = kb.lexicon.levels.find((x) => x.level === level);
  return l ? { level, name: l.name, title: l.title } : { level, name: `${level}级`, title: "" };
};

/** "四级/中级工", as the notice prints a level. */
export const levelLabel = (kb: Knowledge, level: number): string => {
  const l = levelInfo(kb, level);
  return `${l.name}/${l.title}`;
};

export const formatMonths = (months: number[]): string => months.map((m) => `${m}月`).join("、");

export function planRows(kb: Knowledge, q: { occupation?: string; track?: string; level?: number; month?: number }): PlanRow[] {
  return kb.plan.rows.filter(
    (r) =>
      (!q.occupation || r.occupation === q.occupation) &&
      (!q.track || r.track === q.track) &&
      (q.level === undefined || r.level === q.level) &&
      (q.month === undefined || r.months.includes(q.month)),
  );
}

/** The tracks of an occupation in plan order (empty when the plan lists none). */
export const tracksOf = (kb: Knowledge, occupation: string): string[] => [
  ...new Set(planRows(kb, { occupation }).flatMap((r) => (r.track ? [r.track] : []))),
];

/** Levels offered for an occupation (and track), highest number (五级) first as in the plan. */
export const offeredLevels = (kb: Knowledge, occupation: string, track?: string): number[] =>
  [...new Set(planRows(kb, { occupation, track }).map((r) => r.level))].sort((a, b) => b - a);

export function feeRow(kb: Knowledge, occupation: string, level: number) {
  return kb.fees.tables.find((t) => t.occupation === occupation)?.rows.find((r) => r.level === level);
}

/** Levels that include 综合评审 (a fee for it) in any occupation's table. */
export const reviewLevels = (kb: Knowledge): number[] =>
  [...new Set(kb.fees.tables.flatMap((t) => t.rows.filter((r) => r.review !== null).map((r) => r.level)))].sort((a, b) => b - a);

/** Values for `{name}` placeholders in canned answers and reply templates. */
export function baseVars(kb: Knowledge): Record<string, string> {
  const p = kb.materials.photo;
  const subjectFees = [...new Set(kb.fees.tables.flatMap((t) => t.rows.flatMap((r) => [r.theory, r.skill, ...(r.review === null ? [] : [r.review])])))];
  return {
    year: String(kb.notice.year),
    title: kb.notice.title,
    shortName: kb.notice.shortName,
    docNumber: kb.notice.docNumber,
    date: kb.notice.date.replace(/^(\d{4})-0?(\d+)-0?(\d+)$/, "$1年$2月$3日"),
    issuer: kb.notice.certificateIssuer,
    adjustment: kb.notice.adjustment.text,
    ticketDays: String(kb.notice.ticket.daysBeforeExam),
    // 三（五）1 and 三（六）, as the notice writes them ("15个工作日", "公示期为7天", "保留一年，一年内有一次补考机会").
    ...(kb.notice.results
      ? { resultDays: String(kb.notice.results.withinWorkingDays), publicityDays: String(kb.notice.results.publicityDays) }
      : {}),
    retakeYears: chineseCount(kb.notice.retake.keepYears),
    ...(kb.notice.retake.retakes ? { retakeTimes: chineseCount(kb.notice.retake.retakes) } : {}),
    website: kb.contacts.website.text,
    hotline: kb.contacts.hotline.text,
    hours: kb.contacts.hours.text,
    address: kb.contacts.address.text,
    complaintPhone: kb.contacts.complaint.phone,
    complaintEmail: kb.contacts.complaint.email,
    lookupSite: kb.contacts.certificateLookup.text,
    photoSummary: p.summary,
    photoFormat: p.format,
    photoHeight: String(p.minHeightPx),
    photoWidth: String(p.minWidthPx),
    photoMinKB: String(p.minSizeKB),
    photoMaxKB: String(p.maxSizeKB),
    photoRules: p.rules.join(""),
    idRule: kb.materials.identity.rule.replace(/。$/, ""),
    ...Object.fromEntries(kb.materials.identity.groups.map((g) => [`id_${g.id}`, g.documents.join(g.joiner)])),
    conditionStandard: kb.materials.conditionMaterials.text,
    ...Object.fromEntries([...kb.materialTexts].map(([k, v]) => [`material_${k}`, v])),
    subjectFee: subjectFees.join("/"),
    evaluationList: kb.evaluation.subjects.map((s) => `${s.name}：${s.method}`).join("；"),
    reviewLevels: reviewLevels(kb).map((l) => levelLabel(kb, l)).join("、"),
    occupationList: kb.occupations.occupations
      .map((o) => {
        const tracks = tracksOf(kb, o.name);
        const levels = (t?: string) => offeredLevels(kb, o.name, t).map((l) => levelInfo(kb, l).name).join("、");
        return tracks.length ? `${o.name}（${tracks.map((t) => `${t}：${levels(t)}`).join("；")}）` : `${o.name}（${levels()}）`;
      })
      .join("；"),
  };
}

/** A count before a measure word as the notice writes it ("保留一年", "两次补考机会"): 1–10 in Chinese (2 is 两), others in digits. */
export const chineseCount = (n: number): string => (n >= 1 && n <= 10 ? "一两三四五六七八九十"[n - 1] : String(n));

/** Fills `{name}` placeholders; an unknown name is an error, so a typo in the data cannot reach a candidate. */
export function render(template: string, vars: Record<string, string | number>, base: Record<string, string | number> = {}): string {
  const parts = compiled.get(template) ?? compile(template);
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i];
    const value = name in vars ? vars[name] : base[name];
    if (value === undefined) throw new Error(`模板占位符 {${name}} 没有值`);
    out += String(value) + parts[i + 1];
  }
  return out;
}

/** Templates split once into [text, name, text, name, …, text]. */
const compiled = new Map<string, string[]>();
function compile(template: string): string[] {
  const parts = template.split(/\{(\w+)\}/);
  if (compiled.size < 10_000) compiled.set(template, parts);
  return parts;
}
