/** Parametric answers: replies composed from the plan, fees, lists and conditions for the entities asked about. */
import type { Condition, Knowledge } from "../knowledge/load.js";
import type { Program, School, Status } from "../knowledge/schema.js";
import { SCHOOLS } from "../knowledge/schema.js";
import {
  baseVars,
  feeRow,
  formatMonths,
  levelInfo,
  levelLabel,
  offeredLevels,
  planRows,
  render,
  reviewLevels,
  tracksOf,
} from "../knowledge/facts.js";
import { allMaterials, conditionMaterials, isRelatedJob, listsFor, type Facts } from "../eligibility/rules.js";
import { Verdicts } from "../eligibility/verdict.js";

/** What a question is about, after conversation context has filled the gaps. */
export interface Query {
  occupation?: string;
  track?: string;
  level?: number;
  month?: number;
  subject?: string;
  /** Every subject named, when more than one ("理论跟实操各多少钱"). */
  subjects?: string[];
  residency: string[];
  major?: string;
  school?: School;
  program?: Program;
  status?: Status;
  relatedOccupation?: string;
  /** Every related occupation named, when more than one ("导游和播音员"). */
  relatedOccupations?: string[];
  /** Another occupation named besides the one asked about (the candidate's own job). */
  otherOccupation?: string;
  certificate?: { level?: number; years?: number };
  years?: number;
  /** How to name the subject when it is not one occupation ("电子商务师、供应链管理师"). */
  what?: string;
  age?: number;
  future: boolean;
}

export interface Answer {
  text: string;
  clause: string;
  /** answered: a final answer; asked: the reply is a question back (something is missing). */
  status: "answered" | "asked";
}

/**
 * The clauses of several answers as one source: each answer's clauses ("三（六）、附件2") in order, none twice, and
 * none empty (an answer of the institution's own has no clause and carries its own source line).
 */
export function joinClauses(...clauses: (string | undefined)[]): string {
  const all = clauses.flatMap((c) => (c ?? "").split("、")).map((c) => c.trim()).filter(Boolean);
  return [...new Set(all)].join("、");
}

export class Composer {
  readonly vars: Record<string, string>;

  constructor(readonly kb: Knowledge) {
    this.vars = baseVars(kb);
  }

  t(key: string, vars: Record<string, string | number> = {}): string {
    const template = this.kb.replies[key];
    if (template === undefined) throw new Error(`replies.yaml 缺少模板 ${key}`);
    return render(template, vars, this.vars);
  }

  private what(q: { occupation?: string; track?: string }): string {
    if (!q.occupation) return "";
    return q.track ? `${q.occupation}（${q.track}）` : q.occupation;
  }

  /** A level's months; without a track, those of every track offering it ("视频创推员 8月；选品员 12月"). */
  private monthsOf(occupation: string, track: string | undefined, level: number): string {
    const rows = planRows(this.kb, { occupation, track, level });
    return rows.map((r) => (track || !r.track ? formatMonths(r.months) : `${r.track} ${formatMonths(r.months)}`)).join("；");
  }

  /** An occupation the plan does not have: say so, and list the ones it has. */
  notInPlan(name: string): Answer {
    return { text: this.t("not_in_plan", { name }), clause: this.kb.plan.clause, status: "answered" };
  }

  /** Whether the occupation (and track) offers the level asked about in the plan. */
  offered(q: Pick<Query, "occupation" | "track" | "level">): boolean {
    return q.level === undefined || planRows(this.kb, { occupation: q.occupation, track: q.track, level: q.level }).length > 0;
  }

  private offeredText(occupation: string, track?: string): string {
    return offeredLevels(this.kb, occupation, track).map((l) => levelLabel(this.kb, l)).join("、");
  }

  /** Asks for the occupation when none is known. */
  askOccupation(clause: string): Answer {
    const list = this.kb.occupations.occupations
      .map((o) => (tracksOf(this.kb, o.name).length > 1 ? `${o.name}（${tracksOf(this.kb, o.name).join("、")}）` : o.name))
      .join("、");
    return { text: this.t("ask_occupation", { list }), clause, status: "asked" };
  }

  schedule(q: Query): Answer {
    const clause = this.kb.plan.clause;
    if (!q.occupation) {
      if (q.level !== undefined) {
        const rows = planRows(this.kb, { level: q.level });
        const list = rows.map((r) => `${this.what(r)} ${formatMonths(r.months)}`).join("；");
        return { text: this.t("schedule_level_all", { level: levelLabel(this.kb, q.level), list }), clause, status: "answered" };
      }
      return this.askOccupation(clause);
    }
    const tracks = tracksOf(this.kb, q.occupation);
    if (!q.track && tracks.length > 1) {
      if (q.level !== undefined) {
        const rows = planRows(this.kb, { occupation: q.occupation, level: q.level });
        if (!rows.length) return { text: this.notOffered(q), clause, status: "answered" };
        const missing = tracks.filter((t) => !rows.some((r) => r.track === t));
        const list = rows.map((r) => `${r.track} ${formatMonths(r.months)}`).join("；") + (missing.length ? `；${missing.join("、")}未开设此等级` : "");
        return { text: this.t("schedule_level_tracks", { what: q.occupation, level: levelLabel(this.kb, q.level), list }), clause, status: "answered" };
      }
      const list = tracks.map((t) => `${t}：${this.levelMonths(q.occupation!, t)}`).join("；");
      return { text: this.t("schedule_list", { what: q.occupation, list }), clause, status: "answered" };
    }
    if (q.level !== undefined) {
      const row = planRows(this.kb, { occupation: q.occupation, track: q.track, level: q.level })[0];
      if (!row) return { text: this.notOffered(q), clause, status: "answered" };
      if (q.month !== undefined) {
        // "4月有直播销售员四级吗": whether that month is one of the row's.
        const key = row.months.includes(q.month) ? "schedule_in_month" : "schedule_not_in_month";
        return { text: this.t(key, { what: this.what(q), level: levelLabel(this.kb, q.level), months: formatMonths(row.months), month: q.month }), clause, status: "answered" };
      }
      return { text: this.t("schedule_row", { what: this.what(q), level: levelLabel(this.kb, q.level), months: formatMonths(row.months) }), clause, status: "answered" };
    }
    return { text: this.t("schedule_list", { what: this.what(q), list: this.levelMonths(q.occupation, q.track) }), clause, status: "answered" };
  }

  /** "四级/中级工 3月、5月；三级/高级工 …", merging nothing: each level with its own months. */
  private levelMonths(occupation: string, track?: string): string {
    return planRows(this.kb, { occupation, track })
      .map((r) => `${levelLabel(this.kb, r.level)} ${formatMonths(r.months)}`)
      .join("；");
  }

  private notOffered(q: Query): string {
    return this.t("schedule_not_offered", {
      what: this.what(q),
      level: levelLabel(this.kb, q.level!),
      offered: this.offeredText(q.occupation!, q.track),
    });
  }

  levels(q: Query): Answer {
    const clause = this.kb.plan.clause;
    if (!q.occupation) return this.askOccupation(clause);
    if (q.level !== undefined) {
      const rows = planRows(this.kb, { occupation: q.occupation, track: q.track, level: q.level });
      if (!rows.length) return { text: this.notOffered(q), clause, status: "answered" };
      const months = this.monthsOf(q.occupation, q.track, q.level);
      return { text: this.t("levels_offered", { what: this.what(q), level: levelLabel(this.kb, q.level), months }), clause, status: "answered" };
    }
    const tracks = tracksOf(this.kb, q.occupation);
    const list =
      !q.track && tracks.length > 1
        ? tracks.map((t) => `${t}：${this.offeredText(q.occupation!, t)}`).join("；")
        : this.offeredText(q.occupation, q.track);
    return { text: this.t("levels_list", { what: this.what(q), list }), clause, status: "answered" };
  }

  monthList(q: Query): Answer {
    const clause = this.kb.plan.clause;
    if (q.month === undefined) return this.schedule(q);
    const rows = planRows(this.kb, { month: q.month, occupation: q.occupation, track: q.track });
    if (!rows.length) {
      const months = [...new Set(this.kb.plan.rows.flatMap((r) => r.months))].sort((a, b) => a - b);
      return { text: this.t("month_none", { month: q.month, months: formatMonths(months) }), clause, status: "answered" };
    }
    const groups = new Map<string, string[]>();
    for (const r of rows) {
      const key = this.what(r);
      groups.set(key, [...(groups.get(key) ?? []), levelInfo(this.kb, r.level).name]);
    }
    const list = [...groups].map(([what, levels]) => `${what} ${levels.join("、")}`).join("；");
    return { text: this.t("month_list", { month: q.month, list }), clause, status: "answered" };
  }

  fee(q: Query): Answer {
    const clause = this.kb.fees.clause;
    if (q.subjects && q.subjects.length > 1) {
      // "理论跟实操各多少钱": each subject's fee.
      const parts = q.subjects.map((subject) => this.fee({ ...q, subject, subjects: undefined }).text);
      return { text: parts.join("\n"), clause, status: "answered" };
    }
    const s = this.kb.fees.subjects;
    const breakdown = (r: { theory: number; skill: number; review: number | null }) =>
      [
        this.t("fee_part", { subject: s.theory, fee: r.theory }),
        this.t("fee_part", { subject: s.skill, fee: r.skill }),
        ...(r.review === null ? [] : [this.t("fee_part", { subject: s.review, fee: r.review })]),
      ].join(" + ");
    const key = q.subject ? this.feeKey(q.subject) : undefined;
    if (key && q.level !== undefined) {
      // "三级要交综合评审的钱吗": that subject's fee at that level, or that the level has no such subject.
      const occupation = q.occupation ?? this.kb.fees.tables.find((t) => t.rows.some((r) => r.level === q.level))?.occupation;
      const row = occupation ? feeRow(this.kb, occupation, q.level) : undefined;
      if (row) {
        const what = q.occupation ? this.what(q) : "";
        const vars = { what, level: levelLabel(this.kb, q.level), subject: s[key], total: row.total, breakdown: breakdown(row) };
        const fee = row[key];
        return { text: fee === null ? this.t("fee_subject_none", vars) : this.t("fee_subject_level", { ...vars, fee }), clause, status: "answered" };
      }
    }
    if (q.subject && !q.occupation && q.level === undefined) {
      const fees = [...new Set(this.kb.fees.tables.flatMap((t) => t.rows.map((r) => (key ? r[key] : r.theory)).filter((x) => x !== null)))];
      const levels = key === "review" ? reviewLevels(this.kb).map((l) => levelLabel(this.kb, l)).join("、") : "所有等级";
      return { text: this.t("fee_subject", { subject: key ? s[key] : q.subject, fee: fees.join("/"), levels }), clause, status: "answered" };
    }
    if (!q.occupation && q.level !== undefined) {
      const rows = this.kb.fees.tables.flatMap((t) => t.rows.filter((r) => r.level === q.level).map((r) => ({ ...r, occupation: t.occupation })));
      const totals = new Set(rows.map((r) => `${r.theory}/${r.skill}/${r.review}`));
      if (rows.length && totals.size === 1) {
        return { text: this.t("fee_row", { what: rows.map((r) => r.occupation).join("、"), level: levelLabel(this.kb, q.level), total: rows[0].total, breakdown: breakdown(rows[0]) }), clause, status: "answered" };
      }
    }
    if (!q.occupation) {
      const list = this.kb.fees.tables
        .map((t) => `${t.occupation} ${t.rows.map((r) => `${levelInfo(this.kb, r.level).name}${r.total}`).join("、")}`)
        .join("；");
      return { text: this.t("fee_all", { list }), clause, status: "answered" };
    }
    const table = this.kb.fees.tables.find((t) => t.occupation === q.occupation);
    if (q.level !== undefined) {
      const row = feeRow(this.kb, q.occupation, q.level);
      const offered = planRows(this.kb, { occupation: q.occupation, track: q.track, level: q.level }).length > 0;
      if (!row || !offered) return { text: this.notOffered(q), clause: `${this.kb.plan.clause}、${clause}`, status: "answered" };
      return { text: this.t("fee_row", { what: this.what(q), level: levelLabel(this.kb, q.level), total: row.total, breakdown: breakdown(row) }), clause, status: "answered" };
    }
    const levels = new Set(offeredLevels(this.kb, q.occupation, q.track));
    const list = (table?.rows ?? []).filter((r) => levels.has(r.level)).map((r) => `${levelLabel(this.kb, r.level)} ${r.total}元（${breakdown(r)}）`).join("；");
    return { text: this.t("fee_list", { what: this.what(q), list }), clause, status: "answered" };
  }

  /** Whether the admission ticket can be printed yet, `days` before the exam (三（四）: from N days before). */
  ticketWindow(days: number): Answer {
    const window = this.kb.notice.ticket.daysBeforeExam;
    const text = days > window ? this.t("ticket_not_yet", { days, wait: days - window }) : this.t("ticket_open", { days });
    return { text, clause: this.kb.notice.ticket.clause, status: "answered" };
  }

  /**
   * "照片60KB可以吗", "照片45K行不行": a file size said in the question, measured against the notice's range
   * (三（二）2); the answer also names the rest of the spec, which a size alone does not settle.
   */
  photoSize(text: string): Answer | undefined {
    const m = /(\d+(?:\.\d+)?)\s*(?:kb|k|千字节|千b)(?![a-z])/i.exec(text);
    if (!m) return undefined;
    const kb = Number(m[1]);
    const p = this.kb.materials.photo;
    const key = kb < p.minSizeKB ? "photo_size_small" : kb > p.maxSizeKB ? "photo_size_large" : "photo_size_ok";
    const vars = { size: m[1], min: p.minSizeKB, max: p.maxSizeKB, format: p.format, height: p.minHeightPx, width: p.minWidthPx };
    return { text: this.t(key, vars), clause: p.clause, status: "answered" };
  }

  /**
   * "补考一科多少钱": a retake is paid per subject (三（六）), so the answer is 附件2's per-subject figure, not a total;
   * a subject named with a level gets that level's figure.
   */
  retakeFee(q: Query): Answer {
    const clause = joinClauses(this.kb.notice.retake.clause, this.kb.fees.clause);
    if (q.subject) return { text: `${this.t("fee_retake_intro")}${this.fee(q).text}`, clause, status: "answered" };
    const s = this.kb.fees.subjects;
    const rows = this.kb.fees.tables.flatMap((t) => t.rows);
    const figure = (key: "theory" | "skill" | "review") => [...new Set(rows.map((r) => r[key]).filter((x): x is number => x !== null))].join("/");
    const review = reviewLevels(this.kb).map((l) => levelLabel(this.kb, l)).join("、");
    const list = this.t("fee_retake_list", { theory: s.theory, skill: s.skill, review: s.review, theoryFee: figure("theory"), skillFee: figure("skill"), reviewFee: figure("review"), reviewLevels: review });
    return { text: `${this.t("fee_retake_intro")}${list}`, clause, status: "answered" };
  }

  /**
   * "学生可以报吗", asked in general: what 附件1 says about students — the conditions that take 应届 (在读应届毕业生,
   * counted as graduates) and those open to students still at school — before any self-check.
   */
  students(q: Query): Answer {
    const clause = this.kb.conditionsClause;
    const occupations = q.occupation ? [q.occupation] : [...this.kb.rules.keys()];
    const seen = new Map<string, { levels: Set<number>; text: string; current: boolean }>();
    for (const occupation of occupations) {
      for (const [level, conditions] of this.kb.rules.get(occupation)!.levels) {
        if (!offeredLevels(this.kb, occupation).includes(level)) continue;
        for (const c of conditions) {
          const status = c.rule.education?.status;
          if (!status || !(status.includes("应届") || status.includes("在读"))) continue;
          const item = seen.get(c.id) ?? { levels: new Set<number>(), text: c.text, current: status.includes("在读") };
          item.levels.add(level);
          seen.set(c.id, item);
        }
      }
    }
    const label = (levels: Set<number>) => [...levels].sort((a, b) => b - a).map((l) => levelLabel(this.kb, l)).join("、");
    const items = [...seen.values()];
    const list = items.map((c, i) => `${i + 1}. ${label(c.levels)}：${c.text.replace(/。$/, "")}`).join("\n");
    const current = items.filter((c) => c.current).map((c) => label(c.levels)).join("、");
    const what = q.occupation ? this.what(q) : "";
    return {
      text: [this.t("students_intro", { what }), list, this.t(current ? "students_note" : "students_note_none", { current }), this.t("conditions_offer_check")].join("\n"),
      clause,
      status: "answered",
    };
  }

  /** Whether a subject passed `yearsAgo` is still kept for a retake (三（六）: kept N years, one retake within them). */
  retakeValidity(yearsAgo: number, when: string): Answer {
    const keep = this.kb.notice.retake.keepYears;
    const key = yearsAgo > keep ? "retake_expired" : yearsAgo === keep ? "retake_maybe" : "retake_valid";
    return { text: this.t(key, { when, keep }), clause: this.kb.notice.retake.clause, status: "answered" };
  }

  /** The fee table's column of a subject: 附件2 calls 技能考核 操作技能, the same subject under another name. */
  private feeKey(name: string): keyof Knowledge["fees"]["subjects"] | undefined {
    const s = this.kb.evaluation.subjects.find((x) => x.name === name || x.aliases.includes(name));
    const names = s ? [s.name, ...s.aliases] : [name];
    return (Object.entries(this.kb.fees.subjects) as [keyof Knowledge["fees"]["subjects"], string][]).find(([, f]) => names.includes(f))?.[0];
  }

  /** The subjects examined at a level (those with a fee in 附件2), with their methods (二). */
  evaluation(q: Query): Answer | undefined {
    if (q.level === undefined) return undefined;
    const clause = `${this.kb.evaluation.clause}、${this.kb.fees.clause}`;
    const occupation = q.occupation ?? this.kb.fees.tables.find((t) => t.rows.some((r) => r.level === q.level))?.occupation;
    const row = occupation ? feeRow(this.kb, occupation, q.level) : undefined;
    if (!row) return q.occupation ? { text: this.notOffered(q), clause, status: "answered" } : undefined;
    const subjects = this.kb.evaluation.subjects.filter((s) => {
      const key = this.feeKey(s.name);
      return key !== undefined && row[key] !== null;
    });
    const missing = this.kb.evaluation.subjects.filter((s) => !subjects.includes(s));
    const vars = {
      what: q.occupation ? this.what(q) : "",
      level: levelLabel(this.kb, q.level),
      count: subjects.length,
      list: subjects.map((s) => `${s.name}（${s.method}）`).join("、"),
      none: missing.map((s) => s.name).join("、"),
    };
    return { text: this.t(missing.length ? "eval_level_without" : "eval_level", vars), clause, status: "answered" };
  }

  idDocuments(q: Query): Answer {
    const id = this.kb.materials.identity;
    const groups = q.residency.length ? id.groups.filter((g) => q.residency.includes(g.id)) : id.groups;
    const list = groups.map((g) => this.t("id_group", { label: g.label, documents: g.documents.join(g.joiner) })).join("；");
    return { text: this.t("id_answer", { list, rule: id.rule }), clause: id.clause, status: "answered" };
  }

  relatedOccupation(q: Query): Answer {
    const clause = this.kb.conditionsClause;
    if (!q.occupation) {
      const list = this.kb.occupations.occupations.map((o) => o.name).join("、");
      return { text: this.t("ask_related_occupation", { list }), clause, status: "asked" };
    }
    if (q.relatedOccupations && q.relatedOccupations.length > 1) {
      const each = q.relatedOccupations.map((job) => this.relatedOccupation({ ...q, relatedOccupation: job, relatedOccupations: undefined }).text);
      return { text: each.join("\n"), clause, status: "answered" };
    }
    const rules = this.kb.rules.get(q.occupation)!;
    const job = q.relatedOccupation ?? q.otherOccupation;
    const list = rules.relatedOccupations.join("、");
    if (!job) return { text: this.t("related_occ_list", { occupation: q.occupation, list }), clause, status: "answered" };
    const yes = isRelatedJob(this.kb, job, q.occupation);
    return { text: this.t(yes ? "related_occ_yes" : "related_occ_no", { job, occupation: q.occupation, list }), clause, status: "answered" };
  }

  relatedMajor(q: Query): Answer {
    const clause = this.kb.conditionsClause;
    const occupations = q.occupation ? [q.occupation] : [...this.kb.rules.keys()];
    if (!q.major) {
      if (!q.occupation) return this.askOccupation(clause);
      const rules = this.kb.rules.get(q.occupation)!;
      const lists = (q.school ? listsFor(this.kb, q.occupation, q.school) : rules.majorLists)
        .map((l) => this.t("related_major_list_item", { label: l.label, majors: l.majors.join("、"), note: l.note ?? "等" }))
        .join("；");
      return { text: this.t("related_major_list", { occupation: q.occupation, list: lists }), clause, status: "answered" };
    }
    const parts = occupations.map((occupation) => this.majorVerdict(occupation, q.major!, q.school));
    return { text: parts.join("\n"), clause, status: "answered" };
  }

  private majorVerdict(occupation: string, major: string, school?: School): string {
    const rules = this.kb.rules.get(occupation)!;
    const schools = school ? [school] : [...SCHOOLS];
    const yes = rules.majorLists.filter((l) => l.majors.includes(major) && l.schools.some((s) => schools.includes(s)));
    if (!yes.length) return this.t("related_major_no", { major, occupation });
    const no = rules.majorLists.filter((l) => !yes.includes(l) && l.schools.some((s) => schools.includes(s)));
    if (!no.length || school) return this.t("related_major_yes", { major, occupation, lists: yes.map((l) => `“${l.label}”`).join("、") });
    return this.t("related_major_partly", { major, occupation, yes: yes.map((l) => `“${l.label}”`).join("、"), no: no.map((l) => `“${l.label}”`).join("、") });
  }

  /** The occupations offering a level, when they all print the same conditions for it (附件1 does for every level). */
  private sameConditionsAt(level: number): string[] | undefined {
    const occupations = [...new Set(planRows(this.kb, { level }).map((r) => r.occupation))];
    const texts = new Set(occupations.map((o) => (this.kb.rules.get(o)?.levels.get(level) ?? []).map((c) => c.text).join("|")));
    return occupations.length && texts.size === 1 ? occupations : undefined;
  }

  conditions(q: Query): Answer {
    const clause = this.kb.conditionsClause;
    if (!q.occupation && q.level !== undefined) {
      // "三级要什么条件": every occupation offering 三级 prints the same conditions, so they can be given at once.
      const same = this.sameConditionsAt(q.level);
      if (same) return this.conditions({ ...q, occupation: same[0], what: same.join("、") });
    }
    if (!q.occupation && q.level === undefined && q.age !== undefined) {
      // "16岁可以考吗": the levels whose conditions are about age.
      const byAge = this.kb.plan.rows.find((r) => this.kb.rules.get(r.occupation)?.levels.get(r.level)?.some((c) => c.rule.age !== undefined));
      if (byAge) return this.conditions({ ...q, occupation: byAge.occupation, level: byAge.level });
    }
    if (!q.occupation) return this.askOccupation(clause);
    const rules = this.kb.rules.get(q.occupation)!;
    const offered = offeredLevels(this.kb, q.occupation, q.track);
    if (q.level !== undefined) {
      if (!offered.includes(q.level)) return { text: this.notOffered(q), clause: `${this.kb.plan.clause}、${clause}`, status: "answered" };
      // Every condition the notice prints, those the importer could not read into a rule included (as worded).
      const list = [...(rules.levels.get(q.level) ?? []), ...(rules.unread?.get(q.level) ?? [])].map((c, i) => `${i + 1}. ${c.text}`).join("\n");
      return { text: `${this.t("conditions_level", { what: q.what ?? this.what(q), level: levelLabel(this.kb, q.level), list: `\n${list}` })}\n${this.t("conditions_offer_check")}`, clause, status: "answered" };
    }
    const list = offered
      .map((l) => `\n${levelLabel(this.kb, l)}：${[...(rules.levels.get(l) ?? []), ...(rules.unread?.get(l) ?? [])].map((c) => c.text.replace(/。$/, "")).join("；或")}`)
      .join("");
    return { text: `${this.t("conditions_levels", { what: this.what(q), list })}\n${this.t("conditions_offer_check")}`, clause, status: "answered" };
  }

  /** "三级和四级考试时间一样吗": whether the levels named share their months (schedule) or their fee (fee). */
  /**
   * Whether the fee or the months of several questions are the same, or how they differ: levels of one occupation
   * ("三级和二级一样吗") or one level of several occupations or tracks ("电子商务师和供应链管理师三级价钱一样吗").
   * Undefined when one of them names no occupation or level, or has no such row.
   */
  compare(intent: string, qs: Query[]): string | undefined {
    if (qs.some((q) => !q.occupation || q.level === undefined)) return undefined;
    const across = new Set(qs.map((q) => q.track ?? q.occupation)).size > 1;
    const items = qs.map((q) => ({ q, label: `${across ? (q.track ?? q.occupation) : ""}${levelLabel(this.kb, q.level!)}` }));
    const value = ({ q }: { q: Query }): string | undefined => {
      if (intent === "fee") return feeRow(this.kb, q.occupation!, q.level!)?.total.toString();
      const rows = planRows(this.kb, { occupation: q.occupation, track: q.track, level: q.level });
      return rows.length ? rows.map((r) => `${q.track || !r.track ? "" : r.track}${formatMonths(r.months)}`).join("；") : undefined;
    };
    const values = items.map(value);
    if (values.some((v) => v === undefined)) return undefined;
    const names = items.map((x) => x.label).join("、");
    const same = new Set(values).size === 1;
    const what = same
      ? `${names}${intent === "fee" ? `都是 ${values[0]} 元` : `的认定月份都是 ${values[0]}`}`
      : items.map((x, i) => `${x.label} ${values[i]}${intent === "fee" ? " 元" : ""}`).join("，");
    return this.t(same ? "comparison_same" : "comparison_different", { what });
  }

  /** The materials of each condition of a level, plus the identity document and photo everyone brings. */
  materialsFor(q: Query): Answer {
    const clause = `${this.kb.materials.clause}、${this.kb.conditionsClause}`;
    if (!q.occupation) {
      const same = this.sameConditionsAt(q.level!);
      if (!same) return this.askOccupation(clause);
      return this.materialsFor({ ...q, occupation: same[0], what: same.join("、") });
    }
    if (!offeredLevels(this.kb, q.occupation!, q.track).includes(q.level!)) return { text: this.notOffered(q), clause, status: "answered" };
    const conditions = this.kb.rules.get(q.occupation!)?.levels.get(q.level!) ?? [];
    const list = conditions
      .map((c, i) => `${i + 1}. ${c.text.replace(/。$/, "")} → ${this.materialsText(c, q.school)}`)
      .join("\n");
    const common = allMaterials(this.kb, conditions[0], q.school).slice(0, 2).join("；");
    return { text: this.t("materials_level", { what: q.what ?? this.what(q), level: levelLabel(this.kb, q.level!), common, list: `\n${list}` }), clause, status: "answered" };
  }

  /** A condition's materials: every plain item, and the notice's "或" alternatives (by school type) as such. */
  private materialsText(c: Condition, school?: School): string {
    if (school) return conditionMaterials(c, school).join("；");
    const plain = c.materials.filter((m) => !m.schools).map((m) => m.text);
    const alternatives = c.materials.filter((m) => m.schools).map((m) => m.text);
    return [...plain, ...(alternatives.length ? [alternatives.join("；或 ")] : [])].join("；");
  }

  overview(q: Query): Answer {
    if (q.occupation && q.level !== undefined) {
      const row = planRows(this.kb, { occupation: q.occupation, track: q.track, level: q.level });
      const fee = feeRow(this.kb, q.occupation, q.level);
      if (!row.length || !fee) return { text: this.notOffered(q), clause: this.kb.plan.clause, status: "answered" };
      const months = this.monthsOf(q.occupation, q.track, q.level);
      return {
        text: this.t("overview", { what: this.what(q), level: levelLabel(this.kb, q.level), months, total: fee.total }),
        clause: `${this.kb.plan.clause}、${this.kb.fees.clause}`,
        status: "answered",
      };
    }
    return this.schedule(q);
  }

  /** The eligibility verdict and what an opening message settles: worded in src/eligibility/verdict.ts. */
  private verdictWords?: Verdicts;
  private get verdicts(): Verdicts {
    return (this.verdictWords ??= new Verdicts({
      kb: this.kb,
      t: (key, vars) => this.t(key, vars),
      what: (q) => this.what(q),
      monthsOf: (o, tr, l) => this.monthsOf(o, tr, l),
      offeredText: (o, tr) => this.offeredText(o, tr),
    }));
  }

  /** One-shot eligibility verdict from what the question says; undefined when a dialog must ask more. */
  eligibilityVerdict(f: Facts & { occupation: string; level: number }): Answer | undefined {
    return this.verdicts.eligibilityVerdict(f);
  }

  /** Without a level: the highest level the facts given so far reach, or what the lowest offered level still needs. */
  assess(f: Facts & { occupation: string }): string {
    return this.verdicts.assess(f);
  }

  /** What an opening message already settles before the dialog asks the rest. */
  openingStatus(f: Facts & { occupation: string; level: number }): string[] {
    return this.verdicts.openingStatus(f);
  }

}
