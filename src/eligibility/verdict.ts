/**
 * The eligibility verdict's wording, beside the dialog that reaches it: yes with the condition met, the materials,
 * fee and months; no with what is missing and the highest level open; and what an opening message already settles.
 * Every phrase is a template of knowledge/common/replies.yaml; every fact comes from the rules over the notice's data.
 */
import type { Knowledge } from "../knowledge/load.js";
import { levelLabel, offeredLevels, tracksOf } from "../knowledge/facts.js";
import { checkLevel, majorListed, result, suggest, type EligibilityResult, type Facts } from "./rules.js";

/** Routes (alternative conditions) a negative verdict lists at most, the nearest first. */
const MAX_ROUTES = 3;
/** A negative verdict's length it keeps under by listing fewer routes (with the facts line before it, under 300). */
const VERDICT_CHARS = 215;

/** A verdict as the answer composer returns it. */
export interface VerdictAnswer {
  text: string;
  clause: string;
  status: "answered" | "asked";
}

/** What the wording needs from the answer composer: the templates and the plan's names and months. */
export interface VerdictWords {
  kb: Knowledge;
  t(key: string, vars?: Record<string, string | number>): string;
  what(q: { occupation?: string; track?: string }): string;
  monthsOf(occupation: string, track: string | undefined, level: number): string;
  offeredText(occupation: string, track?: string): string;
}

export class Verdicts {
  constructor(private readonly w: VerdictWords) {}

  /** One-shot eligibility verdict from what the question says; undefined when a dialog must ask more. */
  eligibilityVerdict(f: Facts & { occupation: string; level: number }): VerdictAnswer | undefined {
    const tracks = tracksOf(this.w.kb, f.occupation);
    const track = f.track ?? (tracks.length === 1 ? tracks[0] : undefined);
    const lc = checkLevel(this.w.kb, { ...f, track }, false);
    if (lc.status === "unknown") return undefined;
    const r = result(this.w.kb, { ...f, track }, false, lc);
    const clause = r.clause;
    const what = this.w.what({ occupation: f.occupation, track });
    const level = levelLabel(this.w.kb, f.level);
    if (r.undetermined) {
      // Only a condition the importer could not read is left: neither yes nor no, the condition as the notice words
      // it and the hotline; what the readable conditions lack, and a lower level open, beside it.
      const gaps = [...new Set(lc.checks.filter((c) => c.status === "unmet").map((c) => c.gaps.join("，")))].slice(0, MAX_ROUTES);
      const conditions = r.undetermined.map((c) => `“${c.replace(/。$/, "")}”`).join("、");
      const s = r.suggestion;
      return {
        text: [
          this.w.t("elig_undetermined", { what, level, conditions }),
          ...(gaps.length ? [this.w.t("elig_undetermined_gaps", { list: gaps.join("；或") })] : []),
          ...(s ? [this.suggestion("elig_suggest", what, f.occupation, track, s)] : []),
        ].join("\n"),
        clause,
        status: "answered",
      };
    }
    if (r.reason) {
      return { text: this.w.t("elig_not_offered", { reason: r.reason, offered: this.w.offeredText(f.occupation, track) }), clause, status: "answered" };
    }
    if (r.eligible && r.conditions.length > 1) {
      // Met whatever the open question's answer ("16岁能报直播销售员五级吗": 拟从事 or 从事): not asked, each case
      // with its own materials, then what every case brings.
      const months = this.w.monthsOf(f.occupation, track, f.level);
      const cases = r.conditions.map((c, i) =>
        this.w.t(c.materials.length ? "elig_case" : "elig_case_bare", { n: i + 1, condition: c.text.replace(/。$/, ""), materials: c.materials.join("、") }),
      );
      return {
        text: [
          this.w.t("elig_yes_cases", { what, level, list: `\n${cases.join("\n")}` }),
          this.w.t("elig_materials_common", { list: r.materials.join("；") }),
          this.w.t("elig_fee", { total: r.fee?.total ?? "—", months }),
        ].join("\n"),
        clause,
        status: "answered",
      };
    }
    if (r.eligible) {
      const c = r.conditions[0];
      const months = this.w.monthsOf(f.occupation, track, f.level);
      return {
        text: [
          this.w.t("elig_yes", { what, level, condition: c.text }),
          this.w.t("elig_materials", { list: r.materials.join("；") }),
          this.w.t("elig_fee", { total: r.fee?.total ?? "—", months }),
        ].join("\n"),
        clause,
        status: "answered",
      };
    }
    // The conditions are alternatives: each route's shortfall, the one nearest to the person first (fewest things
    // missing; one that builds on a certificate or schooling they have before one that does not), one line per
    // distinct shortfall. A route that needs a school type or program the person cannot have (another school than
    // the one they said, schooling they said they have none of) is left out while another route remains.
    const checks = lc.checks.filter((c) => c.status === "unmet");
    const e = f.education;
    const outOfReach = (c: (typeof checks)[number]) => {
      const need = c.condition.rule.education;
      if (!need) return false;
      if (e === null) return true;
      return Boolean((e?.school && !need.schools.includes(e.school)) || (need.programs && e?.program !== undefined && (e.program === null || !need.programs.includes(e.program))));
    };
    const builds = (c: (typeof checks)[number]) => (c.condition.rule.certificate && f.certificate) || (c.condition.rule.education && e) ? 0 : 1;
    // A major the notice does not list for the school: not ruled out (the lists end in 等), but no nearer.
    const unlisted = (c: (typeof checks)[number]) =>
      c.condition.rule.education?.relatedMajor && e?.school && e.major && !majorListed(this.w.kb, f.occupation, e.school, e.major) ? 1 : 0;
    // How far a route is: the years still to wait, and a year for each other thing missing.
    const distance = (c: (typeof checks)[number]) => {
      const rule = c.condition.rule;
      const shorts = [
        rule.years !== undefined ? rule.years - (f.yearsInField ?? 0) : 0,
        rule.certificate?.yearsSince !== undefined && f.certificate ? rule.certificate.yearsSince - (f.certificate.yearsInFieldSince ?? 0) : 0,
        rule.certificate?.yearsHeld !== undefined && f.certificate ? rule.certificate.yearsHeld - (f.certificate.yearsHeld ?? 0) : 0,
      ].filter((y) => y > 0);
      return shorts.reduce((sum, y) => sum + y, 0) + Math.max(0, c.gaps.length - shorts.length);
    };
    const ranked = checks
      .map((c, i) => ({ c, i, far: outOfReach(c) ? 1 : 0 }))
      .sort((a, b) => a.far - b.far || unlisted(a.c) - unlisted(b.c) || a.c.gaps.length - b.c.gaps.length || distance(a.c) - distance(b.c) || builds(a.c) - builds(b.c) || a.i - b.i);
    const reachable = ranked.filter((x) => !x.far);
    const shown = reachable.length ? reachable : ranked;
    // "取得四级证书后，您的大专学历即可用于三级": a route whose schooling part the person already meets says so.
    const line = (c: (typeof checks)[number]) => {
      const has = c.condition.rule.education && e?.school && !outOfReach(c) && !c.gaps.some((g) => g.includes(e.school!) || /学历|毕业|专业|学校|班|在读/.test(g));
      return `${c.gaps.join("，")}${has ? this.w.t("elig_route_has_education", { school: e!.school! }) : ""}`;
    };
    // Routes lacking the same thing are one line (the nearest one's).
    // A route lacking all that a nearer one lacks, and more, is no nearer in any way: not listed.
    const kept: (typeof shown)[number][] = [];
    for (const x of shown) if (!kept.some((k) => k.c.gaps.every((g) => x.c.gaps.includes(g)) && x.c.gaps.length > k.c.gaps.length)) kept.push(x);
    const firsts = new Map<string, string>();
    for (const x of kept) if (!firsts.has(x.c.gaps.join("，"))) firsts.set(x.c.gaps.join("，"), line(x.c));
    const all = [...firsts.values()];
    const suggestion = r.suggestion
      ? this.suggestion("elig_suggest", what, f.occupation, track, r.suggestion)
      : `${this.w.t("elig_no_suggest", { what })}${this.w.t("elig_other_levels")}`;
    const compose = (n: number) => {
      const lines = all.slice(0, n);
      const hidden = new Set(ranked.map((x) => x.c.gaps.join("，"))).size - lines.length;
      const gaps = lines.map((g, i) => (lines.length > 1 ? `${i + 1}. ${g}` : g)).join("\n");
      return [
        this.w.t("elig_no", { what, level }),
        this.w.t(lines.length > 1 ? "elig_gaps" : "elig_gap", { list: lines.length > 1 ? `\n${gaps}` : gaps }),
        ...(hidden > 0 ? [this.w.t("elig_routes_hidden", { count: hidden })] : []),
        suggestion,
      ].join("\n");
    };
    // As many routes as fit a phone screen (VERDICT_CHARS), the nearest at least.
    let n = Math.min(all.length, MAX_ROUTES);
    while (n > 1 && compose(n).length > VERDICT_CHARS) n--;
    return { text: compose(n), clause, status: "answered" };
  }

  /** Without a level: the highest level the facts given so far reach, or what the lowest offered level still needs. */
  assess(f: Facts & { occupation: string }): string {
    const what = this.w.what(f);
    const s = suggest(this.w.kb, f, true);
    if (s) return this.suggestion("elig_suggest", what, f.occupation, f.track, s);
    const lowest = offeredLevels(this.w.kb, f.occupation, f.track)[0];
    const r = result(this.w.kb, { ...f, level: lowest }, true);
    const list = r.gaps.map((g) => g.missing.join("，")).join("；或");
    return this.w.t("elig_lowest", { what, level: levelLabel(this.w.kb, lowest), list });
  }

  /**
   * What an opening message already settles before the dialog asks the rest: the conditions it rules out, and a
   * lower level it already qualifies for ("高职电子商务专业应届生能报三级吗" → 四级 already).
   */
  openingStatus(f: Facts & { occupation: string; level: number }): string[] {
    const lc = checkLevel(this.w.kb, f, false);
    const lines: string[] = [];
    const gaps = [...new Set(lc.checks.filter((c) => c.status === "unmet").flatMap((c) => c.gaps))];
    if (gaps.length) {
      lines.push(this.w.t("dialog_unmet", { list: gaps.join("；") }));
      // "不是相关专业毕业的能考四级吗": the conditions still open, so the candidate sees the other ways in.
      const open = lc.checks.filter((c) => c.status === "unknown").map((c, i) => `${i + 1}. ${c.condition.text.replace(/。$/, "")}`);
      if (open.length) lines.push(this.w.t("dialog_open", { list: `\n${open.join("\n")}` }));
    }
    const s = suggest(this.w.kb, f, false);
    if (s && s.level !== f.level) {
      lines.push(this.suggestion("dialog_already", this.w.what(f), f.occupation, f.track, s));
    }
    return lines;
  }

  /** A level open to the candidate, with its months and fee, in the template `key` (elig_suggest, dialog_already). */
  private suggestion(key: string, what: string, occupation: string, track: string | undefined, s: NonNullable<EligibilityResult["suggestion"]>): string {
    return this.w.t(key, { what, level: s.levelName, months: this.w.monthsOf(occupation, track, s.level), fee: s.fee ?? "—" });
  }
}
