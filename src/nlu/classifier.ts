/** Intent classification: natural's naive Bayes over segmented tokens, plus keyword and entity rules from intents/. */
// The Bayes classifier module alone: the classifiers index also loads maxent and logistic regression (+38 MB).
import BayesClassifier from "natural/lib/natural/classifiers/bayes_classifier.js";
import type { Knowledge } from "../knowledge/load.js";
import type { Entities } from "./entities.js";
import { PrefixIndex } from "./prefix-index.js";

export interface Scored {
  intent: string;
  score: number;
}

interface Keyword {
  text?: string;
  pattern?: RegExp;
  weight: number;
}

interface IntentRule {
  intent: string;
  keywords: Keyword[];
  entityBoost: Record<string, number>;
  needsEntity?: string[];
}

/** Which entity names count as present, for `entityBoost` and `needsEntity` in intents/. */
export function presentEntities(e: Entities): Set<string> {
  const s = new Set<string>();
  if (e.occupation) s.add("occupation");
  if (e.track) s.add("track");
  if (e.level !== undefined) s.add("level");
  if (e.certificate) s.add("certificate");
  if (e.years !== undefined) s.add("years");
  if (e.age !== undefined) s.add("age");
  if (e.month !== undefined) s.add("month");
  if (e.residency.length) s.add("residency");
  if (e.subject) s.add("subject");
  if (e.school) s.add("school");
  if (e.program) s.add("program");
  if (e.status) s.add("status");
  if (e.major) s.add("major");
  if (e.relatedOccupation) s.add("relatedOccupation");
  if (e.future) s.add("future");
  if (e.self) s.add("self");
  if (e.none.work) s.add("noWork");
  if (e.none.certificate) s.add("noCertificate");
  if (e.none.education) s.add("noEducation");
  return s;
}

export class IntentClassifier {
  private readonly bayes: BayesClassifier;
  private readonly model: SparseModel;
  private readonly rules: IntentRule[];
  private readonly keywordIndex = new PrefixIndex<Keyword>();
  readonly vocabulary = new Set<string>();
  readonly intents: string[];

  constructor(kb: Knowledge, tokenize: (text: string) => string[]) {
    this.bayes = new BayesClassifier();
    const examples = new Map<string, string[]>();
    for (const i of kb.intents) examples.set(i.intent, [...i.examples]);
    // A canned answer's question variants are training examples of the intent of the same id.
    for (const a of kb.answers) examples.set(a.id, [...(examples.get(a.id) ?? []), ...a.questions]);
    for (const [intent, texts] of examples) {
      for (const t of texts) {
        const tokens = tokenize(t);
        tokens.forEach((tok) => this.vocabulary.add(tok));
        if (tokens.length) this.bayes.addDocument(tokens, intent);
      }
    }
    this.bayes.train();
    this.model = sparseModel(this.bayes);
    this.intents = [...examples.keys()];
    this.rules = kb.intents.map((i) => ({
      intent: i.intent,
      keywords: i.keywords.map((k) =>
        typeof k === "string"
          ? { text: k.toLowerCase(), weight: 1 }
          : "pattern" in k
            ? { pattern: new RegExp(k.pattern, "u"), weight: k.weight }
            : { text: k.text.toLowerCase(), weight: k.weight },
      ),
      entityBoost: i.entityBoost ?? {},
      needsEntity: i.needsEntity,
    }));
    for (const r of this.rules) for (const k of r.keywords) if (k.text !== undefined) this.keywordIndex.add(k.text, k);
  }

  /**
   * Bayes probabilities, normalised to sum to 1: the same numbers as natural's getClassifications, computed from
   * its trained counts over the tokens present only (natural walks every vocabulary word on every call).
   */
  bayesScores(tokens: string[]): Scored[] {
    if (!tokens.length) return [];
    const present = [...new Set(tokens)].filter((t) => this.model.index.has(t)).map((t) => this.model.index.get(t)!);
    const logs = this.model.classes.map((c) => present.reduce((sum, i) => sum + (c.logCounts.get(i) ?? c.logDefault), c.logPrior));
    const max = Math.max(...logs);
    const exp = logs.map((l) => Math.exp(l - max));
    const total = exp.reduce((a, b) => a + b, 0);
    return this.model.classes.map((c, k) => ({ intent: c.label, score: exp[k] / total })).sort((a, b) => b.score - a.score);
  }

  /** Keyword evidence per intent: the sum of (length × weight) of the keywords found in the text, plus entity boosts. */
  ruleScores(text: string, entities: Set<string>): Map<string, number> {
    // Each keyword counts once, wherever and however often it occurs.
    const found = new Set<Keyword>();
    for (let i = 0; i < text.length; i++) for (const { value } of this.keywordIndex.at(text, i)) found.add(value);
    const scores = new Map<string, number>();
    for (const r of this.rules) {
      let s = 0;
      for (const k of r.keywords) {
        if (k.text !== undefined ? found.has(k) : k.pattern!.test(text)) s += (k.text?.length ?? 3) * k.weight;
      }
      if (s > 0) for (const [name, boost] of Object.entries(r.entityBoost)) if (entities.has(name)) s += boost;
      if (s > 0 && r.needsEntity && !r.needsEntity.some((n) => entities.has(n))) s *= 0.3;
      if (s > 0) scores.set(r.intent, s);
    }
    return scores;
  }
}

interface SparseModel {
  index: Map<string, number>;
  classes: { label: string; logPrior: number; logDefault: number; logCounts: Map<number, number> }[];
}

/** natural's (apparatus's) naive Bayes: P(c) · Π P(f|c) over the features present, P(f|c) = count / classTotal. */
function sparseModel(bayes: unknown): SparseModel {
  const b = bayes as {
    features: Record<string, number>;
    classifier: { classFeatures: Record<string, Record<number, number>>; classTotals: Record<string, number>; totalExamples: number; smoothing: number };
  };
  const index = new Map<string, number>();
  let i = 0;
  // The same enumeration natural's textToFeatures uses to number the features.
  for (const feature in b.features) index.set(feature, i++);
  const c = b.classifier;
  const classes = Object.keys(c.classFeatures).map((label) => {
    const total = c.classTotals[label];
    return {
      label,
      logPrior: Math.log(total / c.totalExamples),
      logDefault: Math.log(c.smoothing / total),
      logCounts: new Map(Object.entries(c.classFeatures[label]).map(([k, count]) => [Number(k), Math.log(count / total)])),
    };
  });
  return { index, classes };
}
