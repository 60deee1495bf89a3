/**
 * Search for the hotline console: the caller's words → the best answers, best first. Two kinds of candidates:
 * canned answers (scored by the engine's intent ranking and by how closely the words match their question
 * variants, topic and text) and parametric answers composed for the entities found (occupation, track, level, month…).
 */
import type { Engine } from "../engine/engine.js";
import type { Answer, Query } from "../engine/answers.js";
import type { Knowledge } from "../knowledge/load.js";
import { levelLabel, tracksOf } from "../knowledge/facts.js";
import type { Understanding } from "../nlu/understand.js";
import { normalise } from "../nlu/normalize.js";
import { cannedAnswers, phoneText, type CannedView } from "./views.js";

export interface SearchResult {
  /** Stable for the same answer: "canned:photo", "fee:互联网营销师/直播销售员/4". */
  id: string;
  kind: "canned" | "parametric";
  intent: string;
  title: string;
  /** The canned answer's topic, or the kind of parametric answer. */
  topic: string;
  clause: string;
  text: string;
  /** Phone-friendly text with the source: what the copy button copies. */
  plain: string;
  score: number;
}

export interface SearchResponse {
  q: string;
  results: SearchResult[];
  understanding: { intent: string; confidence: number; entities: Record<string, unknown> };
  /** When the words ask whether someone may apply: what to prefill in the eligibility form. */
  eligibility?: { occupation?: string; track?: string; level?: number };
  tookMs: number;
}

/** Names of the parametric answers, as the console labels them. */
const PARAMETRIC_LABELS: Record<string, string> = {
  overview: "月份与费用",
  schedule: "认定月份",
  levels: "开设等级",
  month_list: "当月认定",
  fee: "收费标准",
  id_documents: "身份证件",
  related_occupation: "相关职业",
  related_major: "相关专业",
  conditions: "申报条件",
  materials: "所需材料",
};

const PUNCT = /[\p{P}\p{S}\s]+/gu;
/** The compact form used for matching: normalised (Simplified, NFKC, lower case), without punctuation. */
export const compact = (text: string) => normalise(text).text.replace(PUNCT, "");

const bigrams = (s: string): Set<string> => {
  const chars = [...s];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return out;
};

/** Dice coefficient of the character bigrams. */
function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return (2 * common) / (a.size + b.size);
}

/** Probabilistic or: two independent pieces of evidence. */
const or = (a: number, b: number) => 1 - (1 - a) * (1 - b);
const round = (n: number) => Math.round(n * 1000) / 1000;

interface CannedIndex {
  view: CannedView;
  questions: { text: string; grams: Set<string> }[];
  topic: string;
  body: string;
}

export const MIN_SCORE = 0.3;

export class ConsoleSearch {
  private readonly canned: CannedIndex[];
  readonly answers: CannedView[];

  constructor(
    private readonly kb: Knowledge,
    private readonly engine: Engine,
  ) {
    this.answers = cannedAnswers(kb, engine);
    this.canned = this.answers.map((view) => ({
      view,
      questions: view.questions.map((q) => {
        const text = compact(q);
        return { text, grams: bigrams(text) };
      }),
      topic: compact(view.topic),
      body: compact(view.text),
    }));
    // The first searches pay for lazy set-up and compilation (segmenter, classifier, composer); pay it here instead,
    // with every canned answer's first question and every occupation with a level (some tens of milliseconds).
    for (const a of this.answers) this.search(a.questions[0]);
    for (const r of kb.plan.rows.filter((row, i, rows) => rows.findIndex((x) => x.occupation === row.occupation) === i)) {
      this.search(`${r.track ?? r.occupation}${levelLabel(kb, r.level)}`);
    }
  }

  search(input: string, limit = 8): SearchResponse {
    const t0 = performance.now();
    const q = String(input ?? "").slice(0, 200);
    const text = compact(q);
    if (!text) return { q, results: [], understanding: { intent: "none", confidence: 0, entities: {} }, tookMs: 0 };
    const u = this.engine.understander.understand(q);
    const intentScore = this.intentScorer(u);
    const results: SearchResult[] = [];

    const grams = bigrams(text);
    const len = [...text].length;
    for (const c of this.canned) {
      let lexical = 0;
      for (const question of c.questions) {
        lexical = Math.max(lexical, dice(grams, question.grams));
        if (question.text.includes(text)) lexical = Math.max(lexical, 0.5 + (0.4 * len) / Math.max(len, [...question.text].length));
        else if (len >= 2 && text.includes(question.text)) lexical = Math.max(lexical, 0.85);
      }
      if (c.topic.includes(text) || (len >= 2 && text.includes(c.topic))) lexical = Math.max(lexical, 0.45);
      // Words found only in an answer's text are weak evidence: the greeting names every topic.
      if (len >= 2 && c.body.includes(text)) lexical = Math.max(lexical, 0.2 + Math.min(0.15, 0.03 * len));
      const score = or(intentScore(c.view.id), lexical);
      if (score >= MIN_SCORE) {
        results.push({
          id: `canned:${c.view.id}`,
          kind: "canned",
          intent: c.view.id,
          title: c.view.questions[0],
          topic: c.view.topic,
          clause: c.view.clause,
          text: c.view.text,
          plain: c.view.plain,
          score: round(score),
        });
      }
    }

    results.push(...this.parametric(u, intentScore));

    // The same text twice (overview without a level is the schedule): keep the better.
    const seen = new Set<string>();
    const ordered = results
      .sort((a, b) => b.score - a.score)
      .filter((r) => (seen.has(r.text) ? false : (seen.add(r.text), true)))
      .slice(0, Math.max(1, Math.min(limit, 30)));
    const e = u.entities;
    const entities = Object.fromEntries(
      Object.entries({ occupation: e.occupation, track: e.track, level: e.level, month: e.month, major: e.major, subject: e.subject, residency: e.residency.length ? e.residency : undefined }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    const wantsEligibility = u.ranked[0]?.intent === "eligibility" && u.confidence >= 0.5;
    return {
      q,
      results: ordered,
      understanding: { intent: u.intent, confidence: u.confidence, entities },
      eligibility: wantsEligibility ? { occupation: e.occupation, track: e.track, level: e.level } : undefined,
      tookMs: round(performance.now() - t0),
    };
  }

  /** A name staff recognise for an intent: the parametric answer's label, or a canned answer's first question. */
  intentLabel(intent: string): string {
    return PARAMETRIC_LABELS[intent] ?? this.answers.find((a) => a.id === intent)?.questions[0] ?? this.kb.intents.find((i) => i.intent === intent)?.examples[0] ?? intent;
  }

  /** How strongly the engine's understanding points to an intent, 0..1: its confidence, shared out by rank score. */
  private intentScorer(u: Understanding): (intent: string) => number {
    const top = u.ranked[0]?.score ?? 0;
    const scores = new Map(u.ranked.map((r) => [r.intent, r.score]));
    return (intent) => (top > 0 ? u.confidence * ((scores.get(intent) ?? 0) / top) : 0);
  }

  /** Answers composed from the plan, fees and conditions for what the words name, as the chat would answer. */
  private parametric(u: Understanding, intentScore: (intent: string) => number): SearchResult[] {
    const e = u.entities;
    const q: Query = {
      occupation: e.occupation,
      track: e.track,
      level: e.level,
      month: e.month,
      subject: e.subject,
      residency: e.residency,
      major: e.major,
      school: e.school,
      program: e.program,
      status: e.status,
      relatedOccupation: e.relatedOccupation,
      otherOccupation: e.occupations.find((o) => o !== e.occupation),
      certificate: e.certificate,
      years: e.years,
      age: e.age,
      future: e.future,
    };
    // Prior evidence from the entities alone: 直播销售员四级 wants its months and its fee.
    const base = new Map<string, number>();
    const bump = (intent: string, s: number) => base.set(intent, Math.max(base.get(intent) ?? 0, s));
    if (q.occupation) {
      if (q.level !== undefined) {
        bump("overview", 0.9);
        bump("schedule", 0.75);
        bump("fee", 0.75);
        bump("conditions", 0.6);
        bump("materials", 0.45);
      } else {
        bump("schedule", 0.8);
        bump("fee", 0.75);
        bump("levels", 0.65);
        bump("conditions", 0.6);
        bump("related_occupation", q.relatedOccupation || q.otherOccupation ? 0.85 : 0.4);
        bump("related_major", q.major ? 0.85 : 0.4);
      }
    } else if (q.level !== undefined) {
      bump("schedule", 0.6);
    }
    if (q.month !== undefined) bump("month_list", 0.85);
    if (q.residency.length) bump("id_documents", 0.85);
    if (q.major) bump("related_major", 0.8);
    if (q.subject) bump("fee", 0.7);
    for (const r of u.ranked.slice(0, 3)) if (r.intent in PARAMETRIC_LABELS) bump(r.intent, 0);

    const out: SearchResult[] = [];
    for (const [intent, prior] of base) {
      const score = or(prior, intentScore(intent));
      if (score < MIN_SCORE) continue;
      const a = this.compose(intent, q);
      if (a?.status === "answered") out.push(this.result(intent, q, a, score));
      else if (a && !q.occupation && prior === 0) {
        // 相关专业 / 申报条件 without an occupation: the chat asks which one; staff get every occupation's answer.
        for (const o of this.kb.occupations.occupations) {
          const tracks = tracksOf(this.kb, o.name);
          const track = tracks.length === 1 ? tracks[0] : undefined;
          const each = { ...q, occupation: o.name, track };
          const b = this.compose(intent, each);
          if (b?.status === "answered") out.push(this.result(intent, each, b, score * 0.9));
        }
      }
    }
    return out;
  }

  private result(intent: string, q: Query, a: Answer, score: number): SearchResult {
    const what = [q.occupation && (q.track ? `${q.occupation}（${q.track}）` : q.occupation), q.level !== undefined && levelLabel(this.kb, q.level)]
      .filter(Boolean)
      .join(" ");
    const key = [q.occupation, q.track, q.level, q.month, q.major, q.subject, q.residency.join("+")].map((x) => x ?? "").join("/");
    return {
      id: `${intent}:${key}`,
      kind: "parametric",
      intent,
      title: what ? `${PARAMETRIC_LABELS[intent]}：${what}` : PARAMETRIC_LABELS[intent],
      topic: PARAMETRIC_LABELS[intent],
      clause: a.clause,
      text: a.text,
      plain: phoneText(this.kb, this.engine.composer.vars, a.text, a.clause),
      score: round(score),
    };
  }

  private compose(intent: string, q: Query): Answer | undefined {
    const c = this.engine.composer;
    switch (intent) {
      case "overview":
        return q.occupation && q.level !== undefined ? c.overview(q) : undefined;
      case "schedule":
        return c.schedule(q);
      case "levels":
        return c.levels(q);
      case "month_list":
        return q.month !== undefined ? c.monthList(q) : undefined;
      case "fee":
        return c.fee(q);
      case "id_documents":
        return c.idDocuments(q);
      case "related_occupation":
        return c.relatedOccupation(q);
      case "related_major":
        return c.relatedMajor(q);
      case "conditions":
        return c.conditions(q);
      case "materials":
        return q.occupation && q.level !== undefined ? c.materialsFor(q) : undefined;
      default:
        return undefined;
    }
  }
}
