/** Runs the eligibility dialog inside the turn chain: its state lives in the session, one question per turn. */
import type { Knowledge } from "../knowledge/load.js";
import { levelLabel, render, tracksOf } from "../knowledge/facts.js";
import {
  clarifyPrompt, describeFacts, factsFromEntities, fillUnknown, jobClarify, jobNote, levelSlotClarify, levelToProbe, majorClarify, merge, nextField,
  parseAnswer, pickOption, prompt, readJob, DIALOG_VERSION, type AskField, type Clarify, type ClarifyOption, type DialogState,
} from "../eligibility/dialog.js";
import { checkLevel, isRelatedJob, type Facts } from "../eligibility/rules.js";
import type { Entities } from "../nlu/entities.js";
import type { Understander } from "../nlu/understand.js";
import type { Composer, Query } from "./answers.js";
import type { Handler } from "./chain.js";
import type { TurnContext } from "./context.js";
import { offerNumbered } from "./offer.js";

/** An interrupting question is answered (not read as an answer) when its intent is at least this sure. */
const INTERRUPT_CONFIDENCE = 0.5;
/** A message correcting an earlier answer ("说错了，是4年", "不对，我是大专"), and the words to drop before reading it. */
const CORRECTION = /说错|不对|错了|更正|纠正|应该是|其实是|改成|改一下|搞错|写错|打错/;
const CORRECTION_LEAD = /^.*?(?:说错了?|不对|错了|更正一下|更正|纠正一下|纠正|应该是|其实是|改成|改一下|搞错了?|写错了?|打错了?)[，,。：:！!\s]*(?:应该)?(?:是|为)?/u;
/** Saying the level wanted, not one held ("想报三级", "那五级呢"). */
const WANTING = /(报|考)(?!过|了|下|到|出|取)|呢$|想要|申请/;

export class DialogRunner {
  constructor(
    private readonly kb: Knowledge,
    private readonly understander: Understander,
    private readonly composer: Composer,
  ) {}

  private deps = () => ({ kb: this.kb, extract: (t: string) => this.understander.entities.extract(t) });

  private command(text: string): "back" | "restart" | "quit" | undefined {
    const c = this.kb.dialog.commands;
    const is = (words: string[]) => words.some((w) => text === w || (text.length <= w.length + 2 && text.startsWith(w)));
    if (is(c.quit)) return "quit";
    if (is(c.restart)) return "restart";
    if (is(c.back)) return "back";
    return undefined;
  }

  /** The chain handler: an active dialog takes the turn, unless the message is another question. */
  handler: Handler<TurnContext> = async (ctx, next) => {
    let state = ctx.session.dialog;
    const u = ctx.u!;
    const text = u.norm.text;
    // "说错了，是4年" right after a verdict: the check is taken up again with the corrected fact.
    if (!state && ctx.session.lastCheck && CORRECTION.test(text) && !this.command(text)) {
      const last = ctx.session.lastCheck;
      state = { v: DIALOG_VERSION, facts: last.facts, asking: (last.answered?.at(-1) as AskField) ?? "yearsInField", history: [], answered: last.answered as AskField[] };
      if (this.correct(ctx, state, text)) {
        ctx.intent = "eligibility_dialog";
        ctx.confidence = 1;
        return this.ask(ctx, state);
      }
      state = undefined;
    }
    // "打算以后做带货主播" right after a verdict that named each case (拟从事 or 从事): the case it answers.
    if (!state && ctx.session.lastCheck && !this.command(text)) {
      const taken = this.caseAnswered(ctx.session.lastCheck.facts, u.entities, ctx.session.lastCheck.answered as AskField[] | undefined);
      if (taken) {
        ctx.intent = "eligibility_dialog";
        ctx.confidence = 1;
        return this.ask(ctx, taken);
      }
    }
    if (!state) return next();
    ctx.intent = "eligibility_dialog";
    ctx.confidence = 1;
    const cmd = this.command(text);
    if (cmd === "quit") {
      delete ctx.session.dialog;
      ctx.parts.push(this.kb.dialog.quit);
      return;
    }
    if (cmd === "restart") {
      const fresh: DialogState = { v: DIALOG_VERSION, facts: {}, asking: "occupation", history: [] };
      ctx.session.dialog = fresh;
      ctx.parts.push(this.kb.dialog.restart, offerNumbered(ctx, "occupation", prompt(this.kb, "occupation", {})));
      ctx.status = "asked";
      return;
    }
    if (cmd === "back") {
      const previous = state.history.pop();
      state.answered?.pop();
      delete state.clarify;
      if (!previous) ctx.parts.push(this.kb.dialog.back_none);
      else state.facts = previous;
      return this.ask(ctx, state);
    }
    // The answer to a clarifying question: its number, its value (a tapped button) or its label.
    if (state.clarify) {
      const choice = pickOption(state.clarify, text);
      if (choice) return this.resolve(ctx, state, state.clarify, choice);
      if (u.byRule && u.intent !== "eligibility" && u.confidence >= INTERRUPT_CONFIDENCE && !CORRECTION.test(text)) {
        return this.interrupt(ctx, state, next);
      }
      // Not one of the options: read as an answer to the question the clarification came from.
      const c = state.clarify;
      delete state.clarify;
      if (c.field === "major") state.confirmed = [...(state.confirmed ?? []), c.said];
    }
    if (CORRECTION.test(text) && this.correct(ctx, state, text)) return this.ask(ctx, state);
    // "我没说要报一级，我想报三级": a level named to apply for changes the level, whatever was asked.
    const named = u.entities.level;
    const levelAsked = state.asking === "level" || state.asking.startsWith("certificate");
    if (named !== undefined && named !== state.facts.level && state.asking !== "level" && state.asking !== "certificate.level" && WANTING.test(text)) {
      this.record(state);
      state.facts = { ...state.facts, level: named };
      delete state.probe;
      return this.ask(ctx, state);
    }
    if (named !== undefined && named !== state.facts.level && !levelAsked) {
      // "6年，高级工": a level word that may be the certificate's or the level wanted is asked back.
      return this.askBack(ctx, state, levelSlotClarify(this.kb, named, text, state.asking));
    }
    if (u.entities.statusVague) state.studying = true;
    const parsed = parseAnswer(this.deps(), state.asking, text, state.facts);
    if (parsed.ok && parsed.clarify) {
      this.record(state);
      state.facts = merge(state.facts, parsed.value);
      return this.askBack(ctx, state, parsed.clarify);
    }
    if (parsed.ok) {
      this.record(state);
      if (parsed.note) {
        state.notes = [...(state.notes ?? []), parsed.note];
        ctx.parts.push(parsed.note);
      }
      // "没工作过，还在技师学院上学": the answer, and what else it says that is not known yet.
      const extra = factsFromEntities(this.kb, u.entities, state.facts.occupation);
      // Years given for the certificate ("4年") are not all the years of work.
      if (state.asking.startsWith("certificate.")) delete extra.yearsInField;
      state.facts = fillUnknown(merge(state.facts, parsed.value), extra);
      return this.ask(ctx, state);
    }
    // Not an answer to this question, but facts the dialog has not got yet ("大专毕业，学的市场营销" when asked the years):
    // they are taken, and the next open question asked.
    const volunteered = fillUnknown(state.facts, { ...factsFromEntities(this.kb, u.entities, state.facts.occupation), occupation: undefined, track: undefined, level: undefined });
    const choosing = state.asking === "occupation" || state.asking === "level";
    const restarting = u.intent === "eligibility" && u.entities.occupation;
    if (!choosing && !restarting && JSON.stringify(volunteered) !== JSON.stringify(state.facts)) {
      this.record(state);
      state.facts = volunteered;
      return this.ask(ctx, state);
    }
    // Not an answer: a question about something else is answered, and the dialog waits where it was.
    if (u.byRule && u.intent !== "eligibility" && u.confidence >= INTERRUPT_CONFIDENCE) return this.interrupt(ctx, state, next);
    if (u.intent === "eligibility" && u.entities.occupation) {
      delete ctx.session.dialog;
      ctx.intent = undefined;
      return next();
    }
    ctx.parts.push(render(this.kb.dialog.invalid, { hint: this.kb.dialog.fields[state.asking].hint }), offerNumbered(ctx, state.asking, prompt(this.kb, state.asking, state.facts)));
    ctx.status = "asked";
  };

  /**
   * After a verdict met whatever an open question's answer (the cases it named): a message that answers that question,
   * about the same occupation and level, takes the check up again with it, so the verdict names the one case.
   */
  private caseAnswered(facts: Facts, x: Entities, answered?: AskField[]): DialogState | undefined {
    if (!facts.occupation || facts.level === undefined) return undefined;
    // What the message tells of the person first (cheap): most messages after a verdict tell nothing, and the level
    // is not checked again for them.
    const said = factsFromEntities(this.kb, x, facts.occupation);
    if ((said.occupation && said.occupation !== facts.occupation) || (said.level !== undefined && said.level !== facts.level)) return undefined;
    const { occupation: _o, track: _t, level: _l, ...told } = said;
    if (!Object.keys(told).length) return undefined;
    const tracks = tracksOf(this.kb, facts.occupation);
    const track = facts.track ?? (tracks.length === 1 ? tracks[0] : undefined);
    const cases = checkLevel(this.kb, { ...facts, occupation: facts.occupation, level: facts.level, track }, false).cases;
    if (!cases) return undefined;
    const next = fillUnknown(facts, told);
    const [top, key] = cases.field.split(".") as [keyof Facts, string | undefined];
    const value = key ? (next[top] as Record<string, unknown> | null | undefined)?.[key] : next[top];
    if (value === undefined) return undefined;
    return { v: DIALOG_VERSION, facts: next, asking: cases.field, history: [facts], answered: [...(answered ?? []), cases.field] };
  }

  /** Keeps the facts before an answer (for 返回) and which field it answered (for a correction). */
  private record(state: DialogState): void {
    state.history.push(state.facts);
    state.answered = [...(state.answered ?? []), state.asking];
  }

  /** A question about something else inside the dialog is answered, and the dialog waits where it was. */
  private async interrupt(ctx: TurnContext, state: DialogState, next: () => Promise<void> | void): Promise<void> {
    ctx.intent = undefined;
    ctx.confidence = undefined;
    // "今年什么时候考试": about the occupation and level being checked.
    const f = state.facts;
    if (f.occupation) {
      ctx.session.occupation = f.occupation;
      if (f.track) ctx.session.track = f.track;
      else delete ctx.session.track;
      if (f.level !== undefined) ctx.session.level = f.level;
    }
    await next();
    if (state.clarify) {
      ctx.parts.push(`${this.kb.dialog.resume}${clarifyPrompt(this.kb, state.clarify)}`);
      ctx.options = state.clarify.options.map((o) => ({ ...o }));
    } else {
      ctx.parts.push(offerNumbered(ctx, state.asking, `${this.kb.dialog.resume}${prompt(this.kb, state.asking, state.facts)}`));
    }
    // The interruption must not end or replace the dialog.
    ctx.session.dialog = state;
  }

  /** One short question back with numbered options, instead of a verdict on a reading that is not sure. */
  private askBack(ctx: TurnContext, state: DialogState, c: Clarify): void {
    state.clarify = c;
    ctx.session.dialog = state;
    ctx.parts.push(clarifyPrompt(this.kb, c));
    ctx.options = c.options.map((o) => ({ ...o }));
    ctx.status = "asked";
  }

  /** Applies the option chosen for a clarifying question, then goes on. */
  private resolve(ctx: TurnContext, state: DialogState, c: Clarify, choice: ClarifyOption): void {
    delete state.clarify;
    const key = choice.value.split(":").slice(2).join(":");
    const f = state.facts;
    switch (c.field) {
      case "job": {
        const years = c.years ?? 0;
        const inField = key !== "none" && f.occupation !== undefined && isRelatedJob(this.kb, key, f.occupation);
        state.facts = { ...f, yearsInField: inField ? years : 0 };
        if (!inField && years > 0) state.notes = [...(state.notes ?? []), jobNote(this.kb, key === "none" ? c.said : key, f.occupation!, years)];
        break;
      }
      case "major":
        if (key === "none") {
          // Another major: its full name is asked (and taken as written).
          state.confirmed = [...(state.confirmed ?? []), c.said];
          state.facts = { ...f, education: { ...f.education, major: undefined } };
          state.asking = "education.major";
          ctx.session.dialog = state;
          ctx.parts.push(this.kb.dialog.clarify.major_ask);
          ctx.status = "asked";
          return;
        }
        state.confirmed = [...(state.confirmed ?? []), key];
        state.facts = { ...f, education: { ...f.education, major: key } };
        break;
      case "status":
        state.facts = { ...f, education: { ...f.education, status: key as "毕业" | "应届" | "在读" } };
        break;
      case "years": {
        // The years as chosen, with the job said beside them read as ever ("差不多十年，做保洁").
        const parsed = parseAnswer(this.deps(), "yearsInField", `${Number(key)}年${(c.text ?? "").replace(/差不多\s*[\d一二两三四五六七八九十]+\s*年/u, "")}`, f);
        if (parsed.ok && parsed.clarify) return this.askBack(ctx, state, parsed.clarify);
        state.facts = parsed.ok ? merge(f, parsed.value) : { ...f, yearsInField: Number(key) };
        if (parsed.ok && parsed.note) {
          state.notes = [...(state.notes ?? []), parsed.note];
          ctx.parts.push(parsed.note);
        }
        break;
      }
      case "levelslot": {
        const level = this.kb.lexicon.levels.find((l) => levelLabel(this.kb, l.level) === c.said)?.level;
        if (level === undefined) break;
        const rest = this.withoutLevel(c.text ?? "");
        if (key === "certificate") state.facts = { ...f, certificate: { ...(f.certificate ?? {}), level } };
        else state.facts = { ...f, level };
        // What else the answer said ("6年，高级工" → 6 years) is read as the answer it was.
        const parsed = c.to && rest ? parseAnswer(this.deps(), c.to, rest, state.facts) : { ok: false as const };
        if (parsed.ok) state.facts = merge(state.facts, parsed.value);
        break;
      }
    }
    return this.ask(ctx, state);
  }

  /** The text without its level words (after a level word was placed as the certificate's or the level wanted). */
  private withoutLevel(text: string): string {
    const aliases = this.kb.lexicon.levels.flatMap((l) => l.aliases).sort((a, b) => b.length - a.length);
    let out = text;
    for (const a of aliases) out = out.split(a.toLowerCase()).join("");
    return out.replace(/^[，,。\s]+|[，,。\s]+$/gu, "").replace(/的证书?$|证书?$/u, "");
  }

  /** "说错了，是4年", "不对，我是大专": the corrected fact replaces the earlier one. False when nothing was read. */
  private correct(ctx: TurnContext, state: DialogState, text: string): boolean {
    const rest = text.replace(CORRECTION_LEAD, "").replace(/^[，,。\s]+/u, "");
    if (!rest) return false;
    const before = state.facts;
    const x = this.understander.entities.extract(rest);
    const last = state.answered?.at(-1);
    let facts: Facts | undefined;
    const parsed = last ? parseAnswer(this.deps(), last, rest, state.facts) : { ok: false as const };
    if (parsed.ok && !parsed.clarify && Object.keys(parsed.value).length) {
      facts = merge(state.facts, parsed.value);
      if (parsed.note) state.notes = [...(state.notes ?? []), parsed.note];
    } else {
      const said = factsFromEntities(this.kb, x, state.facts.occupation);
      if (said.occupation === state.facts.occupation) {
        delete said.occupation;
        delete said.track;
      }
      const bare = /^\d+(\.\d+)?$|^[一二两三四五六七八九十]+$/u.test(rest);
      if (!Object.keys(said).length && !bare) return false;
      facts = merge(state.facts, said);
      for (const key of ["certificate", "education"] as const) {
        if (said[key] && before[key]) facts[key] = { ...before[key], ...said[key] } as never;
      }
    }
    if (JSON.stringify(facts) === JSON.stringify(before)) return false;
    state.history.push(before);
    state.facts = facts;
    delete state.probe;
    delete state.clarify;
    ctx.parts.push(this.kb.dialog.clarify.corrected, render(this.kb.dialog.known, { facts: describeFacts(this.kb, facts) }));
    // What the corrected fact settles, said before the next question ("还需…满5年（目前4年）").
    if (facts.occupation && facts.level !== undefined && nextField(this.kb, facts) !== undefined) {
      ctx.parts.push(...this.composer.openingStatus(facts as Facts & { occupation: string; level: number }));
    }
    return true;
  }

  /**
   * "在技师学院技师班读书": at school, 应届 or 在读 not said. When the answer is the same either way, it is not asked
   * (the status is read as 在读, which the notice's conditions never favour over 应届).
   */
  private settleStudying(state: DialogState): void {
    const e = state.facts.education;
    if (!state.studying || !e || e.status !== undefined || !state.facts.occupation || state.facts.level === undefined) return;
    const level = state.probe ?? state.facts.level;
    const outcome = (status: "应届" | "在读") => {
      const f = { ...state.facts, level, education: { ...e, status } } as Facts & { occupation: string; level: number };
      return nextField(this.kb, f) === undefined ? checkLevel(this.kb, f, false).status : "open";
    };
    const final = outcome("应届");
    if (final !== "open" && final === outcome("在读")) state.facts = { ...state.facts, education: { ...e, status: "在读" } };
  }

  /** Asks the next question, or ends the dialog with the verdict. */
  private ask(ctx: TurnContext, state: DialogState): void {
    // A major said that is close to listed ones but not one of them is asked back first.
    const major = state.facts.education?.major;
    const unsure = major && !(state.confirmed ?? []).includes(major) ? majorClarify(this.kb, state.facts) : undefined;
    if (unsure) return this.askBack(ctx, state, unsure);
    this.settleStudying(state);
    let field = state.probe === undefined ? nextField(this.kb, state.facts) : nextField(this.kb, { ...state.facts, level: state.probe });
    if (!field) {
      // Not open at the level asked about: a few more questions can tell which lower level is.
      const probe = levelToProbe(this.kb, state.facts);
      if (probe !== undefined && probe !== state.probe) {
        state.probe = probe;
        field = nextField(this.kb, { ...state.facts, level: probe });
        if (field) ctx.parts.push(this.notOpen(state.facts, probe));
      }
    }
    if (field) {
      state.asking = field;
      ctx.session.dialog = state;
      ctx.parts.push(offerNumbered(ctx, field, prompt(this.kb, field, state.facts)));
      ctx.status = "asked";
      return;
    }
    delete ctx.session.dialog;
    ctx.parts.push(...(state.notes ?? []));
    this.verdict(ctx, state.facts);
    ctx.session.lastCheck = { facts: state.facts, answered: state.answered };
  }

  /** "四级暂不符合（还需…）；再问几个问题，看看能否报五级": why, at the moment it moves on. */
  private notOpen(f: Facts, lower: number): string {
    const full = f as Facts & { occupation: string; level: number };
    const gaps = [...new Set(checkLevel(this.kb, full, false).checks.flatMap((c) => c.gaps))];
    const level = levelLabel(this.kb, full.level);
    if (!gaps.length) return render(this.kb.dialog.probe, { level, lower: levelLabel(this.kb, lower) });
    return render(this.kb.dialog.clarify.not_open_because, { level, gaps: gaps.join("；"), lower: levelLabel(this.kb, lower) });
  }

  private verdict(ctx: TurnContext, f: Facts): void {
    const facts = f as Facts & { occupation: string; level: number };
    const answer = this.composer.eligibilityVerdict(facts);
    if (!answer) throw new Error("dialog ended with an open condition");
    ctx.parts.push(render(this.kb.dialog.known, { facts: describeFacts(this.kb, f) }), answer.text);
    ctx.clause = answer.clause;
    ctx.status = "answered";
    ctx.session.occupation = facts.occupation;
    if (facts.track) ctx.session.track = facts.track;
    ctx.session.level = facts.level;
    // What the candidate told, for "那四级呢" after the verdict.
    const { occupation: _o, track: _t, level: _l, ...told } = facts;
    ctx.session.facts = told;
  }

  /** An eligibility question: a verdict at once when the message says enough, else the dialog, prefilled. */
  startOrVerdict(ctx: TurnContext, q: Query): void {
    const x = ctx.u!.entities;
    // A question after a verdict ("那四级呢") starts from what the candidate told before; this message adds to it.
    const facts = fillUnknown(factsFromEntities(this.kb, x), ctx.session.facts ?? {});
    // The occupation and level under discussion carry over ("直播销售员四级几月考" → "我能报吗").
    if (!facts.occupation && q.occupation) {
      facts.occupation = q.occupation;
      if (q.track) facts.track = q.track;
      if (facts.level === undefined && q.level !== undefined) facts.level = q.level;
    }
    // "互联网营销师五级报考条件是什么" → "我今年17岁，在做带货主播，可以报吗": the occupation named again (or one of its
    // tracks, when the conversation named none) keeps the level under discussion.
    const s = ctx.session;
    if (facts.level === undefined && s.level !== undefined && facts.occupation && facts.occupation === s.occupation && (!s.track || s.track === facts.track)) {
      facts.level = s.level;
    }
    if (facts.occupation && !facts.track) {
      const tracks = tracksOf(this.kb, facts.occupation);
      if (tracks.length === 1) facts.track = tracks[0];
    }
    const preface: string[] = [];
    // The job the candidate works in, if they named one: a listed one, another occupation of the plan, or another job.
    const other = q.otherOccupation && q.otherOccupation !== x.certificate?.occupation ? q.otherOccupation : undefined;
    const job = x.relatedOccupation ?? other ?? x.unlistedJob;
    const reading = facts.occupation ? readJob(this.kb, x, facts.occupation) : undefined;
    if (facts.occupation && job && reading?.kind !== "ask") {
      preface.push(this.composer.relatedOccupation({ ...q, occupation: facts.occupation, relatedOccupation: job, relatedOccupations: undefined }).text);
    }
    // "做了8年电商客服，能报信息安全测试员四级吗": years in a job that is neither this occupation nor a related one
    // are not years in the field; read as an answer in the dialog would be (the same function).
    let clarify: Clarify | undefined;
    const notes: string[] = [];
    if (facts.occupation && x.years !== undefined && x.years > 0 && reading && reading.kind !== "field") {
      if (reading.kind === "other") {
        facts.yearsInField = 0;
        if (!job) notes.push(jobNote(this.kb, reading.said, facts.occupation, x.years));
      } else {
        delete facts.yearsInField;
        clarify = jobClarify(this.kb, reading, x.years);
      }
    } else if (facts.occupation && job && !isRelatedJob(this.kb, job, facts.occupation) && facts.yearsInField !== undefined && reading?.kind !== "field") facts.yearsInField = 0;
    // "网络工程专业可以报信息安全测试员吗": whether the major is listed, before asking the rest.
    if (facts.occupation && x.major && nextField(this.kb, facts) !== undefined) {
      preface.push(this.composer.relatedMajor({ ...q, occupation: facts.occupation }).text);
    }
    const known = Object.keys(facts).length > 0;
    // Settled by what the message says: the verdict at once, and nothing asked.
    const settled = (f: Facts) => nextField(this.kb, f) === undefined && !clarify && !majorClarify(this.kb, f);
    const finish = (f: Facts) => {
      ctx.parts.push(...preface, ...notes);
      this.verdict(ctx, f);
      ctx.session.lastCheck = { facts: f };
    };
    if (settled(facts)) return finish(facts);
    if (facts.occupation && facts.level === undefined && (facts.yearsInField !== undefined || facts.certificate)) {
      preface.push(this.composer.assess(facts as Facts & { occupation: string }));
    }
    const state: DialogState = { v: DIALOG_VERSION, facts, asking: "yearsInField", history: [], ...(notes.length ? { notes } : {}), ...(x.statusVague ? { studying: true } : {}) };
    // A status that does not matter for the answer is not asked ("技师班读书" for 二级: 在读 and 应届 alike).
    this.settleStudying(state);
    if (settled(state.facts)) return finish(state.facts);
    ctx.parts.push(...preface, render(this.kb.dialog.start, { year: this.kb.notice.year }));
    const described = known ? describeFacts(this.kb, facts) : "";
    if (described) ctx.parts.push(render(this.kb.dialog.known, { facts: described }));
    if (facts.occupation && facts.level !== undefined && !clarify) ctx.parts.push(...this.composer.openingStatus(facts as Facts & { occupation: string; level: number }));
    ctx.clause = this.kb.conditionsClause;
    if (clarify) return this.askBack(ctx, state, clarify);
    state.asking = "occupation";
    this.ask(ctx, state);
  }
}
