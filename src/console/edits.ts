/**
 * Answers edited in the staff console (issue 14): a layer in the store over knowledge/'s answers.yaml. The knowledge
 * folder stays the source for what comes from the notice; an edit adds an answer, overrides one of the file's answers,
 * or retires one. `apply(kb)` gives the knowledge with the layer applied: an engine built on it answers from the edits,
 * and its classifier trains on their question variants. The layer is one versioned document (compare-and-set), so two
 * admins saving at once never lose an edit, and with Redis every instance reads the same layer.
 */
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { z } from "zod";
import type { DocStore } from "../handoff/docs.js";
import type { Knowledge } from "../knowledge/load.js";
import { AnswersFile } from "../knowledge/schema.js";
import { baseVars, render } from "../knowledge/facts.js";
import { PARAMETRIC_INTENTS } from "../engine/engine.js";
import { questionKey } from "./unanswered.js";

/** What an answer without a clause of the notice cites: the institution's own supplement, never the notice. */
export const LOCAL_CLAUSE = "本机构补充说明";
/** The source line of such an answer when knowledge/common/replies.yaml has no `source_local`. */
const LOCAL_SOURCE_DEFAULT = "（依据：本机构补充说明，非通知原文）";

export const MAX_QUESTIONS = 60;
export const MAX_QUESTION_CHARS = 100;
export const MAX_ANSWER_CHARS = 2_000;
const MAX_TOPIC_CHARS = 30;
const MAX_CLAUSE_CHARS = 40;

const Line = (max: number, what: string) => z.string().trim().min(1, `${what}不能为空`).max(max, `${what}不能超过 ${max} 个字`);

/** The body of `POST /console/api/answers` and `PUT /console/api/answers/:id`. */
export const AnswerBody = z.strictObject({
  topic: Line(MAX_TOPIC_CHARS, "主题"),
  questions: z
    .array(Line(MAX_QUESTION_CHARS, "问法"))
    .min(1, "至少要有一个问法")
    .max(MAX_QUESTIONS, `问法不能超过 ${MAX_QUESTIONS} 个`),
  answer: Line(MAX_ANSWER_CHARS, "答案"),
  /** The notice's clause (三（一）); absent or empty: the answer is the institution's own (本机构补充说明). */
  clause: z.string().trim().max(MAX_CLAUSE_CHARS, `条款不能超过 ${MAX_CLAUSE_CHARS} 个字`).nullish(),
});
export type AnswerBody = z.infer<typeof AnswerBody>;

/** One answer of the layer, as stored. */
export interface AnswerEdit {
  id: string;
  topic: string;
  questions: string[];
  answer: string;
  /** null: the institution's own answer (cites 本机构补充说明). */
  clause: string | null;
  /** Retired: the answer is taken out (an answer of answers.yaml included). */
  retired?: boolean;
  /** Who saved it last, and when. */
  by: string;
  at: number;
}

export interface EditLayer {
  answers: Record<string, AnswerEdit>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 409; error: string };

const KEY = "console:answers";
const EMPTY: EditLayer = { answers: {} };
const Z_ERR = (e: z.ZodError) =>
  e.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.code === "invalid_type" ? "请求体应为 {topic, questions: [问法…], answer, clause?}" : i.message))
    .join("；");

export interface EditsOptions {
  now?: () => number;
  /** The store key of the layer (tests give each their own). */
  key?: string;
}

export class AnswerEdits {
  private layer: EditLayer = EMPTY;
  private version = 0;
  private readonly listeners = new Set<(layer: EditLayer) => void>();
  private readonly now: () => number;
  private readonly key: string;

  constructor(
    private readonly docs: DocStore,
    options: EditsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.key = options.key ?? KEY;
  }

  /** Reads the layer from the store (another instance may have changed it): call before `apply` on a reload. */
  async refresh(): Promise<EditLayer> {
    const d = await this.docs.get<EditLayer>(this.key);
    this.layer = d?.value ?? EMPTY;
    this.version = d?.version ?? 0;
    return this.layer;
  }

  /** Every edit, newest first (as read last; `refresh` reads again). */
  list(): AnswerEdit[] {
    return Object.values(this.layer.answers).sort((a, b) => b.at - a.at);
  }

  get(id: string): AnswerEdit | undefined {
    return this.layer.answers[id];
  }

  /** Called after every change made here (the service republishes: every instance rebuilds its engine). */
  onChange(listener: (layer: EditLayer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The knowledge with the layer applied: overrides in place, new answers after the file's, retired ones taken out. */
  apply(kb: Knowledge, layer: EditLayer = this.layer): Knowledge {
    const edits = layer.answers;
    if (!Object.keys(edits).length) return kb;
    const localSource = kb.replies.source_local ?? LOCAL_SOURCE_DEFAULT;
    const toAnswer = (e: AnswerEdit): Knowledge["answers"][number] =>
      e.clause
        ? { id: e.id, topic: e.topic, clause: e.clause, questions: e.questions, answer: e.answer }
        : // The engine cites a clause as "（依据：<the notice> <clause>）": an answer of our own carries its own source
          // line and no clause, so it never names the notice.
          { id: e.id, topic: e.topic, clause: "", questions: e.questions, answer: `${e.answer}\n${localSource}` };
    const answers: Knowledge["answers"] = [];
    const inFile = new Set<string>();
    for (const a of kb.answers) {
      inFile.add(a.id);
      const e = edits[a.id];
      if (!e) answers.push(a);
      else if (!e.retired) answers.push(toAnswer(e));
    }
    for (const e of Object.values(edits).sort((a, b) => a.at - b.at)) if (!inFile.has(e.id) && !e.retired) answers.push(toAnswer(e));
    // The wordings staff added (not those the file already had): asked as written, they get their answer.
    const fileQuestions = new Map(kb.answers.map((a) => [a.id, new Set(a.questions)]));
    const staffQuestions = Object.values(edits)
      .filter((e) => !e.retired)
      .flatMap((e) => e.questions.filter((q) => !fileQuestions.get(e.id)?.has(q)).map((question) => ({ id: e.id, question })));
    return { ...kb, answers, staffQuestions };
  }

  /** The answer as it stands for `kb` (file, edited or added), or undefined (unknown or retired). */
  current(kb: Knowledge, id: string): { id: string; topic: string; questions: string[]; answer: string; clause: string | null } | undefined {
    const e = this.layer.answers[id];
    if (e) return e.retired ? undefined : { id, topic: e.topic, questions: e.questions, answer: e.answer, clause: e.clause };
    const a = kb.answers.find((x) => x.id === id);
    return a && { id, topic: a.topic, questions: a.questions, answer: a.answer, clause: a.clause };
  }

  /** Checks an answer as `npm run validate` would: the answers.yaml schema, placeholders that have a value, ids and
   * question variants unique. */
  validate(kb: Knowledge, id: string, body: unknown): Checked<AnswerEdit> {
    const p = AnswerBody.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: Z_ERR(p.error) };
    const b = p.data;
    const questions = dedupe(b.questions);
    const clause = b.clause && b.clause !== LOCAL_CLAUSE ? b.clause : null;
    const entry = { id, topic: b.topic, clause: clause ?? LOCAL_CLAUSE, questions, answer: b.answer };
    const s = AnswersFile.safeParse({ answers: [entry] });
    if (!s.success) return { ok: false, status: 400, error: Z_ERR(s.error) };
    try {
      render(b.answer, {}, baseVars(kb));
    } catch (err) {
      return { ok: false, status: 400, error: `答案中的${(err as Error).message.replace(/^模板/, "")}（可用的占位符：${Object.keys(baseVars(kb)).map((k) => `{${k}}`).join(" ")}）` };
    }
    // A question worded as another answer's question would train the classifier both ways.
    const applied = this.apply(kb);
    const mine = new Set(questions.map(questionKey));
    for (const a of applied.answers) {
      if (a.id === id) continue;
      const clash = a.questions.find((q) => mine.has(questionKey(q)));
      if (clash) return { ok: false, status: 400, error: `问法“${clash}”已属于答案“${a.topic} / ${a.id}”` };
    }
    return { ok: true, value: { id, topic: b.topic, questions, answer: b.answer, clause, by: "", at: this.now() } };
  }

  /** A new answer's id: `local_` and letters (the answers.yaml id rule: lower-case letters and _). */
  newId(kb: Knowledge): string {
    for (;;) {
      const id = `local_${[...randomBytes(8)].map((x) => String.fromCharCode(97 + (x % 26))).join("")}`;
      if (!this.layer.answers[id] && !kb.answers.some((a) => a.id === id)) return id;
    }
  }

  /** Whether an answer may be retired: an intent that has no answer stops the engine (see Engine's constructor). */
  retirable(kb: Knowledge, id: string): Checked<true> {
    const intent = kb.intents.find((i) => i.intent === id);
    if (intent && !(PARAMETRIC_INTENTS as readonly string[]).includes(id)) {
      return { ok: false, status: 409, error: `答案 ${id} 是意图“${id}”的回答，机器人识别到这类问题时要用它，不能停用；可以修改它的内容` };
    }
    return { ok: true, value: true };
  }

  /**
   * Changes one answer of the layer (`next` undefined: the edit is removed and the file's answer, if any, answers
   * again), with compare-and-set against other saves; returns the edit before and after.
   */
  async write(id: string, next: (before: AnswerEdit | undefined) => AnswerEdit | undefined): Promise<{ before: AnswerEdit | null; after: AnswerEdit | null }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      await this.refresh();
      const before = this.layer.answers[id];
      const after = next(before);
      const answers = { ...this.layer.answers };
      if (after) answers[id] = after;
      else delete answers[id];
      const layer = { answers };
      const v = await this.docs.cas(this.key, this.version, layer);
      if (v === undefined) continue;
      this.layer = layer;
      this.version = v;
      for (const l of this.listeners) {
        try {
          l(layer);
        } catch {
          // A listener's failure is its own; the edit is saved.
        }
      }
      return { before: before ?? null, after: after ?? null };
    }
    throw new Error("答案正被同时修改，请稍后再试");
  }

  /** The layer as a YAML file for the repository: answers in answers.yaml's form, and the ids retired. */
  exportYaml(): string {
    const list = Object.values(this.layer.answers).sort((a, b) => a.id.localeCompare(b.id));
    const answers = list.filter((e) => !e.retired).map((e) => ({ id: e.id, topic: e.topic, clause: e.clause ?? LOCAL_CLAUSE, questions: e.questions, answer: e.answer }));
    const retired = list.filter((e) => e.retired).map((e) => e.id);
    const head = [
      "# 坐席台修改的固定答案（issue 14）：把 answers 里的条目并入 knowledge/<年份>/answers.yaml（同 id 的替换原条目），",
      `# 并删去 retired 里列出的 id。clause 为“${LOCAL_CLAUSE}”的是本机构自己的答案，不出自通知。`,
      `# 导出时间：${new Date(this.now()).toISOString()}`,
    ].join("\n");
    return `${head}\n${stringify({ answers, retired }, { lineWidth: 0 })}`;
  }
}

/** The questions without repeats (same wording up to punctuation, greetings and particles), in order. */
export function dedupe(questions: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const q of questions) {
    const k = questionKey(q);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(q.trim());
  }
  return out;
}
