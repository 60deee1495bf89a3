/**
 * What changed between two notice folders, compared as the product loads them (plan months resolved, 附件1's rules
 * resolved), so the comparison does not depend on how a file is written.
 */
import type { Knowledge } from "../knowledge/load.js";

export interface Change {
  /** 通知 | 计划 | 职业 | 工种 | 收费 | 申报条件 | 考务 | 照片 | 身份证明 | 评价方式 | 联系方式 */
  section: string;
  /** What it is about ("电子商务师 四级", "业务受理地址"). */
  item: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const LEVEL = ["", "一级", "二级", "三级", "四级", "五级"];
const months = (m: number[]) => m.map((x) => `${x}月`).join("、");

export function diffKnowledge(prev: Knowledge, next: Knowledge): Change[] {
  const out: Change[] = [];
  const cmp = (section: string, item: string, before: unknown, after: unknown) => {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    out.push({ section, item, kind: before === undefined ? "added" : after === undefined ? "removed" : "changed", before, after });
  };

  // The notice itself.
  const NOTICE_FIELDS = { year: "年份", docNumber: "文号", date: "日期", title: "标题", standard: "国家职业标准", issuer: "发文单位" } as const;
  for (const [k, label] of Object.entries(NOTICE_FIELDS) as [keyof typeof NOTICE_FIELDS, string][]) cmp("通知", label, prev.notice[k], next.notice[k]);

  // Occupations and tracks.
  const occ = (kb: Knowledge) => kb.occupations.occupations.map((o) => o.name);
  const trk = (kb: Knowledge) => kb.occupations.tracks.map((t) => `${t.occupation}/${t.name}`);
  for (const n of occ(next)) if (!occ(prev).includes(n)) out.push({ section: "职业", item: n, kind: "added", after: n });
  for (const n of occ(prev)) if (!occ(next).includes(n)) out.push({ section: "职业", item: n, kind: "removed", before: n });
  for (const n of trk(next)) if (!trk(prev).includes(n)) out.push({ section: "工种", item: n, kind: "added", after: n });
  for (const n of trk(prev)) if (!trk(next).includes(n)) out.push({ section: "工种", item: n, kind: "removed", before: n });

  // The plan: months per occupation/track/level; levels added or removed.
  const plan = (kb: Knowledge) => new Map(kb.plan.rows.map((r) => [`${r.occupation}${r.track ? `/${r.track}` : ""} ${LEVEL[r.level]}`, months(r.months)]));
  const [pp, np] = [plan(prev), plan(next)];
  for (const [k, v] of np) cmp("计划", k, pp.get(k), v);
  for (const [k, v] of pp) if (!np.has(k)) cmp("计划", k, v, undefined);

  // Fees.
  const fees = (kb: Knowledge) =>
    new Map(
      kb.fees.tables.flatMap((t) =>
        t.rows.map((r) => [
          `${t.occupation} ${LEVEL[r.level]}`,
          `${kb.fees.subjects.theory}${r.theory}元、${kb.fees.subjects.skill}${r.skill}元${r.review === null ? "" : `、${kb.fees.subjects.review}${r.review}元`}，合计${r.total}元`,
        ]),
      ),
    );
  const [pf, nf] = [fees(prev), fees(next)];
  for (const [k, v] of nf) cmp("收费", k, pf.get(k), v);
  for (const [k, v] of pf) if (!nf.has(k)) cmp("收费", k, v, undefined);

  // 附件1: each condition's rule (its numbers), related occupations and majors.
  const conds = (kb: Knowledge) => {
    const m = new Map<string, unknown>();
    for (const [o, r] of kb.rules) {
      for (const [level, list] of r.levels) list.forEach((c, i) => m.set(`${o} ${LEVEL[level]} 条件${i + 1}`, { text: c.text, rule: c.rule }));
    }
    return m;
  };
  const [pc, nc] = [conds(prev), conds(next)];
  for (const [k, v] of nc) {
    const b = pc.get(k) as { text: string; rule: unknown } | undefined;
    const a = v as { text: string; rule: unknown };
    if (!b) cmp("申报条件", k, undefined, a.text);
    else if (JSON.stringify(b.rule) !== JSON.stringify(a.rule)) cmp("申报条件", k, b, a);
    else if (b.text !== a.text) cmp("申报条件", `${k}（文字）`, b.text, a.text);
  }
  for (const [k, v] of pc) if (!nc.has(k)) cmp("申报条件", k, (v as { text: string }).text, undefined);
  for (const [o, r] of next.rules) {
    const b = prev.rules.get(o);
    if (!b) continue;
    const added = r.relatedOccupations.filter((x) => !b.relatedOccupations.includes(x));
    const removed = b.relatedOccupations.filter((x) => !r.relatedOccupations.includes(x));
    if (added.length || removed.length) out.push({ section: "申报条件", item: `${o} 相关职业`, kind: "changed", before: removed.length ? { 删除: removed } : undefined, after: added.length ? { 新增: added } : undefined });
    for (const l of r.majorLists) {
      const bl = b.majorLists.find((x) => x.label === l.label);
      if (!bl) continue;
      const add = l.majors.filter((x) => !bl.majors.includes(x));
      const rem = bl.majors.filter((x) => !l.majors.includes(x));
      if (add.length || rem.length) out.push({ section: "申报条件", item: `${o} ${l.label}`, kind: "changed", before: rem.length ? { 删除: rem } : undefined, after: add.length ? { 新增: add } : undefined });
    }
    const labels = (x: typeof r) => x.majorLists.map((l) => l.label);
    cmp("申报条件", `${o} 专业目录`, labels(b), labels(r));
  }

  // Process numbers.
  cmp("考务", "准考证：考试开始前几日起可打印", prev.notice.ticket.daysBeforeExam, next.notice.ticket.daysBeforeExam);
  const res = (kb: Knowledge) => (kb.notice as { results?: { withinWorkingDays: number; publicityDays: number } }).results;
  cmp("考务", "成绩：认定结束后几个工作日内公示", res(prev)?.withinWorkingDays, res(next)?.withinWorkingDays);
  cmp("考务", "成绩：公示期（天）", res(prev)?.publicityDays, res(next)?.publicityDays);
  cmp("考务", "补考：单科合格成绩保留（年）", prev.notice.retake.keepYears, next.notice.retake.keepYears);
  const retakes = (kb: Knowledge) => (kb.notice.retake as { retakes?: number }).retakes;
  cmp("考务", "补考：补考机会（次）", retakes(prev), retakes(next));

  // The photo and identity documents.
  const [a, b] = [prev.materials.photo, next.materials.photo];
  cmp("照片", "格式", a.format, b.format);
  cmp("照片", "高（像素，大于）", a.minHeightPx, b.minHeightPx);
  cmp("照片", "宽（像素，大于）", a.minWidthPx, b.minWidthPx);
  cmp("照片", "文件大小（KB）", `${a.minSizeKB}-${a.maxSizeKB}`, `${b.minSizeKB}-${b.maxSizeKB}`);
  cmp("照片", "拍照要求", a.rules, b.rules);
  const ids = (kb: Knowledge) => new Map(kb.materials.identity.groups.map((g) => [g.label, g.documents.join(g.joiner)]));
  const [pi, ni] = [ids(prev), ids(next)];
  for (const [k, v] of ni) cmp("身份证明", k, pi.get(k), v);
  for (const [k, v] of pi) if (!ni.has(k)) cmp("身份证明", k, v, undefined);

  // Evaluation.
  const ev = (kb: Knowledge) => new Map(kb.evaluation.subjects.map((s) => [s.name, s.method]));
  const [pe, ne] = [ev(prev), ev(next)];
  for (const [k, v] of ne) cmp("评价方式", k, pe.get(k), v);
  for (const [k, v] of pe) if (!ne.has(k)) cmp("评价方式", k, v, undefined);

  // Contacts.
  const c0 = prev.contacts;
  const c1 = next.contacts;
  cmp("联系方式", "业务受理地址", c0.address.text, c1.address.text);
  cmp("联系方式", "业务受理时间", c0.hours.text, c1.hours.text);
  cmp("联系方式", "业务咨询电话", c0.hotline.text, c1.hotline.text);
  cmp("联系方式", "业务查询网址", c0.website.text, c1.website.text);
  cmp("联系方式", "投诉电话", c0.complaint.phone, c1.complaint.phone);
  cmp("联系方式", "投诉邮箱", c0.complaint.email, c1.complaint.email);
  cmp("联系方式", "证书查询网址", c0.certificateLookup.text, c1.certificateLookup.text);
  return out;
}

const show = (v: unknown): string => (v === undefined ? "（无）" : typeof v === "string" || typeof v === "number" ? String(v) : JSON.stringify(v));

/** The changes as lines for a terminal, grouped by section. */
export function formatChanges(changes: Change[]): string {
  if (!changes.length) return "与上一份知识库相比没有变化。";
  const lines: string[] = [];
  let section = "";
  for (const c of changes) {
    if (c.section !== section) {
      section = c.section;
      lines.push(`【${section}】`);
    }
    if (c.kind === "added") lines.push(`  + ${c.item}${c.after !== c.item ? `：${show(c.after)}` : ""}`);
    else if (c.kind === "removed") lines.push(`  - ${c.item}${c.before !== c.item ? `（原：${show(c.before)}）` : ""}`);
    else lines.push(`  * ${c.item}：${show(c.before)} → ${show(c.after)}`);
  }
  return lines.join("\n");
}
