/** Runs the eligibility dialog inside the turn chain: its state lives in the session, one question per turn. */
import type { Knowledge } from "../knowledge/load.js";
import { levelLabel, render, tracksOf } from "../knowledge/facts.js";
import { describeFacts, factsFromEntities, fillUnknown, levelToProbe, merge, nextField, parseAnswer, prompt, DIALOG_VERSION, type DialogState } from "../eligibility/dialog.js";
import { isRelatedJob, type Facts } from "../eligibility/rules.js";
import type { Understander } from "../nlu/understand.js";
import type { Composer, Query } from "./answers.js";
import type { Handler } from "./chain.js";
import type { TurnContext } from "./context.js";
import { offerNumbered } from "./offer.js";

/** An interrupting question is answered (not read as an answer) when its intent is at least this sure. */
const INTERRUPT_CONFIDENCE = 0.5;

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
    const state = ctx.session.dialog;
    if (!state) return next();
    const u = ctx.u!;
    const text = u.norm.text;
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
      if (!previous) ctx.parts.push(this.kb.dialog.back_none);
      else state.facts = previous;
      return this.ask(ctx, state);
    }
    // "我没说要报一级，我想报三级": a level named to apply for changes the level, whatever was asked.
    const named = u.entities.level;
    const aboutLevel = /呢$|报|考/.test(text) || u.intent === "eligibility";
    if (named !== undefined && named !== state.facts.level && state.asking !== "level" && state.asking !== "certificate.level" && aboutLevel) {
      state.history.push(state.facts);
      state.facts = { ...state.facts, level: named };
      delete state.probe;
      return this.ask(ctx, state);
    }
    const parsed = parseAnswer(this.deps(), state.asking, text, state.facts);
    if (parsed.ok) {
      state.history.push(state.facts);
      // "没工作过，还在技师学院上学": the answer, and what else it says that is not known yet.
      const extra = factsFromEntities(this.kb, u.entities);
      // Years given for the certificate ("4年") are not all the years of work.
      if (state.asking.startsWith("certificate.")) delete extra.yearsInField;
      state.facts = fillUnknown(merge(state.facts, parsed.value), extra);
      return this.ask(ctx, state);
    }
    // Not an answer to this question, but facts the dialog has not got yet ("大专毕业，学的市场营销" when asked the years):
    // they are taken, and the next open question asked.
    const volunteered = fillUnknown(state.facts, { ...factsFromEntities(this.kb, u.entities), occupation: undefined, track: undefined, level: undefined });
    const choosing = state.asking === "occupation" || state.asking === "level";
    const restarting = u.intent === "eligibility" && u.entities.occupation;
    if (!choosing && !restarting && JSON.stringify(volunteered) !== JSON.stringify(state.facts)) {
      state.history.push(state.facts);
      state.facts = volunteered;
      return this.ask(ctx, state);
    }
    // Not an answer: a question about something else is answered, and the dialog waits where it was.
    if (u.byRule && u.intent !== "eligibility" && u.confidence >= INTERRUPT_CONFIDENCE) {
      ctx.intent = undefined;
      ctx.confidence = undefined;
      await next();
      ctx.parts.push(offerNumbered(ctx, state.asking, `${this.kb.dialog.resume}${prompt(this.kb, state.asking, state.facts)}`));
      // The interruption must not end or replace the dialog.
      ctx.session.dialog = state;
      return;
    }
    if (u.intent === "eligibility" && u.entities.occupation) {
      delete ctx.session.dialog;
      ctx.intent = undefined;
      return next();
    }
    ctx.parts.push(render(this.kb.dialog.invalid, { hint: this.kb.dialog.fields[state.asking].hint }), offerNumbered(ctx, state.asking, prompt(this.kb, state.asking, state.facts)));
    ctx.status = "asked";
  };

  /** Asks the next question, or ends the dialog with the verdict. */
  private ask(ctx: TurnContext, state: DialogState): void {
    let field = state.probe === undefined ? nextField(this.kb, state.facts) : nextField(this.kb, { ...state.facts, level: state.probe });
    if (!field) {
      // Not open at the level asked about: a few more questions can tell which lower level is.
      const probe = levelToProbe(this.kb, state.facts);
      if (probe !== undefined && probe !== state.probe) {
        state.probe = probe;
        field = nextField(this.kb, { ...state.facts, level: probe });
        if (field) ctx.parts.push(render(this.kb.dialog.probe, { level: levelLabel(this.kb, state.facts.level!), lower: levelLabel(this.kb, probe) }));
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
    this.verdict(ctx, state.facts);
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
    if (facts.occupation && !facts.track) {
      const tracks = tracksOf(this.kb, facts.occupation);
      if (tracks.length === 1) facts.track = tracks[0];
    }
    const preface: string[] = [];
    // The job the candidate works in, if they named one: a listed one, another occupation of the plan, or another job.
    const other = q.otherOccupation && q.otherOccupation !== x.certificate?.occupation ? q.otherOccupation : undefined;
    const job = x.relatedOccupation ?? other ?? x.unlistedJob;
    if (facts.occupation && job) {
      preface.push(this.composer.relatedOccupation({ ...q, occupation: facts.occupation, relatedOccupation: job, relatedOccupations: undefined }).text);
      // "做了8年电商客服，能报信息安全测试员四级吗": years in a job that is neither this occupation nor a related one
      // are not years in the field.
      if (!isRelatedJob(this.kb, job, facts.occupation) && facts.yearsInField !== undefined) facts.yearsInField = 0;
    }
    // "网络工程专业可以报信息安全测试员吗": whether the major is listed, before asking the rest.
    if (facts.occupation && x.major && nextField(this.kb, facts) !== undefined) {
      preface.push(this.composer.relatedMajor({ ...q, occupation: facts.occupation }).text);
    }
    const known = Object.keys(facts).length > 0;
    if (nextField(this.kb, facts) === undefined) {
      ctx.parts.push(...preface);
      this.verdict(ctx, facts);
      return;
    }
    if (facts.occupation && facts.level === undefined && (facts.yearsInField !== undefined || facts.certificate)) {
      preface.push(this.composer.assess(facts as Facts & { occupation: string }));
    }
    const state: DialogState = { v: DIALOG_VERSION, facts, asking: "occupation", history: [] };
    ctx.parts.push(...preface, render(this.kb.dialog.start, { year: this.kb.notice.year }));
    if (known) ctx.parts.push(render(this.kb.dialog.known, { facts: describeFacts(this.kb, facts) }));
    if (facts.occupation && facts.level !== undefined) ctx.parts.push(...this.composer.openingStatus(facts as Facts & { occupation: string; level: number }));
    ctx.clause = this.kb.conditionsClause;
    this.ask(ctx, state);
  }
}
