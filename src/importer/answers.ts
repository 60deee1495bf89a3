/**
 * answers.yaml of the new folder: the previous folder's canned answers, carried over. Their notice facts are
 * placeholders filled from the new folder's data, so they follow the new notice by themselves; what a placeholder
 * cannot follow is listed for review: an answer resting on a clause whose wording changed (both texts are given), a
 * clause the new notice no longer has, a literal number the clause changed, an occupation or track the plan dropped.
 */
import type { ReviewItem } from "./types.js";

interface Answer {
  id: string;
  clause: string;
  answer: string;
}

/** Numbers as the notice writes them: digits, or a Chinese numeral before a counter ("一年", "一次"). */
const NUMBER = /\d+(?:\.\d+)?|[一二两三四五六七八九十]+(?=[年次个天日月周项名])/gu;
const mask = (s: string): string => s.replace(NUMBER, "#");
const numbers = (s: string): string[] => s.match(NUMBER) ?? [];

/** The clause keys an answer rests on ("三（二）、附件1" → ["三（二）", "附件1"]). */
const clauseKeys = (clause: string): string[] => clause.split(/[、,，;；\s]+/u).filter(Boolean);

/** Keys of the notice's clauses under a key ("三（二）" → "三（二）1", "三（二）2", …; "三（四）" → itself). */
const under = (clauses: Record<string, string>, key: string): string[] => Object.keys(clauses).filter((k) => k === key || (k.startsWith(key) && /^\d+$/.test(k.slice(key.length))));

export function reviewAnswers(
  answers: Answer[],
  previousClauses: Record<string, string> | undefined,
  clauses: Record<string, string>,
  dropped: string[],
  review: ReviewItem[],
): void {
  if (!previousClauses) {
    review.push({ file: "answers.yaml", field: "answers", reason: "上一份知识库的 notice.yaml 没有各条款的原文（clauses），无法判断哪些固定答案依据的条款改了措辞：请通读 answers.yaml" });
  }
  answers.forEach((a, i) => {
    for (const key of clauseKeys(a.clause)) {
      if (/^(通知|附件\d*)$/u.test(key)) continue; // the head's facts are placeholders; 附件1/2 are data (conditions, fees)
      const now = under(clauses, key);
      if (!now.length) {
        review.push({ file: "answers.yaml", field: `answers.${i}.clause`, reason: `固定答案“${a.id}”依据的条款 ${key} 在新通知中找不到（条款编号可能变了），请核对` });
        continue;
      }
      if (!previousClauses) continue;
      for (const k of now) {
        const before = previousClauses[k];
        const after = clauses[k];
        if (before === undefined) {
          review.push({ file: "answers.yaml", field: `answers.${i}`, reason: `固定答案“${a.id}”依据的条款 ${k} 是新通知新增的，请核对答案。新：${after}` });
          continue;
        }
        if (before === after) continue;
        if (mask(before) !== mask(after)) {
          review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”依据的条款 ${k} 措辞改了，请按新文字核对答案。原：${before}　新：${after}` });
          continue;
        }
        // Only numbers changed: covered, unless the answer writes one of the old numbers itself.
        const [b, n] = [numbers(before), numbers(after)];
        const changed = b.filter((x, j) => x !== n[j]);
        const literal = numbers(a.answer.replace(/\{\w+\}/g, "")).filter((x) => changed.includes(x));
        if (literal.length) {
          review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”直接写了数字 ${[...new Set(literal)].join("、")}，而条款 ${k} 的这个数字改了，请改用占位符或核对。原：${before}　新：${after}` });
        }
      }
    }
    const named = dropped.filter((name) => a.answer.includes(name));
    if (named.length) {
      review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”提到新计划里已没有的 ${named.join("、")}，请修改` });
    }
  });
}
