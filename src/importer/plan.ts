/** 一、认定项目及实施机构: the plan table (序号 职业 工种 等级 认定月份), row by row, with merged and broken cells. */
import { ImportError, type ParseResult, type ReviewItem, type SourceLine } from "./types.js";
import { cells, isJunk, looksLikeLevel, parseLevel, parseMonths, sourceOf, squeeze, tidy } from "./text.js";

export interface PlanRowOut {
  no: number;
  occupation: string;
  track?: string;
  level: number;
  /** null: a blank (merged) cell, which takes the months of the row above (the loader resolves it). */
  months: number[] | null;
  /** The notice line of the row (not written to plan.yaml). */
  line?: number;
}

export interface PlanOut {
  rows: PlanRowOut[];
  /** The header line of the table (for the clause text, which stops there). */
  headerLine: SourceLine;
}

interface RawRow {
  line: SourceLine;
  no: string;
  occupation: string;
  track: string;
  level: string;
  months: string;
}

/** Name endings of an occupation or a track: a cell ending otherwise may be the first half of a broken name. */
const NAME_END = /(师|员|工|人员|家|手)$/u;

/**
 * Parses the plan table from part 一's lines. `knownOccupations` are the names the notice prints elsewhere (附件1,
 * 附件2) and the previous folder's; `knownTracks` the previous folder's tracks. They decide how a name broken over
 * two rows ("信息安全" / "测试员") is joined.
 */
export function parsePlan(body: SourceLine[], knownOccupations: Set<string>, knownTracks: Set<string>): ParseResult<PlanOut> {
  const review: ReviewItem[] = [];
  const headerIndex = body.findIndex((l) => /序号/.test(l.text) && /月份|认定时间|月/.test(l.text) && /等级|级别/.test(l.text));
  if (headerIndex < 0) {
    throw new ImportError("没有找到认定计划表：第一部分里没有“序号 职业 工种 等级 认定月份”的表头", body[0]?.no, sourceOf(body[0]));
  }
  const headerLine = body[headerIndex];
  const header = cells(headerLine.text).map(squeeze);
  const col = (re: RegExp) => header.findIndex((h) => re.test(h));
  const cols = { no: col(/序号/), occupation: col(/^职业(名称)?$/), track: col(/工种/), level: col(/等级|级别/), months: col(/月/) };
  if (cols.occupation < 0 || cols.level < 0 || cols.months < 0) {
    throw new ImportError("认定计划表的表头缺少“职业”“等级”或“认定月份”列", headerLine.no, sourceOf(headerLine));
  }

  // 1. Lines to raw rows: a line starting with a number opens a row; other lines continue the row above.
  const raw: RawRow[] = [];
  for (const line of body.slice(headerIndex + 1)) {
    if (!tidy(line.text) || isJunk(line.text)) continue;
    const c = cells(line.text);
    const first = tidy(c[0] ?? "");
    if (/^\d+$/.test(first)) {
      raw.push(toRow(line, c, header.length, cols, review));
      continue;
    }
    const prev = raw[raw.length - 1];
    if (!prev) {
      review.push({ file: "plan.yaml", field: "rows", line: line.no, source: sourceOf(line), reason: "计划表表头后有一行不是以序号开头，未读入，请核对" });
      continue;
    }
    // A row broken over two lines: the cells of the second line, in their columns, continue the first's.
    const cont = toRow(line, c, header.length, cols, review, true);
    const joined: string[] = [];
    for (const key of ["occupation", "track", "level", "months"] as const) {
      if (!tidy(cont[key])) continue;
      prev[key] = key === "months" ? `${prev[key]}、${cont[key]}` : `${prev[key]}${cont[key]}`;
      joined.push(key);
    }
    if (joined.length) {
      review.push({ file: "plan.yaml", field: `rows.${raw.length - 1}`, line: line.no, source: sourceOf(line), reason: `计划表第 ${prev.no} 行折到了下一行，已把下一行接在后面（${joined.join("、")}），请核对` });
    }
  }
  if (!raw.length) throw new ImportError("认定计划表没有数据行", headerLine.no, sourceOf(headerLine));

  // 2. Cells to values: merged occupation/track cells take the row above; names broken over rows are joined.
  const rows: PlanRowOut[] = [];
  let occupation = "";
  let track: string | undefined;
  let occupationRow = -1;
  let trackRow = -1;
  raw.forEach((r, i) => {
    const occCell = squeeze(r.occupation);
    const trackCell = squeeze(r.track);
    if (occCell) {
      const joined = occupation + occCell;
      const prevRaw = raw[i - 1];
      const prevOccCell = prevRaw ? squeeze(prevRaw.occupation) : "";
      // "信息安全" then "测试员" on the next row: the second half of a name printed over two rows.
      if (prevOccCell && occupationRow === i - 1 && !knownOccupations.has(occCell) && (knownOccupations.has(joined) || (!knownOccupations.has(occupation) && !NAME_END.test(occupation)))) {
        if (!knownOccupations.has(joined)) {
          review.push({ file: "plan.yaml", field: `rows.${i}.occupation`, line: r.line.no, source: sourceOf(r.line), reason: `职业名称“${occupation}”“${occCell}”分在两行，已拼接为“${joined}”，但附件中没有这个名称，请核对` });
        }
        for (let j = occupationRow; j < rows.length; j++) rows[j].occupation = joined;
        occupation = joined;
      } else {
        occupation = occCell;
        occupationRow = i;
        track = undefined;
        trackRow = -1;
      }
    } else if (!occupation) {
      throw new ImportError("计划表第一行没有职业名称", r.line.no, sourceOf(r.line));
    }
    if (trackCell && trackCell !== "--" && !/^[-—–]+$/.test(trackCell)) {
      const joined = (track ?? "") + trackCell;
      if (track && trackRow === i - 1 && squeeze(raw[i - 1].track) && !knownTracks.has(trackCell) && !occCell && (knownTracks.has(joined) || (!knownTracks.has(track) && !NAME_END.test(track)))) {
        if (!knownTracks.has(joined)) {
          review.push({ file: "plan.yaml", field: `rows.${i}.track`, line: r.line.no, source: sourceOf(r.line), reason: `工种名称“${track}”“${trackCell}”分在两行，已拼接为“${joined}”，请核对` });
        }
        for (let j = trackRow; j < rows.length; j++) if (rows[j].track === track) rows[j].track = joined;
        track = joined;
      } else {
        track = trackCell;
        trackRow = i;
      }
    } else if (trackCell) {
      track = undefined; // "--": the occupation has no track
    }

    const level = parseLevel(r.level);
    if (level === undefined) throw new ImportError(`计划表第 ${r.no} 行的等级“${tidy(r.level)}”无法识别`, r.line.no, sourceOf(r.line));
    const months = parseMonths(r.months);
    if (months === "invalid") throw new ImportError(`计划表第 ${r.no} 行的认定月份“${tidy(r.months)}”无法识别`, r.line.no, sourceOf(r.line));
    const no = Number(r.no);
    if (no !== i + 1) {
      review.push({ file: "plan.yaml", field: `rows.${i}.no`, line: r.line.no, source: sourceOf(r.line), reason: `序号 ${no} 不连续（应为 ${i + 1}）：可能漏了或多了一行，请核对` });
    }
    rows.push({ no, occupation, ...(track ? { track } : {}), level, months, line: r.line.no });
  });

  // 3. A blank month cell takes the months of the row above in the same occupation and track; the first row of a group cannot.
  rows.forEach((row, i) => {
    if (row.months !== null) return;
    const above = rows.slice(0, i).reverse().find((r) => r.occupation === row.occupation && r.track === row.track);
    if (!above) {
      const line = raw[i].line;
      throw new ImportError(`计划表第 ${row.no} 行（${row.occupation}${row.track ? `/${row.track}` : ""}）的认定月份为空，上方没有同一职业/工种的行可合并`, line.no, sourceOf(line));
    }
  });
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const key = `${row.occupation}/${row.track ?? ""}/${row.level}`;
    if (seen.has(key)) {
      review.push({ file: "plan.yaml", field: `rows.${i}`, line: raw[i].line.no, source: sourceOf(raw[i].line), reason: `计划表中 ${key} 出现了两次（第 ${seen.get(key)} 行和第 ${row.no} 行），请核对` });
    }
    seen.set(key, row.no);
  });
  return { data: { rows, headerLine }, review };
}

function toRow(line: SourceLine, c: string[], width: number, cols: Record<string, number>, review: ReviewItem[], continuation = false): RawRow {
  const at = (k: string) => (cols[k] >= 0 ? (c[cols[k]] ?? "") : "");
  if (c.length === width || (c.length < width && !continuation && c.length > cols.level && looksLikeLevel(c[cols.level] ?? ""))) {
    return { line, no: tidy(c[cols.no] ?? c[0] ?? ""), occupation: at("occupation"), track: at("track"), level: at("level"), months: at("months") };
  }
  if (continuation) {
    // Fewer cells than the header: only months (digits) can be placed without the tabs.
    const text = c.map(tidy).filter(Boolean).join("");
    if (/^[\d、,，\s月]+$/.test(text)) return { line, no: "", occupation: "", track: "", level: "", months: text };
    review.push({ file: "plan.yaml", field: "rows", line: line.no, source: sourceOf(line), reason: "计划表里这一行的列对不上表头，未读入，请核对" });
    return { line, no: "", occupation: "", track: "", level: "", months: "" };
  }
  // Another number of cells than the header: find the level cell; the months follow it, the names precede it.
  const li = c.findIndex((x, k) => k > 0 && looksLikeLevel(x));
  if (li < 0) throw new ImportError("计划表的这一行找不到等级（如“四级/中级工”）", line.no, sourceOf(line));
  const names = c.slice(1, li);
  if (names.length > 2) throw new ImportError("计划表的这一行在职业和等级之间有多余的列", line.no, sourceOf(line));
  if (names.length === 1 && tidy(names[0])) {
    review.push({ file: "plan.yaml", field: "rows", line: line.no, source: sourceOf(line), reason: "计划表这一行只有一个名称列，已当作职业名称，请核对是否是工种" });
  }
  return { line, no: tidy(c[0]), occupation: names[0] ?? "", track: names[1] ?? "", level: c[li], months: c.slice(li + 1).join("、") };
}
