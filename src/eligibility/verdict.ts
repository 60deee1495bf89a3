/**
 * The eligibility verdict's wording, beside the dialog that reaches it: yes with the condition met, the materials,
 * fee and months; no with what is missing and the highest level open; and what an opening message already settles.
 * Every phrase is a template of knowledge/common/replies.yaml; every fact comes from the rules over the notice's data.
 */
import type { Knowledge } from "../knowledge/load.js";
import { levelLabel, offeredLevels, tracksOf } from "../knowledge/facts.js";
import { checkLevel, result, suggest, type Facts } from "./rules.js";

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
    if (checkLevel(this.w.kb, { ...f, track }, false).status === "unknown") return undefined;
    const r = result(this.w.kb, { ...f, track }, false);
    const clause = r.clause;
    const what = this.w.what({ occupation: f.occupation, track });
    const level = levelLabel(this.w.kb, f.level);
    if (r.reason) {
      return { text: this.w.t("elig_not_offered", { reason: r.reason, offered: this.w.offeredText(f.occupation, track) }), clause, status: "answered" };
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
    // One line per distinct shortfall: conditions that lack the same thing are not repeated.
    const lines = [...new Set(r.gaps.map((g) => g.missing.join("，")))];
    const gaps = lines.map((g, i) => (lines.length > 1 ? `${i + 1}. ${g}` : g)).join("\n");
    const suggestion = r.suggestion
      ? this.w.t("elig_suggest", { what, level: r.suggestion.levelName, months: this.w.monthsOf(f.occupation, track, r.suggestion.level), fee: r.suggestion.fee ?? "—" })
      : `${this.w.t("elig_no_suggest", { what })}${this.w.t("elig_other_levels")}`;
    return { text: [this.w.t("elig_no", { what, level }), this.w.t("elig_gaps", { list: `\n${gaps}` }), suggestion].join("\n"), clause, status: "answered" };
  }

  /** Without a level: the highest level the facts given so far reach, or what the lowest offered level still needs. */
  assess(f: Facts & { occupation: string }): string {
    const what = this.w.what(f);
    const s = suggest(this.w.kb, f, true);
    if (s) return this.w.t("elig_suggest", { what, level: s.levelName, months: this.w.monthsOf(f.occupation, f.track, s.level), fee: s.fee ?? "—" });
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
      lines.push(this.w.t("dialog_already", { what: this.w.what(f), level: s.levelName, months: this.w.monthsOf(f.occupation, f.track, s.level), fee: s.fee ?? "—" }));
    }
    return lines;
  }

}
