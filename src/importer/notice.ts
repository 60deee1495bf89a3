/**
 * The notice's facts outside the tables: the head (issuer, document number, title, year, basis), the parts' headings,
 * the sub-clauses' texts, the process numbers (三), the materials (三（二）), the contacts (四), the evaluation (二)
 * and the adjustment clause (五). Each value the importer cannot read becomes a review item; where the file needs a
 * value, the previous folder's is kept and the item says so.
 */
import { ImportError, type ReviewItem, type SourceLine } from "./types.js";
import { content, items, joinText, partOf, subClauses, type Outline, type Part, type SubClause } from "./sections.js";
import { NUM, asciiDigits, cells, parseDate, parseNumber, sourceOf, squeeze, tidy } from "./text.js";

/** What the importer needs from the previous folder: its files as parsed YAML (loosely typed). */
export interface PreviousFiles {
  dir: string;
  notice: Record<string, any>;
  plan: Record<string, any>;
  occupations: Record<string, any>;
  fees: Record<string, any>;
  conditions: Record<string, any>;
  materials: Record<string, any>;
  contacts: Record<string, any>;
  evaluation: Record<string, any>;
  answers: Record<string, any>;
  /** answers.yaml as text, copied as it is (comments included). */
  answersText: string;
}

export interface Clause {
  text: string;
  line: number;
}

export interface NoticeFacts {
  notice: Record<string, unknown>;
  materials: Record<string, unknown>;
  contacts: Record<string, unknown>;
  evaluation: Record<string, unknown>;
  organiser: string;
  clauses: Map<string, Clause>;
  /** The part holding the plan table. */
  planPart: Part;
}

const ID_GROUPS: [RegExp, string, string][] = [
  [/大陆|内地/, "mainland", "中国大陆考生"],
  [/香港/, "hongkong", "中国香港考生"],
  [/澳门/, "macau", "中国澳门考生"],
  [/台湾/, "taiwan", "中国台湾考生"],
  [/非中国籍|外籍|外国/, "foreign", "非中国籍考生"],
];

export function parseNoticeFacts(o: Outline, prev: PreviousFiles, review: ReviewItem[]): NoticeFacts {
  const need = <T>(file: string, field: string, value: T | undefined, fallback: T | undefined, reason: string, line?: SourceLine): T => {
    if (value !== undefined && value !== "") return value;
    review.push({
      file,
      field,
      line: line?.no,
      source: sourceOf(line),
      reason: fallback === undefined ? `${reason}` : `${reason}；已沿用上一份通知的值“${typeof fallback === "object" ? JSON.stringify(fallback) : String(fallback)}”，请核对`,
    });
    if (fallback === undefined) throw new ImportError(reason, line?.no, sourceOf(line));
    return fallback;
  };

  // --- the head
  const head = content(o.head);
  const docLine = head.find((l) => /〔\s*\d{4}\s*〕\s*\d+\s*号/u.test(l.text) || /\[\s*\d{4}\s*\]\s*\d+\s*号/.test(l.text));
  let titleLine = head.find((l) => /^关于.*通知$/u.test(tidy(l.text))) ?? head.find((l) => /通知$/u.test(tidy(l.text)) && /\d{4}\s*年/.test(l.text));
  const issuerLine = head.find((l) => l !== docLine && l !== titleLine && /(公司|中心|局|院|协会|学会|委员会|厅|部)$/u.test(tidy(l.text)));
  const basisLine = head.find((l) => /^根据/.test(tidy(l.text)));
  // A title broken over lines ("关于开展2025年……认定" / "有关工作的通知") is joined.
  const titleStart = titleLine ? undefined : head.findIndex((l) => /^关于/u.test(tidy(l.text)));
  const titleEnd = titleStart !== undefined && titleStart >= 0 ? head.findIndex((l, i) => i > titleStart && i <= titleStart + 3 && /通知$/u.test(tidy(l.text))) : -1;
  const title = titleLine
    ? tidy(titleLine.text)
    : titleEnd > 0
      ? head.slice(titleStart, titleEnd + 1).map((l) => tidy(l.text)).join("")
      : undefined;
  titleLine ??= titleEnd > 0 ? head[titleStart!] : undefined;
  if (!title) throw new ImportError("没有找到通知标题（“关于……的通知”）", head[0]?.no, sourceOf(head[0]));
  const yearMatch = /(\d{4})\s*年/u.exec(asciiDigits(title));
  if (!yearMatch) throw new ImportError("通知标题里没有年份", titleLine!.no, sourceOf(titleLine));
  const year = Number(yearMatch[1]);
  if (year < 2000 || year > 2100) throw new ImportError(`通知标题里的年份 ${year} 不合理`, titleLine!.no, sourceOf(titleLine));
  const issuer = need("notice.yaml", "issuer", issuerLine && tidy(issuerLine.text), prev.notice.issuer, "没有找到发文单位", head[0]);
  const docNumber = need("notice.yaml", "docNumber", docLine && squeeze(docLine.text), undefined, "没有找到通知文号（如“中教培〔2023〕66号”）", head[0]);
  const basis = need("notice.yaml", "basis", basisLine && /^根据(.+?)[，,]\s*现将/u.exec(tidy(basisLine.text))?.[1], prev.notice.basis, "没有读出通知的依据（“根据……，现将”）", basisLine);
  if (basisLine && !basis.includes(String(year)) && /\d{4}年度/.test(basis)) {
    review.push({ file: "notice.yaml", field: "basis", line: basisLine.no, source: sourceOf(basisLine), reason: `依据中的年度与通知年份 ${year} 不一致，请核对` });
  }

  // --- the parts, found by their headings' words (so a part added or moved is still found)
  const find = (re: RegExp) => o.parts.find((p) => re.test(p.heading));
  const planPart = o.parts.find((p) => p.body.some((l) => /序号/.test(l.text) && /月/.test(l.text))) ?? partOf(o, "一");
  if (!planPart) throw new ImportError("没有找到认定计划（第一部分）");
  const evalPart = find(/评价方式/);
  const processPart = find(/考务|要求/);
  const contactPart = find(/业务受理|联系/);
  const lastPart = o.parts[o.parts.length - 1];
  const adjustPart = find(/情况说明|其他|附则/) ?? lastPart;

  const clauses = new Map<string, Clause>();
  const put = (key: string, text: string, line: SourceLine) => {
    if (text) clauses.set(key, { text, line: line.no });
  };

  // 一: the prose before the table.
  const tableAt = planPart.body.findIndex((l) => /序号/.test(l.text));
  const planProse = joinText(planPart.body.slice(0, tableAt < 0 ? planPart.body.length : tableAt));
  put(planPart.key, planProse, planPart.line);
  const planProseLine = content(planPart.body)[0] ?? planPart.line;
  const organiser = need("plan.yaml", "organiser", /认定工作由(.+?)组织实施/u.exec(planProse)?.[1], prev.plan.organiser, "没有读出组织实施单位（“认定工作由……组织实施”）", planProseLine);
  const certificateIssuer = need("notice.yaml", "certificateIssuer", /由(.+?)颁发/u.exec(planProse.replace(/^.*组织实施，?(?:并)?/u, ""))?.[1], prev.notice.certificateIssuer, "没有读出颁发证书的单位（“由……颁发”）", planProseLine);
  const yearInPlan = /(\d{4})\s*年/u.exec(planProse)?.[1];
  if (yearInPlan && Number(yearInPlan) !== year) {
    review.push({ file: "plan.yaml", field: "rows", line: planProseLine.no, source: sourceOf(planProseLine), reason: `计划说明中的年份 ${yearInPlan} 与标题年份 ${year} 不一致，请核对` });
  }

  // 二: the evaluation table.
  const evaluation = parseEvaluation(evalPart, prev, review);
  if (evalPart) {
    put(evalPart.key, content(evalPart.body).map((l) => cells(l.text).map(tidy).filter(Boolean).join("，")).join("；"), evalPart.line);
  }

  // 三 and 四: sub-clauses and items.
  const subs = (part: Part | undefined): SubClause[] => (part ? subClauses(part.body) : []);
  const textOf = (s: SubClause): string => {
    const title = /[:：]/.test(s.title) ? [{ no: s.line.no, text: s.title }] : [];
    return joinText([...title, ...s.body]);
  };
  for (const part of [processPart, contactPart].filter((p): p is Part => !!p)) {
    for (const s of subs(part)) {
      const its = items(s.body);
      if (its.length) {
        const before = joinText(s.body.slice(0, s.body.indexOf(its[0].line)));
        if (before) put(`${part.key}（${s.key}）`, before, s.line);
        for (const it of its) put(`${part.key}（${s.key}）${it.n}`, joinText(it.lines), it.line);
      } else put(`${part.key}（${s.key}）`, textOf(s), /[:：]/.test(s.title) ? s.line : (content(s.body)[0] ?? s.line));
    }
  }
  // Other parts (五 …) as a whole, without the sign-off (issuer and date) at the end of the last part.
  let signoffDate: string | undefined;
  let dateLine: SourceLine | undefined;
  let lastBody = content(lastPart.body);
  while (lastBody.length) {
    const last = lastBody[lastBody.length - 1];
    const d = parseDate(last.text);
    if (d && tidy(last.text).length <= 16) {
      signoffDate ??= d;
      dateLine ??= last;
    } else if (tidy(last.text) !== issuer) break;
    lastBody = lastBody.slice(0, -1);
  }
  for (const part of o.parts) {
    if (part === planPart || part === evalPart || part === processPart || part === contactPart) continue;
    put(part.key, joinText(part === lastPart ? lastBody : part.body), part.line);
  }

  const processSubs = subs(processPart);
  const sub = (re: RegExp) => processSubs.find((s) => re.test(s.title));
  const clauseKey = (s: SubClause | undefined, n?: number) => (s && processPart ? `${processPart.key}（${s.key}）${n ?? ""}` : undefined);
  const clauseLine = (key: string | undefined): SourceLine | undefined => {
    const c = key ? clauses.get(key) : undefined;
    return c ? o.lines[c.line - 1] : undefined;
  };

  // 三（四）: the admission ticket.
  const ticketSub = sub(/准考证/);
  const ticketKey = clauseKey(ticketSub);
  const ticketText = ticketKey ? clauses.get(ticketKey)?.text ?? "" : "";
  const ticketDays = need("notice.yaml", "ticket.daysBeforeExam", num(new RegExp(`(?:考试开始|开考|考试|考)前\\s*${NUM}\\s*[日天]`, "u"), ticketText), prev.notice.ticket?.daysBeforeExam, "没有读出准考证从考前几日起可打印（三（四））", clauseLine(ticketKey) ?? ticketSub?.line);

  // 三（五）: results and the certificate lookup.
  const resultSub = sub(/成绩/);
  const resultItems = resultSub ? items(resultSub.body) : [];
  const resultItem = resultItems.find((it) => /公示/.test(joinText(it.lines)));
  const resultKey = resultItem ? clauseKey(resultSub, resultItem.n) : clauseKey(resultSub);
  const resultText = resultKey ? clauses.get(resultKey)?.text ?? "" : "";
  const resultLine = clauseLine(resultKey) ?? resultSub?.line;
  const resultDays = need("notice.yaml", "results.withinWorkingDays", num(new RegExp(`结束后\\s*${NUM}\\s*个?工作日`, "u"), resultText), prev.notice.results?.withinWorkingDays, "没有读出成绩在认定结束后几个工作日内公示（三（五））", resultLine);
  const publicityDays = need("notice.yaml", "results.publicityDays", num(new RegExp(`公示(?:期(?:为|是)?)?\\s*${NUM}\\s*个?(?:自然)?[天日]`, "u"), resultText), prev.notice.results?.publicityDays, "没有读出成绩公示期几天（三（五））", resultLine);
  const lookupItem = resultItems.find((it) => /证书/.test(joinText(it.lines)) && /https?:/.test(joinText(it.lines)));
  const lookupKey = lookupItem ? clauseKey(resultSub, lookupItem.n) : undefined;
  const lookupUrl = lookupItem ? url(joinText(lookupItem.lines)) : undefined;

  // 三（六）: retakes.
  const retakeSub = sub(/补考/);
  const retakeKey = clauseKey(retakeSub);
  const retakeText = retakeKey ? clauses.get(retakeKey)?.text ?? "" : "";
  const retakeLine = clauseLine(retakeKey) ?? retakeSub?.line;
  const keepYears = need("notice.yaml", "retake.keepYears", num(new RegExp(`合格成绩(?:可|的有效期为?)?(?:保留|有效)?\\s*${NUM}\\s*年`, "u"), retakeText), prev.notice.retake?.keepYears, "没有读出单科合格成绩保留几年（三（六））", retakeLine);
  const retakes = need("notice.yaml", "retake.retakes", num(new RegExp(`${NUM}\\s*次补考机会`, "u"), retakeText), prev.notice.retake?.retakes ?? 1, "没有读出有几次补考机会（三（六））", retakeLine);

  // 三（二）: materials.
  const materialSub = sub(/报名材料|材料/);
  const materialItems = materialSub ? items(materialSub.body) : [];
  const idItem = materialItems.find((it) => /身份/.test(joinText(it.lines)));
  const photoItem = materialItems.find((it) => /照片/.test(joinText(it.lines)));
  const condItem = materialItems.find((it) => /申报条件/.test(joinText(it.lines)));
  const materials = parseMaterials(
    { id: idItem, photo: photoItem, cond: condItem },
    (it) => clauseKey(materialSub, it?.n) ?? "",
    materialSub ? `${processPart!.key}（${materialSub.key}）` : prev.materials.clause,
    prev,
    review,
    need,
  );
  const standardSource = (condItem && joinText(condItem.lines)) ?? "";
  const annex1Standard = (o.annexes.get(1) ?? []).map((l) => tidy(l.text)).find((t) => /国标版本|标准/.test(t));
  const standard = need(
    "notice.yaml",
    "standard",
    /《[^《》]*(?:标准|规程)[^《》]*》/u.exec(standardSource)?.[0] ?? (annex1Standard && /《[^《》]*》/u.exec(annex1Standard)?.[0]),
    prev.notice.standard,
    "没有读出申报条件依据的国家职业标准（三（二）3）",
    condItem?.line,
  );

  // 四: contacts.
  const contacts = parseContacts(contactPart, lookupUrl, lookupKey, prev, review, need);

  const date = need("notice.yaml", "date", signoffDate, undefined, "没有找到通知落款的日期（如“2023 年 12 月 29 日”）", lastPart.line);
  if (Number(date.slice(0, 4)) > year || Number(date.slice(0, 4)) < year - 1) {
    review.push({ file: "notice.yaml", field: "date", line: dateLine?.no, source: sourceOf(dateLine), reason: `落款日期 ${date} 与通知年份 ${year} 相差较大，请核对` });
  }

  const parts = Object.fromEntries(o.parts.map((p) => [p.key, p.heading.replace(/[:：]$/, "")]));
  const notice = {
    year,
    title,
    shortName: `${year}年认定通知`,
    docNumber,
    date,
    issuer,
    standard,
    basis,
    certificateIssuer,
    parts,
    ticket: { clause: ticketKey ?? prev.notice.ticket?.clause, daysBeforeExam: ticketDays },
    results: { clause: resultKey ?? prev.notice.results?.clause, withinWorkingDays: resultDays, publicityDays },
    retake: { clause: retakeKey ?? prev.notice.retake?.clause, keepYears, retakes },
    adjustment: { clause: adjustPart.key, text: need("notice.yaml", "adjustment.text", clauses.get(adjustPart.key)?.text, prev.notice.adjustment?.text, "没有读出有关情况说明（第五部分）", adjustPart.line) },
    clauses: Object.fromEntries([...clauses].map(([k, v]) => [k, v.text])),
  };
  return { notice, materials, contacts, evaluation, organiser, clauses, planPart };
}

function num(re: RegExp, text: string): number | undefined {
  const m = re.exec(text);
  return m ? parseNumber(m[1]) : undefined;
}

const url = (text: string): string | undefined => /https?:\/\/[^\s<>（）()，。；、"“”]+/u.exec(text)?.[0];

type Need = <T>(file: string, field: string, value: T | undefined, fallback: T | undefined, reason: string, line?: SourceLine) => T;

function parseEvaluation(part: Part | undefined, prev: PreviousFiles, review: ReviewItem[]): Record<string, unknown> {
  const prevSubjects: { name: string; method: string; aliases: string[] }[] = prev.evaluation.subjects ?? [];
  if (!part) {
    review.push({ file: "evaluation.yaml", field: "subjects", reason: "没有找到“认定评价方式”部分，已沿用上一份通知的评价方式，请核对" });
    return prev.evaluation;
  }
  const rows = content(part.body).map((l) => ({ line: l, c: cells(l.text).map(tidy) }));
  const header = rows.findIndex((r) => r.c.some((x) => /科目/.test(x)) && r.c.some((x) => /评价方式|方式/.test(x)));
  if (header < 0) {
    review.push({ file: "evaluation.yaml", field: "subjects", line: part.line.no, source: sourceOf(part.line), reason: "认定评价方式不是“科目 评价方式”表格，已沿用上一份通知的评价方式，请核对" });
    return prev.evaluation;
  }
  const subjects = rows.slice(header + 1).flatMap((r) => {
    const [name, method] = [squeeze(r.c[0] ?? ""), r.c[1] ?? ""];
    if (!name || !method) {
      review.push({ file: "evaluation.yaml", field: "subjects", line: r.line.no, source: sourceOf(r.line), reason: "认定评价方式表的这一行缺少科目或评价方式，未读入" });
      return [];
    }
    const before = prevSubjects.find((s) => s.name === name);
    if (!before) review.push({ file: "evaluation.yaml", field: `subjects.${name}.aliases`, line: r.line.no, source: sourceOf(r.line), reason: `新的科目“${name}”：没有可沿用的别名，请补充考生的常用说法` });
    return [{ name, method, aliases: before?.aliases ?? [] }];
  });
  if (!subjects.length) {
    review.push({ file: "evaluation.yaml", field: "subjects", line: part.line.no, reason: "认定评价方式表没有数据行，已沿用上一份通知的评价方式，请核对" });
    return prev.evaluation;
  }
  return { clause: part.key, subjects };
}

function parseMaterials(
  it: { id?: ReturnType<typeof items>[number]; photo?: ReturnType<typeof items>[number]; cond?: ReturnType<typeof items>[number] },
  keyOf: (item: ReturnType<typeof items>[number] | undefined) => string,
  clause: string,
  prev: PreviousFiles,
  review: ReviewItem[],
  need: Need,
): Record<string, unknown> {
  const pm = prev.materials;
  // 1. identity documents by residency: "中国大陆考生需提供……；中国香港和澳门考生需提供……；…。证件上的……一致。"
  let identity: Record<string, unknown> = pm.identity;
  if (!it.id) {
    review.push({ file: "materials.yaml", field: "identity", reason: "没有找到“有效身份证明”一项，已沿用上一份通知的内容，请核对" });
  } else {
    const text = joinText(it.id.lines).replace(/^有效身份证明[:：]/u, "");
    const sentences = text.split(/(?<=。)/u);
    const groupsText = sentences.filter((s) => /需提供|须提供|提供/.test(s)).join("");
    const rule = sentences.filter((s) => !/需提供|须提供/.test(s)).join("").trim();
    const groups: { id: string; label: string; documents: string[]; joiner: string }[] = [];
    for (const clauseText of groupsText.split(/[；;]/u).map((s) => s.replace(/。$/, "").trim()).filter(Boolean)) {
      const m = /^(.+?考生)(?:需|须)?提供(.+)$/u.exec(clauseText);
      if (!m) {
        review.push({ file: "materials.yaml", field: "identity.groups", line: it.id.line.no, source: clauseText, reason: "这一句读不出是哪类考生、需提供什么证件，未写入，请核对" });
        continue;
      }
      const documents = m[2]
        .split(/[，,]?或/u)
        .map((d) => d.replace(/^[，,]/, "").trim())
        .filter(Boolean);
      // "中国香港和澳门考生": one sentence for two groups.
      const who = m[1];
      const foreign = /非中国籍|外籍|外国/.test(who);
      const hits = ID_GROUPS.filter(([re, id]) => (foreign ? id === "foreign" : id !== "foreign" && re.test(who)));
      if (!hits.length) {
        review.push({ file: "materials.yaml", field: "identity.groups", line: it.id.line.no, source: clauseText, reason: `考生类别“${who}”不是已知的类别（大陆、香港、澳门、台湾、外籍），未写入，请核对` });
        continue;
      }
      for (const [, id, label] of hits) groups.push({ id, label: hits.length === 1 ? who : label, documents, joiner: "或" });
    }
    if (!groups.length) {
      review.push({ file: "materials.yaml", field: "identity.groups", line: it.id.line.no, source: sourceOf(it.id.line), reason: "没有读出各类考生的身份证件，已沿用上一份通知的内容，请核对" });
    } else {
      for (const g of pm.identity?.groups ?? []) {
        if (!groups.some((x) => x.id === g.id)) review.push({ file: "materials.yaml", field: `identity.groups.${g.id}`, line: it.id.line.no, reason: `新通知没有写“${g.label}”的身份证件，请核对` });
      }
      identity = {
        clause: keyOf(it.id),
        rule: need("materials.yaml", "identity.rule", rule || undefined, pm.identity?.rule, "没有读出证件信息须与报名信息一致的要求", it.id.line),
        groups,
      };
    }
  }

  // 2. the photo: "照片规格：JPEG 格式，高大于 132 像素、宽大于 88 像素、文件大小为 40-80 千字节。拍照要求：……"
  let photo: Record<string, unknown> = pm.photo;
  if (!it.photo) {
    review.push({ file: "materials.yaml", field: "photo", reason: "没有找到“考生照片”一项，已沿用上一份通知的照片规格，请核对" });
  } else {
    const text = joinText(it.photo.lines).replace(/^考生照片[:：]/u, "");
    const line = it.photo.line;
    const pp = pm.photo ?? {};
    const summary = /提供(.+?)[。；]/u.exec(text)?.[1]?.trim();
    const format = /([A-Za-z]{3,5})\s*格式/u.exec(text)?.[1]?.toUpperCase();
    const height = /高\s*(?:度)?\s*(大于|不小于|不低于|至少|≥)?\s*(\d+)\s*像素/u.exec(text);
    const width = /宽\s*(?:度)?\s*(大于|不小于|不低于|至少|≥)?\s*(\d+)\s*像素/u.exec(text);
    const size = /(?:文件)?大小(?:为|在)?\s*(\d+(?:\.\d+)?)\s*(?:KB|千字节|K)?\s*[-－—~～至到]\s*(\d+(?:\.\d+)?)\s*(KB|千字节|K|kb)/u.exec(text);
    for (const [m, what] of [[height, "高"], [width, "宽"]] as const) {
      if (m && m[1] !== "大于") review.push({ file: "materials.yaml", field: "photo", line: line.no, source: sourceOf(line), reason: `照片${what}度的要求写作“${m[1] ?? "（无）"}${m[2]}像素”，产品按“大于”检查，请核对` });
    }
    const rulesText = /拍照要求[:：](.+)$/u.exec(text)?.[1] ?? "";
    const rules = rulesText.split(/(?<=。)/u).map((s) => s.trim()).filter(Boolean);
    photo = {
      clause: keyOf(it.photo),
      summary: need("materials.yaml", "photo.summary", summary, pp.summary, "没有读出照片的种类（如“一寸彩色白底免冠照片”）", line),
      format: need("materials.yaml", "photo.format", format, pp.format, "没有读出照片格式（如 JPEG）", line),
      minHeightPx: need("materials.yaml", "photo.minHeightPx", height ? Number(height[2]) : undefined, pp.minHeightPx, "没有读出照片高度（像素）", line),
      minWidthPx: need("materials.yaml", "photo.minWidthPx", width ? Number(width[2]) : undefined, pp.minWidthPx, "没有读出照片宽度（像素）", line),
      minSizeKB: need("materials.yaml", "photo.minSizeKB", size ? Number(size[1]) : undefined, pp.minSizeKB, "没有读出照片文件大小的下限（KB）", line),
      maxSizeKB: need("materials.yaml", "photo.maxSizeKB", size ? Number(size[2]) : undefined, pp.maxSizeKB, "没有读出照片文件大小的上限（KB）", line),
      rules: need("materials.yaml", "photo.rules", rules.length ? rules : undefined, pp.rules, "没有读出拍照要求", line),
    };
    if (size && Number(size[1]) >= Number(size[2])) review.push({ file: "materials.yaml", field: "photo.minSizeKB", line: line.no, source: sourceOf(line), reason: "照片文件大小的下限不小于上限，请核对" });
  }

  // 3. the conditions' materials (附件1).
  const condText = it.cond ? joinText(it.cond.lines).replace(/^相应申报条件的材料[:：]/u, "") : undefined;
  const conditionMaterials = {
    clause: it.cond ? keyOf(it.cond) : pm.conditionMaterials?.clause,
    text: need("materials.yaml", "conditionMaterials.text", condText, pm.conditionMaterials?.text, "没有找到“相应申报条件的材料”一项", it.cond?.line),
  };
  return { clause, identity, photo, conditionMaterials };
}

function parseContacts(part: Part | undefined, lookupUrl: string | undefined, lookupKey: string | undefined, prev: PreviousFiles, review: ReviewItem[], need: Need): Record<string, unknown> {
  const pc = prev.contacts;
  if (!part) {
    review.push({ file: "contacts.yaml", field: "(全部)", reason: "没有找到“业务受理”部分，已沿用上一份通知的联系方式，请核对" });
    return pc;
  }
  const subs = subClauses(part.body);
  const text = (s: SubClause) => joinText([{ no: s.line.no, text: s.title }, ...s.body]);
  const value = (s: SubClause) => text(s).replace(/^[^:：]*[:：]\s*/u, "").replace(/[。；]$/u, "").trim();
  const pick = (re: RegExp, not?: RegExp) => subs.find((s) => re.test(s.title.split(/[:：]/)[0]) && !(not && not.test(s.title)));
  const key = (s: SubClause | undefined, fallback: string) => (s ? `${part.key}（${s.key}）` : fallback);

  const complaintSub = pick(/投诉|监督/);
  const addressSub = pick(/地址|地点/);
  const hoursSub = pick(/时间/);
  const hotlineSub = pick(/电话|热线/, /投诉/);
  const websiteSub = pick(/查询|网址|网站|途径/, /投诉/);

  const complaintText = complaintSub ? text(complaintSub) : "";
  const phone = /电话\s*[:：]?\s*([0-9０-９][0-9０-９\-－ ]{5,}[0-9０-９])/u.exec(complaintText)?.[1];
  const email = /([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/u.exec(complaintText)?.[1];
  const hours = hoursSub ? asciiDigits(value(hoursSub)).replace(/：/g, ":").replace(/\s*[-－—–~～至]+\s*/g, "-") : undefined;
  const websiteText = websiteSub ? text(websiteSub) : "";
  return {
    clause: part.key,
    address: { clause: key(addressSub, pc.address?.clause), text: need("contacts.yaml", "address.text", addressSub && value(addressSub), pc.address?.text, "没有读出业务受理地址", addressSub?.line ?? part.line) },
    hours: { clause: key(hoursSub, pc.hours?.clause), text: need("contacts.yaml", "hours.text", hours, pc.hours?.text, "没有读出业务受理时间", hoursSub?.line ?? part.line) },
    hotline: {
      clause: key(hotlineSub, pc.hotline?.clause),
      text: need("contacts.yaml", "hotline.text", hotlineSub && asciiDigits(value(hotlineSub)).replace(/\s+/g, ""), pc.hotline?.text, "没有读出业务咨询电话", hotlineSub?.line ?? part.line),
    },
    website: { clause: key(websiteSub, pc.website?.clause), text: need("contacts.yaml", "website.text", url(websiteText), pc.website?.text, "没有读出业务查询网址", websiteSub?.line ?? part.line) },
    complaint: {
      clause: key(complaintSub, pc.complaint?.clause),
      phone: need("contacts.yaml", "complaint.phone", phone && asciiDigits(phone).replace(/\s+/g, "").replace(/－/g, "-"), pc.complaint?.phone, "没有读出投诉电话", complaintSub?.line ?? part.line),
      email: need("contacts.yaml", "complaint.email", email, pc.complaint?.email, "没有读出投诉电子邮箱", complaintSub?.line ?? part.line),
    },
    certificateLookup: {
      clause: lookupKey ?? pc.certificateLookup?.clause,
      text: need("contacts.yaml", "certificateLookup.text", lookupUrl, pc.certificateLookup?.text, "没有读出证书查询网址（三（五）2）", undefined),
    },
  };
}
