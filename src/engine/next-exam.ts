/**
 * "下次什么时候考": the plan's months counted against today's date. The notice gives months, not days: a month before
 * today's is past, today's month is offered with a word that its day may have gone, and once the plan's months are
 * all past the answer says so and points to the next notice (the year caveat adds where to find it). No month of a
 * year the knowledge base does not hold is ever given.
 */
import type { Knowledge, PlanRow } from "../knowledge/load.js";
import { formatMonths, levelLabel, planRows } from "../knowledge/facts.js";
import type { Answer, Composer, Query } from "./answers.js";

/** The notice's time zone: its months are Beijing's. */
const TIME_ZONE = "Asia/Shanghai";
const monthFormat = new Intl.DateTimeFormat("en-US", { timeZone: TIME_ZONE, year: "numeric", month: "numeric" });

/** The year and month of a moment in Beijing. */
export function beijingMonth(now: number): { year: number; month: number } {
  const parts = monthFormat.formatToParts(new Date(now));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get("year"), month: get("month") };
}

export function nextExam(kb: Knowledge, composer: Composer, q: Query, now: number): Answer {
  const clause = kb.plan.clause;
  const rows = planRows(kb, { occupation: q.occupation, track: q.track, level: q.level });
  // An occupation or level the plan does not have: the schedule answer says so and lists what it has.
  if (!rows.length) return composer.schedule(q);
  const planYear = kb.notice.year;
  const today = beijingMonth(now);
  const ahead = (months: number[]) =>
    today.year < planYear ? months : today.year > planYear ? [] : months.filter((m) => m >= today.month);
  const all = [...new Set(rows.flatMap((r) => r.months))].sort((a, b) => a - b);
  const left = ahead(all);
  const what = q.occupation ? `${q.track ? `${q.occupation}（${q.track}）` : q.occupation}${q.level !== undefined ? levelLabel(kb, q.level) : ""}` : "";
  const todayText = `${today.year}年${today.month}月`;
  const t = (key: string, vars: Record<string, string | number>) => composer.t(key, { what, today: todayText, ...vars });
  if (!left.length) return { text: t("next_none", { months: formatMonths(all) }), clause, status: "answered" };
  if (today.year < planYear) return { text: t("next_before", { months: formatMonths(all), first: left[0] }), clause, status: "answered" };
  const past = all.filter((m) => !left.includes(m));
  const parts = [past.length ? t("next_remaining", { months: formatMonths(left), past: formatMonths(past) }) : t("next_all_ahead", { months: formatMonths(left) })];
  if (left[0] === today.month) parts.push(t("next_this_month", { month: today.month }));
  // Several rows of one occupation with different months: each level (and track) with its own months still ahead.
  if (q.occupation && rows.length > 1 && new Set(rows.map((r) => ahead(r.months).join())).size > 1) {
    const label = (r: PlanRow) => `${!q.track && r.track ? `${r.track}` : ""}${q.level === undefined ? levelLabel(kb, r.level) : ""}`;
    const list = rows.map((r) => {
      const months = ahead(r.months);
      return `${label(r)} ${months.length ? formatMonths(months) : t("next_row_none", {})}`;
    });
    parts.push(t("next_rows", { list: list.join("；") }));
  }
  if (!q.occupation) parts.push(t("next_ask_occupation", {}));
  return { text: parts.join(""), clause, status: "answered" };
}
