/** 附件2: one 收费标准 table per occupation (职业等级, 理论知识, 操作技能, 综合评审, 合计), totals checked. */
import { ImportError, type ParseResult, type ReviewItem, type SourceLine } from "./types.js";
import { asciiDigits, cells, isJunk, parseLevel, sourceOf, squeeze, tidy } from "./text.js";

export interface FeeRowOut {
  level: number;
  theory: number;
  skill: number;
  review: number | null;
  total: number;
}

export interface FeesOut {
  subjects: { theory: string; skill: string; review: string };
  tables: { occupation: string; rows: FeeRowOut[]; line: number }[];
  /** The year printed in the tables' titles. */
  years: number[];
}

const HEADING = /^(?:(\d{4})\s*年\s*度?\s*)?(\S+?)\s*职业技能等级认定\s*(?:收费标准)?$/u;

/** Column keys by the header's words. */
function columnKey(h: string): "level" | "theory" | "skill" | "review" | "total" | undefined {
  if (/等级|级别/.test(h)) return "level";
  if (/合计|总计|小计/.test(h)) return "total";
  if (/理论/.test(h)) return "theory";
  if (/评审/.test(h)) return "review";
  if (/操作|技能|实操/.test(h)) return "skill";
  return undefined;
}

const subjectName = (h: string): string => squeeze(h).replace(/[（(]\s*元\s*[)）]$/u, "");

export function parseFees(lines: SourceLine[], year: number): ParseResult<FeesOut> {
  const review: ReviewItem[] = [];
  const tables: FeesOut["tables"] = [];
  const years: number[] = [];
  let subjects: FeesOut["subjects"] | undefined;
  let current: { occupation: string; rows: FeeRowOut[]; line: number; header?: (ReturnType<typeof columnKey>)[] } | undefined;

  for (const line of lines) {
    const t = tidy(line.text);
    if (!t || isJunk(line.text) || /^收费标准$/.test(t)) continue;
    const h = !/\t/.test(line.text) ? HEADING.exec(squeeze(line.text)) : null;
    if (h) {
      const occupation = h[2].replace(/^\d{4}年度?/, "");
      if (h[1]) years.push(Number(h[1]));
      if (h[1] && Number(h[1]) !== year) {
        review.push({ file: "fees.yaml", field: `tables.${tables.length}`, line: line.no, source: sourceOf(line), reason: `收费表标题的年份 ${h[1]} 与通知年份 ${year} 不一致，请核对` });
      }
      current = { occupation, rows: [], line: line.no };
      tables.push(current);
      continue;
    }
    const c = cells(line.text);
    if (c.some((x) => /职业等级|级别/.test(x)) && c.some((x) => /理论/.test(x))) {
      if (!current) throw new ImportError("附件2的收费表前没有“××年××职业技能等级认定”标题，不知道是哪个职业", line.no, sourceOf(line));
      const header = c.map((x) => columnKey(squeeze(x)));
      for (const k of ["level", "theory", "skill", "total"] as const) {
        if (!header.includes(k)) throw new ImportError(`附件2收费表的表头缺少${{ level: "职业等级", theory: "理论知识", skill: "操作技能", total: "合计" }[k]}列`, line.no, sourceOf(line));
      }
      current.header = header;
      const names = { theory: "", skill: "", review: "" };
      c.forEach((x, i) => {
        const k = header[i];
        if (k === "theory" || k === "skill" || k === "review") names[k] = subjectName(x);
      });
      if (!names.review) names.review = subjects?.review ?? "综合评审";
      if (subjects && (subjects.theory !== names.theory || subjects.skill !== names.skill || subjects.review !== names.review)) {
        review.push({ file: "fees.yaml", field: "subjects", line: line.no, source: sourceOf(line), reason: "各收费表的科目名称不一致，已按第一张表写入，请核对" });
      }
      subjects ??= names;
      continue;
    }
    if (!current?.header) {
      review.push({ file: "fees.yaml", field: "tables", line: line.no, source: sourceOf(line), reason: "附件2里这一行不在任何收费表中，未读入，请核对" });
      continue;
    }
    const header = current.header;
    const get = (k: NonNullable<ReturnType<typeof columnKey>>) => {
      const i = header.indexOf(k);
      return i < 0 ? "" : tidy(c[i] ?? "");
    };
    const level = parseLevel(get("level"));
    if (level === undefined) {
      throw new ImportError(`附件2（${current.occupation}）这一行的等级“${get("level")}”无法识别`, line.no, sourceOf(line));
    }
    const money = (k: "theory" | "skill" | "review" | "total"): number | null => {
      const v = asciiDigits(get(k)).replace(/元$/, "").replace(/\s+/g, "");
      if (v === "" || /^[-—–/无]+$/.test(v)) return null;
      if (!/^\d+(\.\d+)?$/.test(v)) {
        throw new ImportError(`附件2（${current!.occupation} ${get("level")}）的金额“${get(k)}”无法识别`, line.no, sourceOf(line));
      }
      return Number(v);
    };
    const theory = money("theory");
    const skill = money("skill");
    const rev = money("review");
    const total = money("total");
    if (theory === null && skill === null) {
      throw new ImportError(`附件2（${current.occupation} ${get("level")}）缺少理论知识和操作技能的费用`, line.no, sourceOf(line));
    }
    // One subject printed "-" (a level without a skills exam, say): written as 0 and listed for staff to check.
    for (const [k, v] of [["theory", theory], ["skill", skill]] as const) {
      if (v !== null) continue;
      review.push({
        file: "fees.yaml",
        field: `tables.${tables.length - 1}.rows.${current.rows.length}.${k}`,
        line: line.no,
        source: sourceOf(line),
        reason: `${current.occupation} ${get("level")} 的${k === "theory" ? "理论知识" : "操作技能"}费用印为“${get(k)}”（不考这一科或不收此费？）；已按 0 元写入，请对照通知核对，必要时在答案里说明`,
      });
    }
    const sum = (theory ?? 0) + (skill ?? 0) + (rev ?? 0);
    if (total === null || total !== sum) {
      review.push({
        file: "fees.yaml",
        field: `tables.${tables.length - 1}.rows.${current.rows.length}.total`,
        line: line.no,
        source: sourceOf(line),
        reason: `${current.occupation} ${get("level")} 的合计印为 ${total ?? "（空）"} 元，各科之和为 ${sum} 元；已按各科之和写入，请对照通知核对哪一个是对的`,
      });
    }
    if (current.rows.some((r) => r.level === level)) {
      review.push({ file: "fees.yaml", field: `tables.${tables.length - 1}.rows`, line: line.no, source: sourceOf(line), reason: `${current.occupation} 的收费表中同一等级出现两次，请核对` });
    }
    current.rows.push({ level, theory: theory ?? 0, skill: skill ?? 0, review: rev, total: sum });
  }
  const filled = tables.filter((t) => t.rows.length);
  for (const t of tables) {
    if (!t.rows.length) review.push({ file: "fees.yaml", field: "tables", line: t.line, reason: `${t.occupation} 的收费表没有数据行，请核对` });
  }
  if (!filled.length || !subjects) throw new ImportError("附件2里没有找到收费表（职业等级、理论知识、操作技能、合计）", lines[0]?.no, sourceOf(lines[0]));
  const seen = new Set<string>();
  for (const t of filled) {
    if (seen.has(t.occupation)) review.push({ file: "fees.yaml", field: "tables", line: t.line, reason: `${t.occupation} 有两张收费表，请核对` });
    seen.add(t.occupation);
  }
  return { data: { subjects, tables: filled.map(({ occupation, rows, line }) => ({ occupation, rows, line })), years }, review };
}
