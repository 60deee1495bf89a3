/**
 * One way through for every channel: normalise → understand → decide → compose.
 * `Engine.turn(userId, text)` is the single entry point; turns of one user run one after another.
 */
import type { Knowledge } from "../knowledge/load.js";
import { render } from "../knowledge/facts.js";
import { Understander } from "../nlu/understand.js";
import { presentEntities } from "../nlu/classifier.js";
import { normalise, traditionalConverter } from "../nlu/normalize.js";
import { Composer, joinClauses, type Answer, type Query } from "./answers.js";
import { compose, type Handler } from "./chain.js";
import { MemoryStore, revive, type SessionStore, type UserLock } from "./session.js";
import { MemoryUnansweredLog, type UnansweredLog } from "./unanswered.js";
import { DialogRunner } from "./dialog-runner.js";
import type { TurnContext, TurnResult } from "./context.js";
import { asksNext, isFollowUp, namedYear, single, type Notices } from "../knowledge/registry.js";
import type { DialogState } from "../eligibility/dialog.js";
import { offeredLevels, tracksOf } from "../knowledge/facts.js";
import type { Session } from "./session.js";
import { nextExam } from "./next-exam.js";
import { findLinks, OPTION_VALUE, optionValue, type StructuredReply } from "./reply.js";
import { randomUUID } from "node:crypto";
import { handoffHandler, type HandoffSetup } from "../handoff/handler.js";
import { PARAMETRIC_INTENTS } from "./intent-names.js";

export type { TurnContext, TurnResult } from "./context.js";


export interface Logger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const stderrLogger: Logger = {
  info: () => {},
  error: (obj, msg) => process.stderr.write(JSON.stringify({ level: "error", msg, ...obj }) + "\n"),
};

export interface EngineOptions {
  store?: SessionStore;
  unanswered?: UnansweredLog;
  logger?: Logger;
  /** A turn that takes longer than this is answered with an apology. */
  turnTimeoutMs?: number;
  now?: () => number;
  /** "notice": replies in the notice's script (Simplified); "asked": in Traditional when asked in it (REPLY_SCRIPT). */
  replyScript?: "notice" | "asked";
  /** Told of every turn answered (the console's numbers); never awaited, its errors ignored. */
  observe?: (result: TurnResult, userId: string, text: string, channel: string) => void;
  /** 转人工 with a queue of staff (src/handoff/handler.ts); absent: 转人工 answers with the hotline as a canned answer. */
  handoff?: HandoffSetup;
}

/** The intents answered by composing facts (src/engine/intent-names.ts, where the knowledge loader reads them too). */
export { PARAMETRIC_INTENTS };

/** Questions that, asked by someone who says they want to apply, are what they ask ("想报…，几月考"). */
const ANSWERS_BESIDE_WANTING = new Set(["schedule", "fee", "levels", "registration", "materials", "evaluation", "month_list", "photo", "payment"]);
/** Words that join two questions in one message. */
const JOINS = /分别|以及|还有|另外|和|，|,|；|;|？|\?/;
/** The most parts of a message read for a second question (work per message stays bounded). */
const MAX_PARTS = 8;
/** White space inside a message: a chat's clause separator. */
const SPACES = /(?<=\S)[\p{Z}\s]+(?=\S)/u;
/** Intents never given as a second answer: they steer the conversation rather than answer a question. */
const SINGLE = new Set(["eligibility", "greeting", "thanks", "handoff", "next_exam", "adjustment", "notice_info", "standard", "website"]);
/** The least keyword score of a second question. */
const SECOND_MIN = 2;
/** Words asking whether two things are the same ("一样吗", "哪个贵"). */
const COMPARES = /一样|相同|同一|区别|不同|差别|哪个|一致/;
/** Intents answered once per level when a message names several ("三级和二级分别几月考"). */
const PER_LEVEL = new Set(["schedule", "fee", "levels", "overview", "conditions"]);
/** Intents that a bare "三级呢" / "视频创推员呢" continues. */
const FOLLOWABLE = new Set<string>([...PARAMETRIC_INTENTS, "overview", "next_exam", "evaluation"]);
/** Answers about when something happens, which the notice gives in months or steps but never as a date. */
const DATED = new Set(["schedule", "month_list", "overview", "next_exam", "registration", "payment"]);
/** Intents whose answer depends on the plan year: a question about "the next" exam gets the year caveat. */
const PLAN_INTENTS = new Set(["schedule", "levels", "month_list", "overview", "fee", "next_exam", "occupations"]);
const LOW_CONFIDENCE = 0.55;


/**
 * The engine's state for one notice: its understanding, composer, dialog and turn chain. The service's `Engine`
 * (below) holds one per notice in use and swaps them as a whole when knowledge is published.
 */
export class NoticeEngine {
  readonly understander: Understander;
  readonly composer: Composer;
  readonly store: SessionStore;
  readonly unanswered: UnansweredLog;
  private readonly logger: Logger;
  private readonly run: (ctx: TurnContext) => Promise<void>;
  private readonly queues: Map<string, Promise<unknown>>;
  private readonly dialog: DialogRunner;
  private readonly canned: Map<string, Knowledge["answers"][number]>;
  private readonly timeoutMs: number;
  private readonly replyScript: "notice" | "asked";
  private readonly continuations: Map<string, Set<string>>;
  private traditional?: (reply: string) => string;
  private readonly now: () => number;
  private readonly routes: (Knowledge["routes"][number] & { re?: RegExp; notRe?: RegExp })[];
  /** The topic a follow-up continues after an answer a route decided (routing.yaml `topic`), by the route's intent. */
  private readonly topics: Map<string, string>;

  constructor(readonly kb: Knowledge, options: EngineOptions = {}, private readonly links?: NoticeLinks) {
    this.queues = links?.queues ?? new Map();
    this.store = options.store ?? new MemoryStore();
    this.unanswered = options.unanswered ?? new MemoryUnansweredLog();
    this.logger = options.logger ?? stderrLogger;
    this.timeoutMs = options.turnTimeoutMs ?? 5_000;
    this.replyScript = options.replyScript ?? "notice";
    this.now = options.now ?? Date.now;
    this.understander = new Understander(kb);
    this.composer = new Composer(kb);
    this.canned = new Map(kb.answers.map((a) => [a.id, a]));
    this.routes = kb.routes.map((r) => ({ ...r, re: r.text ? new RegExp(r.text, "u") : undefined, notRe: r.notText ? new RegExp(r.notText, "u") : undefined }));
    this.topics = new Map();
    for (const r of kb.routes) if (r.topic && !this.topics.has(r.then)) this.topics.set(r.then, r.topic);
    this.continuations = new Map(kb.intents.map((i) => [i.intent, new Set(i.continues ?? [])]));
    for (const i of kb.intents) {
      if (!this.canned.has(i.intent) && !(PARAMETRIC_INTENTS as readonly string[]).includes(i.intent)) {
        throw new Error(`意图 "${i.intent}" 没有答案：请在 answers.yaml 中加入 id 为 ${i.intent} 的条目`);
      }
    }
    // Render every canned answer once, so a missing placeholder fails at start-up, not in front of a candidate.
    for (const a of kb.answers) this.cannedText(a.id);
    this.dialog = new DialogRunner(kb, this.understander, this.composer);
    const handlers: Handler<TurnContext>[] = [
      this.pickOption,
      this.understand,
      ...(options.handoff ? [handoffHandler(kb, this.composer.vars, options.handoff)] : []),
      this.guardEmpty,
      this.dialog.handler,
      this.pickSuggestion,
      this.resolveIntent,
      this.answer,
    ];
    this.run = compose(handlers);
  }

  /** One message in, the replies out. Never throws: errors become an apology and a log line. */
  async turn(userId: string, text: string, channel = "cli"): Promise<TurnResult> {
    const previous = this.queues.get(userId) ?? Promise.resolve();
    const current = previous.then(() => this.guardedTurn(userId, String(text ?? ""), channel));
    const settled = current.catch(() => undefined);
    this.queues.set(userId, settled);
    void settled.then(() => {
      if (this.queues.get(userId) === settled) this.queues.delete(userId);
    });
    return current;
  }

  private async guardedTurn(userId: string, text: string, channel: string): Promise<TurnResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`turn timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      });
      return await Promise.race([this.processTurn(userId, text, channel), timeout]);
    } catch (err) {
      this.logger.error({ userId, channel, err: (err as Error).message }, "turn failed");
      const text = render(this.kb.replies.error, this.composer.vars);
      const reply: StructuredReply = { parts: [text], options: [], links: findLinks(text) };
      return { replies: [text], reply, turnId: randomUUID(), intent: "error", confidence: 0, status: "error" };
    } finally {
      clearTimeout(timer);
    }
  }

  private async processTurn(userId: string, text: string, channel: string, lock?: UserLock, started = performance.now()): Promise<TurnResult> {
    // A store shared by several instances serialises a user's turns across them too (the queue in turn() is per process).
    if (this.store.withUserLock && !lock) return this.store.withUserLock(userId, (held) => this.processTurn(userId, text, channel, held, started));
    const session = revive(await this.store.get(userId, lock), this.now());
    // Several notices: the one this message is about (a year named, the dialog's own), and what to say about it first.
    const route = this.links?.route(text, session) ?? { core: this, parts: [] };
    const core = route.core;
    const ctx: TurnContext = { userId, channel, text, session, parts: route.parts, options: [] };
    await core.run(ctx);
    this.links?.after(core, ctx);
    // The options now offered are what a tapped value or a typed number chooses among next time.
    if (ctx.options.length) ctx.session.offered = ctx.options;
    else delete ctx.session.offered;
    // The session is written only after the whole chain ran: a handler that threw leaves the stored state as it was.
    // A turn past its timeout has been answered with the apology already: it writes nothing either.
    if (performance.now() - started >= this.timeoutMs) throw new Error("turn timed out: session not written");
    ctx.session.updatedAt = this.now();
    // With a lock, a fenced write: refused (the turn answers the apology) if the lock expired and another turn took it.
    await this.store.set(userId, ctx.session, lock);
    return core.finish(ctx);
  }

  private finish(ctx: TurnContext): TurnResult {
    const parts = [...ctx.parts];
    // The structured reply: a question's numbered options are options, not text (each channel shows them its way).
    const shown = ctx.parts.map((p) => (ctx.options.length ? (ctx.shown?.get(p) ?? p) : p));
    if (ctx.future) parts.push(render(this.kb.replies.future_note, this.composer.vars));
    if (ctx.future) shown.push(parts[parts.length - 1]);
    const label = ctx.clause ? this.clauseLabel(ctx.clause) : "";
    const source = label ? render(this.kb.replies.source, { clause: label }, this.composer.vars) : undefined;
    if (source) parts.push(source);
    const traditional = ctx.u?.norm.traditional ?? false;
    const script = traditional && this.replyScript === "asked" ? (t: string) => this.toTraditional(t) : (t: string) => t;
    const reply = script(parts.join("\n"));
    const structured: StructuredReply = {
      parts: shown.filter(Boolean).map(script),
      options: ctx.options.map((o) => ({ label: script(o.label), value: o.value })),
      ...(source ? { source: script(source) } : {}),
      links: findLinks(reply),
    };
    const intent = ctx.intent ?? "none";
    const confidence = ctx.confidence ?? 0;
    const status = ctx.status ?? "answered";
    if (status === "fallback" || status === "handoff" || (status === "answered" && confidence < LOW_CONFIDENCE && intent !== "none")) {
      const kind = status === "fallback" ? "fallback" : status === "handoff" ? "handoff" : "low_confidence";
      void Promise.resolve(
        this.unanswered.record({ at: this.now(), userId: ctx.userId, channel: ctx.channel, text: normalise(ctx.text).raw, intent, confidence, kind, entities: ctx.u?.entities }),
      ).catch((err) => this.logger.error({ err: (err as Error).message }, "unanswered log failed"));
    }
    // A staff member holds the conversation: the bot says nothing.
    return { replies: status === "with_staff" ? [] : [reply], reply: structured, turnId: randomUUID(), ...(ctx.chosen ? { chosen: ctx.chosen } : {}), intent, confidence, status };
  }

  /** 新对话: the conversation's context and open dialog are forgotten (after any turn of it still running). */
  async reset(userId: string): Promise<void> {
    const previous = this.queues.get(userId) ?? Promise.resolve();
    const current = previous.then(() => this.store.delete(userId));
    const settled = current.catch(() => undefined);
    this.queues.set(userId, settled);
    void settled.then(() => {
      if (this.queues.get(userId) === settled) this.queues.delete(userId);
    });
    return current;
  }

  // === Handlers, in chain order

  private guardEmpty: Handler<TurnContext> = (ctx, next) => {
    if (!ctx.u!.norm.text) {
      ctx.parts.push(render(this.kb.replies.empty, this.composer.vars));
      ctx.intent = "empty";
      ctx.status = "empty";
      return;
    }
    return next();
  };

  /**
   * A tapped option sends its value ("opt:education.school:3"): among the options the last reply offered, it is that
   * option's number, read by whoever asked (the dialog, "您是不是想问"). A value not among them (a button of an
   * earlier question, another tab) is not read as an answer.
   */
  private pickOption: Handler<TurnContext> = (ctx, next) => {
    const offered = ctx.session.offered;
    delete ctx.session.offered;
    const text = ctx.text.trim();
    if (!OPTION_VALUE.test(text)) return next();
    const i = offered ? offered.findIndex((o) => o.value === text) : -1;
    if (i < 0) {
      ctx.parts.push(render(this.kb.replies.option_stale, this.composer.vars));
      ctx.intent = "option_stale";
      ctx.confidence = 1;
      ctx.status = ctx.session.dialog ? "asked" : "answered";
      if (offered) ctx.options = offered;
      return;
    }
    ctx.chosen = offered![i].label;
    ctx.text = String(i + 1);
    return next();
  };

  private understand: Handler<TurnContext> = (ctx, next) => {
    ctx.u = this.understander.understand(ctx.text);
    return next();
  };

  private pickSuggestion: Handler<TurnContext> = (ctx, next) => {
    const pick = /^([1-9])$/.exec(ctx.u!.norm.text);
    const suggestions = ctx.session.suggestions;
    delete ctx.session.suggestions;
    if (pick && suggestions && suggestions[Number(pick[1]) - 1]) {
      ctx.intent = suggestions[Number(pick[1]) - 1];
      ctx.confidence = 0.9;
    }
    return next();
  };

  /** Decides the intent with the conversation's context: a bare "三级呢" continues the last question. */
  private resolveIntent: Handler<TurnContext> = (ctx, next) => {
    if (ctx.intent) return next();
    const u = ctx.u!;
    const e = u.entities;
    const hasSlots = Boolean(e.occupation || e.track || e.level !== undefined || e.month !== undefined || e.residency.length || e.major || e.school);
    const last = ctx.session.lastIntent;
    // A short question that names nothing ("大小呢", "在哪看") continues the topic of the last answer.
    const short = u.norm.text.replace(/[呢吗啊呀吧?？。!！]+$/u, "").length <= 6 && /呢$|吗$|哪|怎么|多少|多大|几|什么|啥|可以|能不能|行不行/u.test(u.norm.text);
    if (last && !hasSlots && last !== "fallback" && (
      (!u.byRule && short) || (u.byRule && this.continuations.get(last)?.has(u.intent)))) {
      // "大小呢" after the photo spec, "费用怎么算" after retakes: the same topic, asked further.
      ctx.intent = last;
      ctx.confidence = 0.8;
    } else if (hasSlots && (!u.byRule || (u.intent === "levels" && last && u.norm.text.length <= 12 && this.kb.lexicon.also.some((w) => u.norm.text.includes(w))))) {
      // (A bare "有吗" reads as whether a level is offered; "三级也有吗" after "二级有面试吗" asks the last question again.)
      if (last && FOLLOWABLE.has(last) && !(e.month !== undefined && !e.occupation && !e.track)) {
        ctx.intent = last === "next_exam" ? "schedule" : last;
        ctx.confidence = 0.8;
      } else if (e.month !== undefined && !e.occupation && !e.track) {
        ctx.intent = "month_list";
        ctx.confidence = 0.75;
      } else if (e.residency.length) {
        ctx.intent = "id_documents";
        ctx.confidence = 0.7;
      } else if (e.major) {
        ctx.intent = "related_major";
        ctx.confidence = 0.7;
      } else {
        ctx.intent = "overview";
        ctx.confidence = 0.75;
      }
    } else {
      ctx.intent = u.intent;
      ctx.confidence = u.confidence;
    }
    // Facts about the candidate ("我干了3年电商，没有证书，行不行") make a question about their own eligibility.
    // A school or status asked about in general ("技工院校学生按哪个目录", "技师班的在读学生要什么条件") is not theirs.
    const asksWhich = /哪些|什么|啥|哪个|呢$/.test(u.norm.text);
    // "没证书直接报三级需要几年工作经验", "四级证书拿到多久可以报三级": what a level requires, asked in general.
    const asksRequirement = !e.self && this.kb.lexicon.asksRequirement.some((w) => u.norm.text.includes(w));
    const personal =
      !asksRequirement &&
      (e.years !== undefined || e.certificate !== undefined || e.none.work || e.none.certificate || e.none.education ||
        e.age !== undefined || Boolean(((e.status || e.school) && (e.self || !asksWhich)) || (e.major && e.self)));
    // (Not "算…相关专业吗": whether a major or job is on the lists is answered from the lists.)
    const membership = /算|属于|对口|是不是/.test(u.norm.text);
    const aboutLists = ["conditions", "overview", "none", ...(membership ? [] : ["related_major", "related_occupation"])].includes(ctx.intent!);
    if (personal && ctx.intent !== "eligibility" && (aboutLists || (u.ruleScores.get("eligibility") ?? 0) > 0)) ctx.intent = "eligibility";
    else if (ctx.intent === "eligibility" && e.future && !personal && e.occupation) ctx.intent = "schedule"; // "明年还能考电子商务师吗"
    else if (ctx.intent === "eligibility" && asksRequirement) ctx.intent = "conditions"; // "四级证书拿到多久可以报三级"
    else if (ctx.intent === "eligibility" && !personal) {
      // "想报考供应链管理师二级，请问几月有考试": with nothing said about the candidate, the other question is the one.
      const other = [...u.ruleScores].filter(([intent]) => ANSWERS_BESIDE_WANTING.has(intent)).sort((a, b) => b[1] - a[1])[0];
      if (other) ctx.intent = other[0];
    }
    // "今年有人工智能训练师的认定吗": an occupation the plan does not have.
    if (e.unknownOccupation && !e.occupation && !e.track && ctx.intent !== "eligibility_dialog") ctx.intent = "not_in_plan";
    // The rest is data: intents/routing.yaml, first matching route wins.
    const present = presentEntities(e);
    if (personal) present.add("personal");
    if (ctx.session.occupation) present.add("sessionOccupation");
    if (ctx.session.dialog) present.add("dialog");
    const route = this.routes.find((r) => routeMatches(r, ctx.intent!, present, u.norm.text));
    if (route) ctx.intent = route.then;
    return next();
  };

  private answer: Handler<TurnContext> = (ctx) => {
    const intent = ctx.intent!;
    const q = this.query(ctx);
    if (intent === "none") return this.fallback(ctx);
    if (intent === "eligibility") {
      this.dialog.startOrVerdict(ctx, q);
      this.remember(ctx, q, intent);
      return;
    }
    let a: Answer | undefined;
    const e = ctx.u!.entities;
    // Several levels named ("三级和二级分别几月考"), or named in the last message and not replaced ("那费用呢也一样吗").
    const named = [...new Set(e.levels)];
    const levels = named.length > 1 ? named : named.length === 0 && ctx.session.levels ? ctx.session.levels : [];
    // Several occupations or tracks asked about together ("电子商务师和供应链管理师三级价钱一样吗"), or in the last
    // message and not replaced by one named now ("那二级呢").
    const together = e.together.length > 1 ? e.together : !e.occupation && !e.track ? (ctx.session.together ?? []) : [];
    const across = together.length > 1 && levels.length <= 1;
    const each: Query[] = across
      ? together.map((t) => ({ ...q, occupation: t.occupation, track: t.track, what: undefined }))
      : levels.length > 1 ? levels.map((level) => ({ ...q, level })) : [];
    if (each.length > 1 && PER_LEVEL.has(intent)) {
      const answers = each.map((x) => this.composed(intent, x, ctx)!);
      const comparison = COMPARES.test(ctx.u!.norm.text) ? this.composer.compare(intent, each) : undefined;
      a = { text: [comparison, ...answers.map((x) => x.text)].filter(Boolean).join("\n"), clause: answers[0].clause, status: "answered" };
      if (across) ctx.session.together = together;
      else ctx.session.levels = levels;
    } else {
      a = this.composed(intent, q, ctx);
      if (named.length) delete ctx.session.levels;
      if (e.occupation || e.track) delete ctx.session.together;
    }
    // A level the plan does not offer, named with a process question ("平台管理员高级技师报名开了吗"): say so first.
    if (!a && (e.occupation || e.track) && e.level !== undefined && !this.composer.offered(q)) {
      ctx.parts.push(this.composer.schedule({ ...q, month: undefined }).text);
    }
    if (!a) {
      const canned = this.canned.get(intent);
      if (!canned) return this.fallback(ctx);
      a = { text: this.cannedText(intent), clause: canned.clause, status: "answered" };
      if (intent === "handoff") ctx.status = "handoff";
    }
    ctx.parts.push(a.text);
    ctx.clause = a.clause;
    ctx.status ??= a.status;
    // Two questions in one message ("考几科，多少钱", "咨询和投诉分别打哪个电话"): the second one answered too.
    const second = this.secondIntent(ctx, intent);
    if (second) {
      const b = this.composed(second, q, ctx) ?? (this.canned.has(second) ? { text: this.cannedText(second), clause: this.canned.get(second)!.clause, status: "answered" as const } : undefined);
      if (b && b.text !== a.text) {
        ctx.parts.push(b.text);
        ctx.clause = joinClauses(a.clause, b.clause);
      }
    }
    // "3月具体几号考试", "报名截止到哪天": the notice gives months and steps, not days.
    if (e.exactDate && DATED.has(intent)) ctx.parts.push(this.composer.t("exact_date"));
    if (PLAN_INTENTS.has(intent) && q.future && intent !== "next_exam") ctx.future = true;
    this.remember(ctx, q, intent);
  };

  // === Helpers

  /**
   * A second question joined to the first ("考几科，多少钱", "咨询和投诉分别打哪个电话"): the message's parts are
   * classified by keywords one by one, and a part whose best intent is another one, clearly asked, is that question.
   * "考试费可以开发票不" is one question (its 考试费 belongs to it), so it gets one answer.
   */
  private secondIntent(ctx: TurnContext, first: string): string | undefined {
    const u = ctx.u!;
    // A space between phrases separates them as a comma does ("电商师一级几月考 要多少钱").
    const spaced = SPACES.test(u.norm.raw);
    if (!u.byRule || !(JOINS.test(u.norm.text) || spaced)) return undefined;
    const present = presentEntities(u.entities);
    const chunks = spaced ? u.norm.raw.split(SPACES, MAX_PARTS).map((c) => this.understander.normalised(c)) : [u.norm.text];
    const bests = chunks
      .flatMap((c) => c.split(JOINS, MAX_PARTS))
      .filter(Boolean)
      .slice(0, MAX_PARTS)
      .map((part) => [...this.understander.classifier.ruleScores(part, present)].filter(([intent]) => !SINGLE.has(intent)).sort((x, y) => y[1] - x[1])[0])
      .filter((b): b is [string, number] => b !== undefined && b[1] >= SECOND_MIN);
    if (!bests.some(([intent]) => intent === first)) return undefined;
    return bests.find(([intent]) => intent !== first)?.[0];
  }

  /** "二" alone is a whole part of the notice: named with its heading ("第二部分（认定评价方式）"); "三（四）" stays. */
  private clauseLabel(clause: string): string {
    return joinClauses(clause)
      .split("、")
      .map((c) => (this.kb.notice.parts[c] ? render(this.kb.replies.source_part, { part: c, heading: this.kb.notice.parts[c] }) : c))
      .join("、");
  }

  /** Built on the first reply in Traditional script, from the text replies are made of. */
  private toTraditional(reply: string): string {
    this.traditional ??= traditionalConverter(replyVocabulary(this.kb));
    return this.traditional(reply);
  }

  /** The answer composed from facts for a parametric intent; undefined when the intent has a canned answer instead. */
  private composed(intent: string, q: Query, ctx: TurnContext): Answer | undefined {
    const e = ctx.u!.entities;
    switch (intent) {
      case "schedule":
      case "next_exam":
        // "下次什么时候考", "电子商务师四级下次哪个月": the plan's months still ahead of today.
        if (intent === "next_exam" || asksNext(this.kb, ctx.u!.norm.text)) {
          ctx.future = true;
          // Only an occupation named in this message: "下次考试什么时候" alone is about the plan as a whole.
          return nextExam(this.kb, this.composer, e.occupation || e.track ? q : { ...q, occupation: undefined, track: undefined, level: e.level }, this.now());
        }
        return this.composer.schedule(q);
      case "levels":
        return this.composer.levels(q);
      case "month_list":
        return this.composer.monthList(q);
      case "fee":
        // "综合评审多少钱": a subject's fee, unless this message names an occupation or level too.
        // Right after a fee answer ("费用呢" → "综合评审是多少"), the subject of that occupation and level.
        return this.composer.fee(e.subject && !e.occupation && e.level === undefined && ctx.session.lastIntent !== "fee" ? { ...q, occupation: undefined, level: undefined } : q);
      case "id_documents":
        return this.composer.idDocuments(q);
      case "retake": {
        // "我2022年考的理论过了，今年还能只补技能吗": the years since, counted against how long a pass is kept.
        const r = e.resultYear;
        if (!r) return undefined;
        const yearsAgo = r.year !== undefined ? new Date(this.now()).getFullYear() - r.year : r.yearsAgo!;
        return this.composer.retakeValidity(yearsAgo, r.said);
      }
      case "photo":
        // "照片60KB可以吗": the size said, against the spec's range; otherwise the canned answer.
        return this.composer.photoSize(ctx.u!.norm.text);
      case "admission_ticket":
        // "考前10天能打印准考证吗": counted against the window; otherwise the canned answer.
        return e.daysToExam === undefined ? undefined : this.composer.ticketWindow(e.daysToExam);
      case "related_occupation":
        return this.composer.relatedOccupation(q);
      case "related_major":
        return this.composer.relatedMajor(q);
      case "conditions":
        return this.composer.conditions(q);
      case "materials":
        return q.level !== undefined ? this.composer.materialsFor(q) : undefined;
      case "overview":
        return this.composer.overview(q);
      case "evaluation":
        return this.composer.evaluation(q);
      case "not_in_plan":
        return this.composer.notInPlan(e.unknownOccupation!);
      case "retake_fee":
        return this.composer.retakeFee(q);
      case "students":
        return this.composer.students(q);
      default:
        return undefined;
    }
  }

  cannedText(id: string): string {
    return render(this.canned.get(id)!.answer, this.composer.vars);
  }

  /** The entities of this message, completed from the session: occupation, track and level carry over. */
  private query(ctx: TurnContext): Query {
    const e = ctx.u!.entities;
    const s = ctx.session;
    let occupation = e.occupation;
    let track = e.track;
    if (!occupation) {
      occupation = s.occupation;
      track = s.track;
    } else if (!track && occupation === s.occupation && !e.occupations.length) {
      track = s.track;
    }
    const sameSubject = occupation === s.occupation && track === s.track;
    const level = e.level ?? (sameSubject || !ctx.u!.byRule ? s.level : undefined);
    const other = e.occupations.find((o) => o !== occupation);
    return {
      occupation,
      track,
      level,
      month: e.month,
      subject: e.subject,
      subjects: e.subjects,
      residency: e.residency.length ? e.residency : (s.residency ?? []),
      major: e.major,
      school: e.school,
      program: e.program,
      status: e.status,
      relatedOccupation: e.relatedOccupation,
      relatedOccupations: e.relatedOccupations,
      otherOccupation: other,
      certificate: e.certificate,
      years: e.years,
      age: e.age,
      future: e.future,
    };
  }

  /** Keeps what the answer was about for the next message's follow-up. */
  remember(ctx: TurnContext, q: Pick<Query, "occupation" | "track" | "level" | "residency">, intent: string): void {
    const s = ctx.session;
    if (q.residency?.length) s.residency = q.residency;
    if (q.occupation) {
      s.occupation = q.occupation;
      if (q.track) s.track = q.track;
      else delete s.track;
    }
    if (q.level !== undefined) s.level = q.level;
    if (intent !== "none") s.lastIntent = this.topics.get(intent) ?? intent;
  }

  private fallback(ctx: TurnContext): void {
    const ranked = (ctx.u?.ranked ?? []).filter((r) => this.canned.has(r.intent) || r.intent === "schedule" || r.intent === "fee").slice(0, 3);
    const sample = (intent: string) => this.canned.get(intent)?.questions[0] ?? this.kb.intents.find((i) => i.intent === intent)?.examples[0] ?? intent;
    ctx.parts.push(render(this.kb.replies.fallback, this.composer.vars));
    if (ranked.length) {
      const line = render(this.kb.replies.fallback_suggest, { list: ranked.map((r, i) => `${i + 1}. ${sample(r.intent)}`).join("；") });
      ctx.parts.push(line);
      ctx.session.suggestions = ranked.map((r) => r.intent);
      // The topics offered are a real choice: options, the line without its list in the structured reply.
      ctx.options = ranked.map((r, i) => ({ label: sample(r.intent), value: optionValue("suggest", i + 1) }));
      (ctx.shown ??= new Map()).set(line, render(this.kb.replies.fallback_suggest_options, this.composer.vars));
    }
    ctx.parts.push(render(this.kb.replies.fallback_contact, this.composer.vars));
    ctx.intent = "fallback";
    ctx.status = "fallback";
  }
}

/** Whether a route of intents/routing.yaml applies to a message (see the file's header). */
export function routeMatches(
  r: Knowledge["routes"][number] & { re?: RegExp; notRe?: RegExp },
  intent: string,
  present: Set<string>,
  text: string,
): boolean {
  if (r.intent && !r.intent.includes(intent)) return false;
  if (r.has && !r.has.every((n) => present.has(n))) return false;
  if (r.lacks && r.lacks.some((n) => present.has(n))) return false;
  if (r.re && !r.re.test(text)) return false;
  if (r.notRe && r.notRe.test(text)) return false;
  return true;
}

/** Every text of the knowledge base a reply can quote. */
function replyVocabulary(kb: Knowledge): string {
  const rules = [...kb.rules.values()].flatMap((r) => [
    ...r.relatedOccupations,
    ...r.majorLists.flatMap((l) => [l.label, ...l.majors]),
    ...[...r.levels.values()].flat().flatMap((c) => [c.text, ...c.materials.map((m) => m.text)]),
  ]);
  const { notice, answers, replies, dialog, materials, contacts, evaluation, occupations, lexicon, fees } = kb;
  return JSON.stringify({ notice, answers, replies, dialog, materials, contacts, evaluation, occupations, lexicon, fees, rules });
}

// === Several notices, and publishing without a restart

/** What a NoticeEngine shares with the other notices of its generation. */
export interface NoticeLinks {
  /** Turns of one user run one after another, whichever notice answers them and across a publish. */
  queues: Map<string, Promise<unknown>>;
  /** Which notice answers this message, and what to say first (a year not held, a notice changed under a dialog). */
  route(text: string, session: Session): { core: NoticeEngine; parts: string[] };
  /** After the chain: a new dialog records its notice; an answer from an older notice says which is the newest. */
  after(core: NoticeEngine, ctx: TurnContext): void;
}

/** "2024:<hash>": which notice, and which version of its folder. */
export const noticeId = (kb: Knowledge): string => `${kb.notice.year}:${kb.hash}`;

/**
 * The engine state of one set of notices: a NoticeEngine per notice, built completely before it is used. A turn runs
 * on the generation it started on to the end; a publish builds a new generation and swaps one reference.
 */
class Generation implements NoticeLinks {
  readonly current: NoticeEngine;
  readonly byYear = new Map<number, NoticeEngine>();
  private readonly byId = new Map<string, NoticeEngine>();

  constructor(
    readonly notices: Notices,
    readonly queues: Map<string, Promise<unknown>>,
    cores: NoticeEngine[],
  ) {
    for (const core of cores) {
      this.byYear.set(core.kb.notice.year, core);
      this.byId.set(noticeId(core.kb), core);
    }
    this.current = this.byYear.get(notices.current.notice.year)!;
  }

  route(text: string, session: Session): { core: NoticeEngine; parts: string[] } {
    const current = this.current;
    const r = current.kb.replies;
    // A dialog finishes under the notice it started with while that notice is held; if its folder was published
    // anew (or its year is gone), it goes on under the notice in use now and is told so.
    const dialog = session.dialog;
    if (dialog?.notice) {
      const same = this.byId.get(dialog.notice);
      if (same) return { core: same, parts: [] };
      const core = this.byYear.get(Number(dialog.notice.split(":")[0])) ?? current;
      reground(core.kb, dialog);
      dialog.notice = noticeId(core.kb);
      return { core, parts: [render(r.notice_changed, {}, core.composer.vars)] };
    }
    if (dialog) return { core: current, parts: [] };
    const norm = /\d|年|下|还|那|呢/.test(text) ? current.understander.normalised(text) : text;
    const named = namedYear(current.kb, norm, current.kb.notice.year);
    if (named) {
      delete session.year;
      if (named.year === current.kb.notice.year) return { core: current, parts: [] };
      const held = this.byYear.get(named.year);
      if (held) {
        session.year = named.year;
        return { core: held, parts: [] };
      }
      const years = [...this.byYear.keys()].sort((a, b) => a - b).map((y) => `${y}年`).join("、");
      return { core: current, parts: [render(r.year_not_held, { asked: named.year, years }, current.composer.vars)] };
    }
    // "那三级呢" after a question about 2023: still 2023; anything else, or "下次…", is about the newest notice.
    const stay = session.year !== undefined ? this.byYear.get(session.year) : undefined;
    if (stay && stay !== current && isFollowUp(current.kb, norm) && !asksNext(current.kb, norm)) return { core: stay, parts: [] };
    delete session.year;
    return { core: current, parts: [] };
  }

  after(core: NoticeEngine, ctx: TurnContext): void {
    const dialog = ctx.session.dialog;
    if (dialog && !dialog.notice) dialog.notice = noticeId(core.kb);
    if (core !== this.current && ctx.status !== "error") {
      // The year caveat of an older notice names the newest one held.
      ctx.future = false;
      const newest = this.current.kb.notice;
      ctx.parts.push(render(core.kb.replies.older_notice, { newest: newest.year, newestDocNumber: newest.docNumber }, core.composer.vars));
    }
  }
}

/**
 * Facts of a dialog that the notice now in use no longer has are dropped (an occupation, track or level it does not
 * offer); what the candidate told about themselves stays. The question being asked stays, so this message's answer
 * to it is read; `返回` starts from here.
 */
function reground(kb: Knowledge, d: DialogState): void {
  const f = d.facts;
  if (f.occupation && !kb.occupations.occupations.some((o) => o.name === f.occupation)) {
    delete f.occupation;
    delete f.track;
    delete f.level;
  }
  if (f.occupation && f.track && !tracksOf(kb, f.occupation).includes(f.track)) delete f.track;
  if (f.occupation && f.level !== undefined && !offeredLevels(kb, f.occupation, f.track).includes(f.level)) delete f.level;
  if (!f.occupation && d.asking !== "occupation") d.asking = "occupation";
  else if (f.level === undefined && f.occupation && d.asking !== "level" && d.asking !== "occupation") d.asking = "level";
  d.history = [];
  delete d.probe;
}

/**
 * The engine the service and every channel use: `turn()` answers from the notices in use (the newest by default, a
 * year named if held), and `publish()` switches to another set of notices atomically.
 */
export class Engine {
  readonly store: SessionStore;
  readonly unanswered: UnansweredLog;
  private generation: Generation;
  private readonly options: EngineOptions;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(knowledge: Knowledge | Notices, options: EngineOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.unanswered = options.unanswered ?? new MemoryUnansweredLog();
    this.options = { ...options, store: this.store, unanswered: this.unanswered };
    const notices = "all" in knowledge ? knowledge : single(knowledge);
    this.generation = this.build(notices);
  }

  /** The current notice (the newest held) and its understanding and composer: they change when knowledge is published. */
  get kb(): Knowledge {
    return this.generation.current.kb;
  }
  get understander(): Understander {
    return this.generation.current.understander;
  }
  get composer(): Composer {
    return this.generation.current.composer;
  }
  /** Every notice in use, newest first. */
  get notices(): Notices {
    return this.generation.notices;
  }

  turn(...args: Parameters<NoticeEngine["turn"]>): ReturnType<NoticeEngine["turn"]> {
    const turn = this.generation.current.turn(...args);
    const observe = this.options.observe;
    if (!observe) return turn;
    const [userId, text, channel = "cli"] = args;
    return turn.then((r) => {
      try {
        observe(r, userId, String(text ?? ""), channel);
      } catch {
        // the numbers are not worth a turn
      }
      return r;
    });
  }

  cannedText(id: string): string {
    return this.generation.current.cannedText(id);
  }

  /** 新对话: the conversation's context and open dialog are forgotten (after any turn of it still running). */
  reset(userId: string): Promise<void> {
    return this.generation.current.reset(userId);
  }

  /**
   * Switches to `notices`: the state of every notice is built off to the side (letting other turns run between two
   * notices), then one reference is swapped. Throws, changing nothing, when a notice cannot be built. Turns in flight
   * finish on the notices they started with.
   */
  async publish(notices: Notices): Promise<void> {
    let generation!: Generation;
    const links = this.links(() => generation);
    const cores: NoticeEngine[] = [];
    for (const kb of notices.all) {
      await new Promise<void>((r) => setImmediate(r));
      cores.push(new NoticeEngine(kb, this.options, links));
    }
    generation = new Generation(notices, this.queues, cores);
    this.generation = generation;
  }

  private build(notices: Notices): Generation {
    let generation!: Generation;
    const links = this.links(() => generation);
    const cores = notices.all.map((kb) => new NoticeEngine(kb, this.options, links));
    generation = new Generation(notices, this.queues, cores);
    return generation;
  }

  /** Links to a generation that is being built (its cores are made before it). */
  private links(generation: () => Generation): NoticeLinks {
    return {
      queues: this.queues,
      route: (text, session) => generation().route(text, session),
      after: (core, ctx) => generation().after(core, ctx),
    };
  }
}
