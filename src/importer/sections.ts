/** The notice's outline: the head, its parts (一、…五、), their sub-clauses (（一）…) and items (1. …), the annexes. */
import { ImportError, type SourceLine } from "./types.js";
import { isJunk, tidy } from "./text.js";

export interface Part {
  /** "一", "二", … */
  key: string;
  heading: string;
  line: SourceLine;
  body: SourceLine[];
}

export interface SubClause {
  /** "（一）" as a key: the Chinese numeral ("一"). */
  key: string;
  /** The text on the heading line after the marker ("报名方式", or "业务受理地址：北京市…"). */
  title: string;
  line: SourceLine;
  body: SourceLine[];
}

export interface Item {
  n: number;
  line: SourceLine;
  /** The item's lines, the first without its "1." marker. */
  lines: SourceLine[];
}

export interface Outline {
  lines: SourceLine[];
  /** Lines before the first part. */
  head: SourceLine[];
  parts: Part[];
  /** Annex number → its lines after the "附件 N" line. */
  annexes: Map<number, SourceLine[]>;
  annexLines: Map<number, SourceLine>;
}

const NUMERALS = "一二三四五六七八九十";
const PART = /^([一二三四五六七八九十]{1,2})\s*[、.．]\s*(\S.*)$/u;
const SUB = /^[（(]\s*([一二三四五六七八九十]{1,2})\s*[)）]\s*(.*)$/u;
const ITEM = /^(\d{1,2})\s*[.．、](?!\d)\s*(.*)$/u;
const ANNEX = /^附\s*件\s*(\d{1,2}|[一二三四五六七八九十])\s*(?:[:：].*)?$/u;

const numeral = (s: string): number => (/^\d+$/.test(s) ? Number(s) : NUMERALS.indexOf(s) + 1);

/** Reads the outline; a text without parts 一… or without any annex is not a notice of this layout. */
export function outline(lines: SourceLine[]): Outline {
  const head: SourceLine[] = [];
  const parts: Part[] = [];
  const annexes = new Map<number, SourceLine[]>();
  const annexLines = new Map<number, SourceLine>();
  let currentAnnex: number | undefined;
  for (const line of lines) {
    const t = tidy(line.text);
    const a = ANNEX.exec(t);
    if (a) {
      const n = numeral(a[1]);
      if (!annexes.has(n)) {
        currentAnnex = n;
        annexes.set(n, []);
        annexLines.set(n, line);
        continue;
      }
    }
    if (currentAnnex !== undefined) {
      annexes.get(currentAnnex)!.push(line);
      continue;
    }
    const p = PART.exec(t);
    // A part heading is the next numeral in order (一、 then 二、 …), so a stray "三、" inside a text is not taken for one.
    if (p && p[1] === NUMERALS[parts.length] && !/\t/.test(line.text)) {
      parts.push({ key: p[1], heading: p[2].trim(), line, body: [] });
      continue;
    }
    if (parts.length) parts[parts.length - 1].body.push(line);
    else head.push(line);
  }
  if (!parts.length) {
    throw new ImportError("没有找到通知的正文部分（“一、认定项目及实施机构”等）：这不像一份认定通知");
  }
  return { lines, head, parts, annexes, annexLines };
}

export const partOf = (o: Outline, key: string): Part | undefined => o.parts.find((p) => p.key === key);

/** The sub-clauses of a part: "（一）报名方式" and the lines up to the next one. */
export function subClauses(body: SourceLine[]): SubClause[] {
  const out: SubClause[] = [];
  for (const line of body) {
    const m = SUB.exec(tidy(line.text));
    if (m && (out.length === 0 || m[1] === NUMERALS[numeral(out[out.length - 1].key)])) {
      out.push({ key: m[1], title: m[2].trim(), line, body: [] });
    } else if (out.length) out[out.length - 1].body.push(line);
  }
  return out;
}

/** The numbered items of a sub-clause ("1. 有效身份证明：…"); lines before the first item are not part of any. */
export function items(body: SourceLine[]): Item[] {
  const out: Item[] = [];
  for (const line of body) {
    const m = ITEM.exec(tidy(line.text));
    if (m && Number(m[1]) === out.length + 1) out.push({ n: Number(m[1]), line, lines: [{ no: line.no, text: m[2] }] });
    else if (out.length) out[out.length - 1].lines.push(line);
  }
  return out;
}

/** Non-empty lines, without page-break rules. */
export const content = (lines: SourceLine[]): SourceLine[] => lines.filter((l) => tidy(l.text) && !isJunk(l.text));

/**
 * The text of a run of lines as one paragraph: the PDF breaks sentences across lines and pages ("居民身" / "份证原件"),
 * so lines are joined without a space (a space is kept between two Latin words).
 */
export function joinText(lines: SourceLine[]): string {
  let out = "";
  for (const l of content(lines)) {
    const t = tidy(l.text);
    out += out && /[A-Za-z0-9]$/.test(out) && /^[A-Za-z0-9]/.test(t) ? ` ${t}` : t;
  }
  return out;
}
