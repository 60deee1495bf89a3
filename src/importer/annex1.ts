/**
 * 附件1 of a notice → conditions.yaml: each occupation's table (its levels, each condition sentence as a rule with its
 * own numbers, each condition's materials) and its footnotes (本职业, 相关职业, the majors by school type).
 *
 * The layout is the PDF's text: a table row is a line of tab-separated cells (级别 | 申报条件 | 申报材料), where a cell may
 * be broken over several lines ("具备以下" / "条件之一者，可申报三级/高级工"), a material may go on after a blank line on a
 * line of its own, and page rules ("-------------") come between. Footnotes follow each table, numbered per table.
 */
import { SCHOOLS, type School } from "../knowledge/schema.js";
import { ConditionsFile } from "../knowledge/schema.js";
import {
  cleanText,
  LEVEL_TITLES,
  levelOfCell,
  readMaterials,
  readSentence,
  type MaterialItem,
  type ParsedRule,
} from "./annex1-sentence.js";
import { ImportError, type ParseResult, type ReviewItem, type SourceLine } from "./types.js";

const FILE = "conditions.yaml";

/** The school groups conditions.yaml names (the rules and material lists use them where a list equals one). */
const SCHOOL_GROUPS: Record<string, School[]> = {
  技工院校: ["技工学校", "高级技工学校", "技师学院"],
  all: [...SCHOOLS],
  higher: ["高等职业学校", "普通高等学校专科", "本科及以上"],
};

interface RawCondition {
  text: string;
  line: SourceLine;
  material: string;
}

interface LevelGroup {
  cell: string;
  line: SourceLine;
  level?: number;
  conditions: RawCondition[];
}

interface Footnote {
  n: number;
  line: SourceLine;
  /** A footnote may hold several lists, one per paragraph ("技工学校…：…", "中等及以上职业学校…：…"). */
  paragraphs: { label: string; body: string; line: SourceLine }[];
}

interface Table {
  occupation: string;
  line: SourceLine;
  groups: LevelGroup[];
  footnotes: Footnote[];
  /** Footnote number → what the table's text marks with it (本职业, 相关职业, 专业). */
  markers: Map<number, { kind: Kind; line: SourceLine }>;
}

type Kind = "self" | "related" | "majors";

interface OwnCondition {
  id: string;
  text: string;
  rule?: unknown;
  materials: { ref: string; schools?: string | School[] }[];
}

interface OccupationOut {
  occupation: string;
  levels: number[];
  conditions: Record<string, OwnCondition[]>;
  relatedOccupations: string[];
  relatedOccupationAliases?: Record<string, string[]>;
  majorLists: { label: string; schools: string | School[]; note?: string; majors: string[] }[];
  /** Footnotes it could not read: kept as the notice words them; they may restrict who can apply. */
  restrictions?: string[];
}

const CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
const circledNumber = (c: string) => CIRCLED.indexOf(c) + 1;

/** Cells of a table line: tabs, or a run of two or more spaces. */
const cellsOf = (text: string) => text.split(/\t| {2,}(?=\S)/);

/** A page rule or page number the PDF's text keeps between rows ("-------------", "- 3 -"). */
const isJunk = (text: string) =>
  /^[\s|\-—–_=+·]*$/.test(text) || /^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$/.test(text) || /^\s*第\s*\d+\s*页(\s*[，,]?\s*共\s*\d+\s*页)?\s*$/.test(text);
const isJunkCell = (cell: string) => /^[\s\-—–_=+|]+$/.test(cell) && /[-—–_=]{3,}/.test(cell);

/**
 * Reads 附件1. `lines`: the notice's lines of 附件1 (from its heading up to 附件2); `previous.conditions`: the previous
 * knowledge folder's conditions.yaml (parsed), whose hand-written data is carried over (everyday names of related
 * occupations; condition ids and material keys for unchanged texts); `planLevels`: each occupation of the plan → its levels.
 */
export function parseAnnex1(
  lines: SourceLine[],
  previous: { conditions?: unknown },
  planLevels: Map<string, number[]>,
): ParseResult<unknown> {
  const review: ReviewItem[] = [];
  const note = (field: string, reason: string, line?: SourceLine) =>
    review.push({ file: FILE, field, reason, ...(line ? { line: line.no, source: line.text.replace(/\t/g, " ").trim().slice(0, 200) } : {}) });

  const prev = readPrevious(previous.conditions, note);
  const tables = readTables(lines, note);
  const materials = new MaterialKeys(prev.materialTexts, note);
  const ids = new ConditionIds(prev.ids);

  const occupations: OccupationOut[] = [];
  for (const table of tables) {
    // "互联网营销师（直播销售员）": the plan's occupation when only the name before the brackets is in the plan.
    const base = table.occupation.replace(/（[^（）]*）$/, "");
    if (!planLevels.has(table.occupation) && base !== table.occupation && planLevels.has(base)) table.occupation = base;
    const occ = table.occupation;
    if (occupations.some((o) => o.occupation === occ)) {
      note(`occupations.${occ}`, `附件1 中${occ}有两张申报条件表（条件只能按职业记录）；只导入了第一张`, table.line);
      continue;
    }
    const out: OccupationOut = { occupation: occ, levels: [], conditions: {}, relatedOccupations: [], majorLists: [] };
    for (const group of table.groups) {
      if (group.level === undefined) {
        note(`occupations.${occ}.levels`, `无法读出级别单元格“${cleanText(group.cell)}”（应为“可申报X级/…”）；其下 ${group.conditions.length} 个条件未导入`, group.line);
        continue;
      }
      const level = group.level;
      if (out.conditions[level]) {
        note(`occupations.${occ}.conditions.${level}`, `${occ}的表中 ${level} 级出现了两次；只导入了第一次`, group.line);
        continue;
      }
      out.levels.push(level);
      const used = new Set<string>();
      out.conditions[level] = group.conditions.map((c, ci) => {
        const field = `occupations.${occ}.conditions.${level}.${ci}`;
        const text = cleanText(c.text);
        const reading = readSentence(text);
        let rule: ParsedRule | undefined;
        if ("rule" in reading) rule = reading.rule;
        else note(`${field}.rule`, `${reading.reason}。条件原文已保留，但规则需人工填写（未填写前不用于资格判断）`, c.line);
        if (!/。$/.test(text)) note(`${field}.text`, "条件句没有以“。”结束，可能与下一行未正确拼接", c.line);
        const mats = readMaterials(c.material);
        let items: MaterialItem[] = [];
        if ("reason" in mats) note(`${field}.materials`, `无法读出申报材料：${mats.reason}`, c.line);
        else items = mats.items;
        if (!items.length) note(`${field}.materials`, "该条件没有申报材料", c.line);
        const id = ids.take(level, text, rule, used);
        return {
          id,
          text,
          ...(rule ? { rule: ruleOut(rule) } : {}),
          materials: items.map((m) => ({ ref: materials.key(m.text, c.line, field), ...(m.schools ? { schools: schoolsOut(m.schools) } : {}) })),
        };
      });
      if (!group.conditions.length) note(`occupations.${occ}.conditions.${level}`, `${occ} ${level} 级没有申报条件`, group.line);
    }
    readFootnotes(table, out, note);
    const aliases = prev.aliases.get(occ);
    if (aliases) {
      const kept = Object.fromEntries(Object.entries(aliases).filter(([name]) => out.relatedOccupations.includes(name)));
      if (Object.keys(kept).length) out.relatedOccupationAliases = kept;
    }
    if (!out.levels.length) throw new ImportError(`附件1 ${occ}的表中没有读出任何级别和申报条件`, table.line.no, table.line.text.trim());
    occupations.push(out);
  }

  // The plan and 附件1 against each other.
  for (const [occ, levels] of planLevels) {
    const out = occupations.find((o) => o.occupation === occ);
    if (!out) {
      note(`occupations.${occ}`, `计划中有${occ}，附件1 中没有它的申报条件表`);
      continue;
    }
    for (const level of levels) {
      if (out.conditions[level]) continue;
      note(
        `occupations.${occ}.conditions.${level}`,
        `计划中有${occ} ${level} 级（${LEVEL_TITLES[level] ?? ""}），附件1 中没有这一级的申报条件；在补上之前，没有人会被判定为符合`,
        tables.find((t) => t.occupation === occ)?.line,
      );
      out.conditions[level] = [];
      // In its place among the table's levels (五级 first).
      const at = out.levels.findIndex((l) => l < level);
      out.levels.splice(at < 0 ? out.levels.length : at, 0, level);
    }
  }
  for (const out of occupations) {
    if (!planLevels.has(out.occupation)) {
      note(`occupations.${out.occupation}`, `附件1 有${out.occupation}的申报条件表，但计划中没有这个职业；已保留它的条件`, tables.find((t) => t.occupation === out.occupation)?.line);
    }
  }

  const data = {
    clause: prev.clause ?? "附件1",
    schoolGroups: Object.fromEntries(Object.entries({ ...prev.schoolGroups, ...SCHOOL_GROUPS }).map(([k, v]) => [k, [...v]])),
    materialTexts: materials.texts(),
    occupations,
  };
  const check = ConditionsFile.safeParse(data);
  if (!check.success) {
    for (const issue of check.error.issues) note(issue.path.join("."), `写出的条件不符合格式：${issue.message}`);
  }
  return { data, review };
}

// ——— The previous folder's data ———

interface Previous {
  clause?: string;
  schoolGroups: Record<string, School[]>;
  materialTexts: Record<string, string>;
  /** level → condition text → id. */
  ids: Map<number, Map<string, string>>;
  aliases: Map<string, Record<string, string[]>>;
}

function readPrevious(raw: unknown, note: (field: string, reason: string) => void): Previous {
  const out: Previous = { schoolGroups: {}, materialTexts: {}, ids: new Map(), aliases: new Map() };
  if (raw === undefined || raw === null) return out;
  const parsed = ConditionsFile.safeParse(raw);
  if (!parsed.success) {
    note("(上一份)", "上一份 conditions.yaml 不符合格式，未能沿用其中手写的内容（相关职业的常用叫法、条件编号、材料键名）");
    return out;
  }
  const p = parsed.data;
  out.clause = p.clause;
  out.schoolGroups = p.schoolGroups;
  out.materialTexts = p.materialTexts;
  const addId = (level: string, text: string, id: string) => {
    const m = out.ids.get(Number(level)) ?? new Map<string, string>();
    if (!m.has(text)) m.set(text, id);
    out.ids.set(Number(level), m);
  };
  for (const [level, list] of Object.entries(p.templates)) for (const c of list) addId(level, c.text, c.id);
  for (const occ of p.occupations) {
    for (const [level, list] of Object.entries(occ.conditions ?? {})) for (const c of list) addId(level, c.text, c.id);
    if (occ.relatedOccupationAliases) out.aliases.set(occ.occupation, occ.relatedOccupationAliases);
  }
  return out;
}

/** Material texts → keys: the previous key for an unchanged text (canned answers name them: {material_workHistory}). */
class MaterialKeys {
  private readonly byText = new Map<string, string>();
  private readonly out = new Map<string, string>();
  constructor(
    private readonly previous: Record<string, string>,
    private readonly note: (field: string, reason: string, line?: SourceLine) => void,
  ) {
    for (const [k, v] of Object.entries(previous)) if (!this.byText.has(v)) this.byText.set(v, k);
  }
  key(text: string, line: SourceLine, field: string): string {
    const known = this.byText.get(text);
    if (known) {
      this.out.set(known, text);
      return known;
    }
    let n = 1;
    while (`material${n}` in this.previous || this.out.has(`material${n}`)) n++;
    const key = `material${n}`;
    this.byText.set(text, key);
    this.out.set(key, text);
    if (Object.keys(this.previous).length) {
      this.note(`materialTexts.${key}`, `新的申报材料文字（上一份通知中没有）：“${text}”（${field}）`, line);
    }
    return key;
  }
  texts(): Record<string, string> {
    const unused = Object.keys(this.previous).filter((k) => !this.out.has(k));
    for (const k of unused) {
      this.note(`materialTexts.${k}`, `上一份通知的申报材料“${this.previous[k]}”在本通知附件1中没有出现；引用 {material_${k}} 的答案需要修改`);
    }
    return Object.fromEntries(this.out);
  }
}

/** Condition ids: the previous id of the same text at the same level, else one made from the rule. */
class ConditionIds {
  constructor(private readonly previous: Map<number, Map<string, string>>) {}
  take(level: number, text: string, rule: ParsedRule | undefined, used: Set<string>): string {
    const base = this.previous.get(level)?.get(text) ?? (rule ? idOf(rule) : "unread");
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
    used.add(id);
    return id;
  }
}

/** An id from a rule: "years-5", "cert5-years-3", "cert3-held-2-student", "age-16-working", "diploma-higher" … */
function idOf(r: ParsedRule): string {
  const parts: string[] = [];
  if (r.certificate) {
    parts.push(`cert${r.certificate.level}`);
    if (r.certificate.yearsHeld !== undefined) parts.push(`held-${r.certificate.yearsHeld}`);
    if (r.certificate.yearsSince !== undefined) parts.push(`years-${r.certificate.yearsSince}`);
  }
  if (r.education) {
    const e = r.education;
    const group = Object.entries(SCHOOL_GROUPS).find(([, g]) => sameSet(g, e.schools))?.[0];
    parts.push(e.relatedMajor ? "diploma" : e.status.includes("在读") ? "student" : "graduate");
    if (e.programs) parts.push(e.programs[0] === "高级工班" ? "senior-class" : "technician-class");
    else if (group && group !== "all") parts.push(group === "技工院校" ? "technical" : group);
  }
  if (r.years !== undefined) parts.push(`years-${r.years}`);
  if (r.age !== undefined) parts.push(`age-${r.age}`);
  if (r.working !== undefined) parts.push(r.working ? "working" : "intending");
  return parts.join("-");
}

const sameSet = <T>(a: T[], b: T[]) => a.length === b.length && a.every((x) => b.includes(x));

/** A school list as conditions.yaml writes it: a group's name where the list is exactly that group. */
function schoolsOut(list: School[]): string | School[] {
  return Object.entries(SCHOOL_GROUPS).find(([, g]) => sameSet(g, list))?.[0] ?? list;
}

function ruleOut(r: ParsedRule): unknown {
  return { ...r, ...(r.education ? { education: { ...r.education, schools: schoolsOut(r.education.schools) } } : {}) };
}

// ——— The layout: tables, rows, footnotes ———

function readTables(lines: SourceLine[], note: (field: string, reason: string, line?: SourceLine) => void): Table[] {
  const tables: Table[] = [];
  let table: Table | undefined;
  let inFootnotes = false;
  let sawHeader = false;
  for (const line of lines) {
    const text = line.text.replace(/\r$/, "");
    if (!text.trim() || isJunk(text)) continue;
    const cells = cellsOf(text).map((c) => c.trim());
    if (cleanText(cells[0]) === "职业名称" || /^职业名称[:：]?\S/.test(cleanText(text)) && /国标版本/.test(text)) {
      const nameCells: string[] = [];
      if (cleanText(cells[0]) === "职业名称") {
        for (const c of cells.slice(1)) {
          if (/^(国标版本|工种)/.test(cleanText(c))) break;
          nameCells.push(c);
        }
      } else {
        nameCells.push(cleanText(text).replace(/^职业名称[:：]?/, "").replace(/(国标版本|工种).*$/, ""));
      }
      const occupation = cleanText(nameCells.join(""));
      if (!occupation) throw new ImportError("附件1 的“职业名称”后没有职业名称", line.no, text.trim());
      table = { occupation, line, groups: [], footnotes: [], markers: new Map() };
      tables.push(table);
      inFootnotes = false;
      sawHeader = false;
      continue;
    }
    if (!table) continue; // the annex's heading and title before the first table
    const first = cleanText(cells[0]);
    if (!inFootnotes && first === "级别" && cells.some((c) => /申报条件/.test(c))) {
      sawHeader = true;
      continue;
    }
    const lead = text.trim()[0];
    if (CIRCLED.includes(lead) || (inFootnotes && !/\t/.test(text))) {
      inFootnotes = true;
      readFootnoteLine(table, line, text.trim());
      continue;
    }
    if (inFootnotes) {
      note(`occupations.${table.occupation}`, "脚注之后出现了表格行，未导入", line);
      continue;
    }
    if (!sawHeader && !table.groups.length) {
      note(`occupations.${table.occupation}`, "没有找到“级别 申报条件 申报材料”表头，按表格行读取", line);
      sawHeader = true;
    }
    readRow(table, line, cells, note);
  }
  if (!tables.length) {
    const at = lines.find((l) => l.text.trim());
    throw new ImportError("附件1 中没有找到任何职业的申报条件表（“职业名称 … 国标版本 …”）", at?.no, at?.text.trim());
  }
  for (const t of tables) {
    const last = t.groups[t.groups.length - 1];
    if (last && last.level === undefined) settleLevel(last);
    // Markers are read from whole sentences: "相关" / "职业②" may be on two lines.
    for (const g of t.groups) for (const c of g.conditions) markersOf(t, c.line, c.text);
  }
  return tables;
}

/** Completes a level cell that never got its title ("可申报四级"): the number alone, when the cell names one. */
function settleLevel(group: LevelGroup): void {
  if (group.level !== undefined) return;
  const r = levelOfCell(group.cell);
  if (r.level !== undefined && !r.mismatch) group.level = r.level;
}

/** Whether a cell is (a piece of) a level cell: "具备以下" / "条件之一者，可申报三级/高级工" / "一级/高级 技师". */
const isLevelPiece = (cell: string) =>
  /^(?:具备以下)?(?:条件之一者)?[，,]?(?:可申报)?(?:[一二三四五]级)?\/?(?:初级工|中级工|高级工|高级技师|高级|技师)?$/.test(cleanText(cell)) &&
  cleanText(cell) !== "";

function readRow(table: Table, line: SourceLine, cells: string[], note: (field: string, reason: string, line?: SourceLine) => void): void {
  // A row whose first cell is no level text lost its empty level cell (a line the PDF broke, or a dropped tab).
  const single = cells.length === 1;
  if (cells[0] && !isJunkCell(cells[0]) && !isLevelPiece(cells[0]) && !/具备|可申报|条件之一/.test(cells[0])) cells = ["", ...cells];
  const levelCell = isJunkCell(cells[0]) ? "" : cells[0];
  const rest = cells.slice(1).map((c) => (isJunkCell(c) ? "" : c));
  let group = table.groups[table.groups.length - 1];
  if (levelCell) {
    const open = group && group.level === undefined && !/^具备/.test(cleanText(levelCell));
    if (open) group.cell += levelCell;
    else {
      if (group) settleLevel(group);
      group = { cell: levelCell, line, conditions: [] };
      table.groups.push(group);
    }
    const r = levelOfCell(group.cell);
    if (r.mismatch) note(`occupations.${table.occupation}.levels`, `级别与等级名称不一致：“${r.mismatch}”`, line);
    else if (r.complete) group.level = r.level;
  }
  const filled = rest.map((text, i) => ({ text: text.trim(), i })).filter((c) => c.text);
  if (!filled.length) return;
  if (!group) {
    note(`occupations.${table.occupation}`, "表格行前没有级别单元格，未导入", line);
    return;
  }
  const current = group.conditions[group.conditions.length - 1];
  const open = current && !/[。.]\s*$/.test(current.text.trim());
  if (filled.length === 1) {
    const only = filled[0];
    if (open) current.text += only.text;
    // After an empty cell, or on a line of its own that is no sentence: the rest of the material above.
    else if (current && (only.i > 0 || (single && !/。$/.test(only.text)))) current.material = joinMaterial(current.material, only.text);
    else group.conditions.push({ text: only.text, line, material: "" });
    return;
  }
  const [conditionCell, ...materialCells] = filled;
  const material = materialCells.map((c) => c.text).join(" ");
  if (open) {
    current.text += conditionCell.text;
    current.material = joinMaterial(current.material, material);
  } else {
    group.conditions.push({ text: conditionCell.text, line, material });
  }
}

/** A material cell's next piece: a numbered item after a space, the rest of a broken word directly. */
const joinMaterial = (before: string, next: string) =>
  !before ? next : /^(?:或\s*)?\d{1,2}[.．]/.test(next.trim()) ? `${before} ${next}` : before + next;

/** Footnote markers in a condition: what each marks (本职业①, 相关职业②, 相关专业③). */
function markersOf(table: Table, line: SourceLine, text: string): void {
  const t = text.replace(/\*\*/g, "").replace(/\s+/g, "");
  for (const m of t.matchAll(/(本职业|相关职业|专业)([①-⑳])/gu)) {
    const kind: Kind = m[1] === "本职业" ? "self" : m[1] === "相关职业" ? "related" : "majors";
    const n = circledNumber(m[2]);
    if (!table.markers.has(n)) table.markers.set(n, { kind, line });
  }
}

function readFootnoteLine(table: Table, line: SourceLine, text: string): void {
  let body = text;
  let fn = table.footnotes[table.footnotes.length - 1];
  if (CIRCLED.includes(text[0])) {
    fn = { n: circledNumber(text[0]), line, paragraphs: [] };
    table.footnotes.push(fn);
    body = text.slice(1);
  }
  const clean = body.replace(/\*\*/g, "").trim();
  const colon = /^([^：:]{1,30})[：:]/.exec(clean);
  const label = colon && /职业|专业/.test(colon[1]) ? cleanText(colon[1]) : undefined;
  if (label !== undefined || !fn.paragraphs.length || fn.line === line) {
    fn.paragraphs.push({ label: label ?? "", body: label !== undefined ? clean.slice(colon![0].length) : clean, line });
  } else {
    // A list broken over lines: the rest of the paragraph above.
    fn.paragraphs[fn.paragraphs.length - 1].body += clean;
  }
}

function kindOfLabel(label: string): Kind | undefined {
  if (label === "本职业") return "self";
  if (/相关职业$/.test(label)) return "related";
  if (/专业/.test(label)) return "majors";
  return undefined;
}

/** Splits a list: "，" where the notice separates with it (names then keep their "、": 轨道、道路、航空、水上货物运输人员). */
function splitList(body: string): string[] {
  const sep = /，/.test(body) ? "，" : "、";
  return body.split(sep).map((s) => s.trim()).filter(Boolean);
}

/** A list's body without "，下同。" and its closing "等" / "等专业" / "等…类专业" (returned as the note). */
export function listBody(raw: string): { items: string[]; note?: string } {
  let body = cleanText(raw).replace(/[。.]$/, "").replace(/[，、]?下同$/, "").replace(/[。.]$/, "");
  let note: string | undefined;
  const tail = /等((?:[^、，等]*类、)*[^、，等]*(?:专业|职业|工种))$/.exec(body);
  if (tail) {
    note = `等${tail[1]}`;
    body = body.slice(0, tail.index);
  } else body = body.replace(/等$/, "");
  return { items: splitList(body), note };
}

/** The school types a major list's label names ("技工学校本专业或相关专业", "相关专业（普通高等学校）"). */
function labelSchool(label: string): string | undefined {
  const inParens = /（([^（）]+)）/.exec(label);
  if (inParens) return inParens[1];
  const before = /^(.*?)(?:本专业或相关专业|相关专业)$/.exec(label);
  return before ? before[1] : undefined;
}

function readFootnotes(table: Table, out: OccupationOut, note: (field: string, reason: string, line?: SourceLine) => void): void {
  const occ = table.occupation;
  const majorParagraphs: { label: string; school: string; body: string; line: SourceLine }[] = [];
  for (const fn of table.footnotes) {
    const marked = table.markers.get(fn.n);
    for (const p of fn.paragraphs) {
      const byLabel = kindOfLabel(p.label);
      const kind = byLabel ?? marked?.kind;
      if (byLabel && marked && byLabel !== marked.kind) {
        note(`occupations.${occ}`, `脚注${CIRCLED[fn.n - 1]}的标题“${p.label}”与表中该标记所在的位置不符`, p.line);
      }
      if (!kind) {
        note(`occupations.${occ}`, `无法判断脚注${CIRCLED[fn.n - 1]}的内容（既无“相关职业/专业”标题，表中也没有它的标记）：已记为限制（restrictions），涉及的考生不会得到“可以报”，而是请其致电确认`, p.line);
        (out.restrictions ??= []).push(p.label ? `${p.label}：${p.body}` : p.body);
        continue;
      }
      if (kind === "self") {
        const name = listBody(p.body).items.join("、");
        if (name !== occ) note(`occupations.${occ}`, `脚注“本职业”写的是“${name}”，与表的职业名称“${occ}”不同`, p.line);
      } else if (kind === "related") {
        if (out.relatedOccupations.length) note(`occupations.${occ}.relatedOccupations`, "有两处相关职业脚注，已合并", p.line);
        out.relatedOccupations.push(...listBody(p.body).items.filter((x) => !out.relatedOccupations.includes(x)));
      } else {
        majorParagraphs.push({ label: p.label || "本专业或相关专业", school: labelSchool(p.label || "本专业或相关专业") ?? "", body: p.body, line: p.line });
      }
    }
  }
  for (const [n, m] of table.markers) {
    if (!table.footnotes.some((f) => f.n === n)) note(`occupations.${occ}`, `表中有标记${CIRCLED[n - 1]}，但没有这个脚注`, m.line);
  }
  // Which school types each list is for. 普通高等学校专科 is a 专科 of a 普通高等学校: it has the 普通高等学校 list when
  // there is one, else both the 高等职业学校 and the 本科院校 lists; 中等及以上职业学校 means 中职 (and 高职 when no
  // list names 高职).
  const named = majorParagraphs.map((p) => p.school);
  const hasHigherVocational = named.some((s) => /^高等职业(学校|院校)$|^高职$/.test(s));
  const hasGeneralHigher = named.some((s) => /^(专科及以上)?普通高等学校$/.test(s));
  for (const p of majorParagraphs) {
    const { items, note: listNote } = listBody(p.body);
    let schools: string | School[] | undefined;
    switch (p.school) {
      case "":
        schools = "all";
        break;
      case "技工学校":
      case "技工院校":
        schools = "技工院校";
        break;
      case "中等职业学校":
      case "中等职业院校":
        schools = ["中等职业学校"];
        break;
      case "中等及以上职业学校":
      case "中等及以上职业院校":
        schools = hasHigherVocational ? ["中等职业学校"] : ["中等职业学校", "高等职业学校"];
        break;
      case "高等职业学校":
      case "高等职业院校":
      case "高职":
        schools = hasGeneralHigher ? ["高等职业学校"] : ["高等职业学校", "普通高等学校专科"];
        break;
      case "本科院校":
      case "本科":
      case "本科及以上":
      case "本科及以上普通高等学校":
        schools = hasGeneralHigher ? ["本科及以上"] : ["本科及以上", "普通高等学校专科"];
        break;
      case "普通高等学校":
      case "专科及以上普通高等学校":
        schools = ["普通高等学校专科", "本科及以上"];
        break;
    }
    if (!schools) {
      note(`occupations.${occ}.majorLists`, `专业目录“${p.label}”的学校类型无法识别，未导入`, p.line);
      continue;
    }
    if (!items.length) {
      note(`occupations.${occ}.majorLists`, `专业目录“${p.label}”是空的`, p.line);
      continue;
    }
    out.majorLists.push({ label: p.label, schools, ...(listNote ? { note: listNote } : {}), majors: items });
  }
  const usesMajors = Object.values(out.conditions).some((list) =>
    list.some((c) => (c.rule as ParsedRule | undefined)?.education?.relatedMajor),
  );
  if (usesMajors && !out.majorLists.length) note(`occupations.${occ}.majorLists`, `${occ}的条件要求“本专业或相关专业”，但没有读到专业目录`, table.line);
  if (!out.relatedOccupations.length) note(`occupations.${occ}.relatedOccupations`, `没有读到${occ}的相关职业`, table.line);
  // Which school types have no list though a condition admits them with a related major.
  if (usesMajors && out.majorLists.length) {
    const covered = new Set(out.majorLists.flatMap((l) => (typeof l.schools === "string" ? SCHOOL_GROUPS[l.schools] ?? [] : l.schools)));
    const admitted = new Set(
      Object.values(out.conditions).flatMap((list) =>
        list.flatMap((c) => {
          const e = (c.rule as ParsedRule | undefined)?.education;
          if (!e?.relatedMajor) return [];
          return typeof e.schools === "string" ? SCHOOL_GROUPS[e.schools] ?? [] : e.schools;
        }),
      ),
    );
    const missing = [...admitted].filter((s) => !covered.has(s));
    if (missing.length) note(`occupations.${occ}.majorLists`, `这些学校类型没有专业目录：${missing.join("、")}`, table.line);
  }
}
