/** normalise → segment → entities → intent: what a message asks, before any conversation context. */
import type { Knowledge } from "../knowledge/load.js";
import { IntentClassifier, presentEntities, type Scored } from "./classifier.js";
import { EntityExtractor, type Entities } from "./entities.js";
import { normalise, type Normalised } from "./normalize.js";
import { Segmenter } from "./segment.js";

export interface Understanding {
  norm: Normalised;
  tokens: string[];
  entities: Entities;
  /** The best intent, or "none" when nothing in the text points to one. */
  intent: string;
  confidence: number;
  /** Whether keywords of the intents matched (false: the classifier alone guessed). */
  byRule: boolean;
  /** The closest intents, best first, for a "did you mean" fallback. */
  ranked: Scored[];
  /** Keyword evidence per intent (empty when no keyword matched). */
  ruleScores: Map<string, number>;
}

/** How much the classifier's probability (0–1) weighs against keyword scores (a 3-character keyword is 3). */
const BAYES_WEIGHT = 3;

/** How many understood messages are kept. */
const CACHE_SIZE = 5_000;
/**
 * How much memory the kept messages may take, estimated (see `sizeOf`): a count alone let a few hundred distinct
 * long messages (characters NFKC expands, thousands of short words) fill the heap.
 */
const CACHE_BYTES = 16 * 2 ** 20;
/** A message this long (after normalisation) is understood but not kept: long messages are seldom asked twice. */
const CACHE_MAX_TEXT = 300;

/** Below this the classifier's guess is not trusted. */
export const MIN_CONFIDENCE = 0.45;

export class Understander {
  readonly segmenter: Segmenter;
  readonly entities: EntityExtractor;
  readonly classifier: IntentClassifier;
  private readonly dialect: [string, string][];
  private readonly cache = new Map<string, { u: Understanding; bytes: number }>();
  /** Questions staff added in the console, by their exact form (see `exactKey`) → the answer's id. */
  private readonly exact = new Map<string, string>();
  private cacheBytes = 0;

  constructor(kb: Knowledge) {
    const terms: string[] = [];
    for (const o of kb.occupations.occupations) terms.push(o.name, ...o.aliases);
    for (const t of kb.occupations.tracks) terms.push(t.name, ...t.aliases);
    for (const r of kb.rules.values()) {
      terms.push(...r.relatedOccupations);
      for (const l of r.majorLists) terms.push(...l.majors);
    }
    for (const l of kb.lexicon.levels) terms.push(...l.aliases.filter((a) => !/\s/.test(a)));
    for (const s of kb.lexicon.schools) terms.push(...s.aliases);
    for (const s of kb.evaluation.subjects) terms.push(s.name, ...s.aliases);
    terms.push("准考证", "应届毕业生", "身份证", "通行证", "居住证", "承诺书", "补考", "发票");
    this.segmenter = new Segmenter(terms);
    this.entities = new EntityExtractor(kb);
    this.dialect = Object.entries(kb.lexicon.dialect).sort((a, b) => b[0].length - a[0].length);
    this.classifier = new IntentClassifier(kb, (t) => this.segmenter.cut(normalise(t, this.dialect).text));
    for (const s of kb.staffQuestions ?? []) {
      const key = exactKey(normalise(s.question, this.dialect).text);
      if (key && !this.exact.has(key)) this.exact.set(key, s.id);
    }
  }

  /**
   * What a message asks. A pure function of the text, so the latest results are kept (candidates ask the same
   * questions over and over); callers must not modify what it returns.
   */
  /** A text as the classifier reads it: normalised, dialect words replaced. */
  normalised(input: string): string {
    return normalise(input, this.dialect).text;
  }

  understand(input: string): Understanding {
    const cached = this.cache.get(input);
    if (cached) {
      // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
      this.cache.delete(input);
      this.cache.set(input, cached);
      return cached.u;
    }
    const u = this.analyse(input);
    if (input.length > CACHE_MAX_TEXT || u.norm.text.length > CACHE_MAX_TEXT) return u;
    const bytes = sizeOf(input, u);
    this.cache.set(input, { u, bytes });
    this.cacheBytes += bytes;
    while (this.cache.size > CACHE_SIZE || this.cacheBytes > CACHE_BYTES) {
      const [key, oldest] = this.cache.entries().next().value!;
      this.cache.delete(key);
      this.cacheBytes -= oldest.bytes;
    }
    return u;
  }

  /** The kept messages and their estimated memory (tests). */
  cacheStats(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cacheBytes };
  }

  private analyse(input: string): Understanding {
    const norm = normalise(input, this.dialect);
    const entities = this.entities.extract(norm.text);
    const present = presentEntities(entities);
    // A question staff added to an answer, asked as they wrote it: that answer, before any keyword of another intent.
    const staff = this.exact.size ? this.exact.get(exactKey(norm.text)) : undefined;
    if (staff) {
      const ranked = [{ intent: staff, score: EXACT_SCORE }];
      return { norm, tokens: [], entities, intent: staff, confidence: 0.99, byRule: true, ranked, ruleScores: new Map([[staff, EXACT_SCORE]]) };
    }
    const rules = this.classifier.ruleScores(norm.text, present);
    if (norm.alt) {
      for (const [intent, s] of this.classifier.ruleScores(norm.alt, present)) rules.set(intent, Math.max(s, rules.get(intent) ?? 0));
    }
    // Bayes adds at most 3 to an intent's keyword score: when the keywords already decide by more, it cannot
    // change the answer, and the text is neither segmented nor classified.
    const [first = 0, second = 0] = [...rules.values()].sort((a, b) => b - a);
    const decisive = first > BAYES_WEIGHT && first - second > BAYES_WEIGHT;
    const tokens = decisive ? [] : this.segmenter.cut(norm.text);
    const bayes = decisive ? [] : this.classifier.bayesScores(tokens);
    const known = tokens.filter((t) => this.classifier.vocabulary.has(t)).length;
    const coverage = tokens.length ? known / tokens.length : 0;

    if (rules.size) {
      const combined = new Map<string, number>();
      for (const b of bayes) combined.set(b.intent, BAYES_WEIGHT * b.score);
      for (const [intent, s] of rules) combined.set(intent, (combined.get(intent) ?? 0) + s);
      const ranked = [...combined].map(([intent, score]) => ({ intent, score })).sort((a, b) => b.score - a.score || a.intent.localeCompare(b.intent));
      const [best, second] = ranked;
      const ruleBest = Math.max(...rules.values());
      const margin = second ? best.score / (best.score + second.score) : 1;
      const confidence = round(Math.min(0.99, Math.max(margin, ruleBest >= 4 ? 0.7 : 0.5)));
      return { norm, tokens, entities, intent: best.intent, confidence, byRule: true, ranked, ruleScores: rules };
    }
    const ranked = bayes;
    const top = bayes[0];
    // A guess on mostly unknown words is no answer: "今天天气怎么样" must not become a fee question.
    const confidence = top ? round(top.score * Math.min(1, coverage * 1.5)) : 0;
    return { norm, tokens, entities, intent: top && confidence >= MIN_CONFIDENCE ? top.intent : "none", confidence, byRule: false, ranked, ruleScores: rules };
  }
}

/**
 * A generous estimate of what an understanding holds in V8's heap: two bytes a character for every string (the key,
 * the texts, each token) plus an object's worth per token, entity and ranked intent, and a fixed part.
 */
function sizeOf(input: string, u: Understanding): number {
  let chars = input.length + u.norm.raw.length + u.norm.text.length + (u.norm.alt?.length ?? 0);
  for (const t of u.tokens) chars += t.length;
  return 2 * chars + 48 * (u.tokens.length + u.ranked.length + u.ruleScores.size) + 2 * JSON.stringify(u.entities).length + 1_024;
}

/** A staff-added question matched as written outweighs any keyword evidence. */
const EXACT_SCORE = 100;

/** A normalised text without punctuation, symbols or spaces: "考场附近 停车费多少？" and "考场附近停车费多少" are one. */
export function exactKey(text: string): string {
  return text.replace(/[\p{P}\p{S}\s]+/gu, "");
}

const round = (n: number) => Math.round(n * 100) / 100;
