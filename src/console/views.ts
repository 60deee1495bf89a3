/** What the console shows, computed from the knowledge base: canned answers by topic, the plan, the fees, the
 * conditions of each occupation, and phone-friendly text for copying. No fact is written here. */
import type { Knowledge } from "../knowledge/load.js";
import { formatMonths, levelInfo, levelLabel, offeredLevels, render, tracksOf } from "../knowledge/facts.js";
import { PROGRAMS, SCHOOLS, STATUSES } from "../knowledge/schema.js";
import { conditionMaterials } from "../eligibility/rules.js";
import type { Engine } from "../engine/engine.js";
import { LOCAL_CLAUSE } from "./edits.js";

const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef“”‘’…—]/u;
const LATIN = /[A-Za-z0-9/:.%?=&#_-]/;

/** Text to read out or paste into a text message: no markup, no stray spaces between Chinese characters (left by
 * folded YAML lines), one blank-free paragraph per line, and the source clause at the end. */
export function phoneText(kb: Knowledge, vars: Record<string, string>, text: string, clause: string): string {
  const body = text
    .replace(/\r\n?/g, "\n")
    .replace(/[*`_]{2,}|^#+\s*|^[-*]\s+/gm, "")
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, (m: string, offset: number, s: string) => spaceBetween(s[offset - 1] ?? "", s[offset + m.length] ?? "")).trim())
    .filter(Boolean)
    .join("\n");
  // An answer of the institution's own (no clause) already ends with its source line (see edits.ts).
  return clause ? `${body}\n${render(kb.replies.source, { ...vars, clause })}` : body;
}

/** A space next to a URL or other Latin text stays (平台 https://…); next to Chinese text it goes. */
function spaceBetween(before: string, after: string): string {
  if (LATIN.test(before) || LATIN.test(after)) return " ";
  return CJK.test(before) || CJK.test(after) ? "" : " ";
}

export interface CannedView {
  id: string;
  topic: string;
  clause: string;
  questions: string[];
  text: string;
  plain: string;
}

/** Every canned answer, rendered, in file order. */
export function cannedAnswers(kb: Knowledge, engine: Engine): CannedView[] {
  return kb.answers.map((a) => {
    const text = engine.cannedText(a.id);
    return { id: a.id, topic: a.topic, clause: a.clause || LOCAL_CLAUSE, questions: a.questions, text, plain: phoneText(kb, engine.composer.vars, text, a.clause) };
  });
}

/** Canned answers grouped by topic, topics in order of first appearance. */
export function answersByTopic(answers: CannedView[]): { topic: string; answers: CannedView[] }[] {
  const groups = new Map<string, CannedView[]>();
  for (const a of answers) groups.set(a.topic, [...(groups.get(a.topic) ?? []), a]);
  return [...groups].map(([topic, list]) => ({ topic, answers: list }));
}

export function planView(kb: Knowledge) {
  return {
    clause: kb.plan.clause,
    organiser: kb.plan.organiser,
    rows: kb.plan.rows.map((r) => ({
      no: r.no,
      occupation: r.occupation,
      track: r.track ?? null,
      level: r.level,
      levelLabel: levelLabel(kb, r.level),
      months: r.months,
      monthsText: formatMonths(r.months),
      monthsFromRow: r.monthsFromRow ?? null,
    })),
  };
}

export function feesView(kb: Knowledge) {
  return {
    clause: kb.fees.clause,
    subjects: kb.fees.subjects,
    tables: kb.fees.tables.map((t) => ({
      occupation: t.occupation,
      rows: t.rows.map((r) => ({ ...r, levelLabel: levelLabel(kb, r.level) })),
    })),
  };
}

/** Each occupation: its tracks, the conditions of each level (and whether the plan offers it), related occupations
 * and the major lists. */
export function occupationsView(kb: Knowledge) {
  return {
    clause: kb.conditionsClause,
    occupations: [...kb.rules.values()].map((r) => {
      const offered = new Set(offeredLevels(kb, r.occupation));
      return {
        occupation: r.occupation,
        tracks: tracksOf(kb, r.occupation).map((t) => ({ track: t, levels: offeredLevels(kb, r.occupation, t).map((l) => levelLabel(kb, l)) })),
        levels: [...r.levels]
          .sort(([a], [b]) => b - a)
          .map(([level, conditions]) => ({
            level,
            levelLabel: levelLabel(kb, level),
            offered: offered.has(level),
            conditions: conditions.map((c) => ({ id: c.id, text: c.text, materials: conditionMaterials(c) })),
          })),
        relatedOccupations: r.relatedOccupations,
        majorLists: r.majorLists.map((l) => ({ label: l.label, schools: l.schools, note: l.note ?? null, majors: l.majors })),
      };
    }),
  };
}

/** The choices of the eligibility form. */
export function eligibilityOptions(kb: Knowledge) {
  return {
    occupations: kb.occupations.occupations.map((o) => ({ name: o.name, tracks: tracksOf(kb, o.name), levels: offeredLevels(kb, o.name) })),
    levels: kb.lexicon.levels.map((l) => ({ level: l.level, label: levelLabel(kb, l.level), name: levelInfo(kb, l.level).name })),
    schools: SCHOOLS,
    programs: PROGRAMS,
    statuses: STATUSES,
  };
}
