/**
 * answers.yaml of the new folder: the previous folder's canned answers, carried over. Their notice facts are
 * placeholders filled from the new folder's data, so they follow the new notice by themselves; what a placeholder
 * cannot follow is listed for review: an answer resting on a clause whose text changed otherwise than in the values
 * of placeholders (both texts are given), a clause the new notice no longer has, an old value the answer writes as a
 * literal, an occupation or track the plan dropped.
 */
import type { ReviewItem } from "./types.js";

interface Answer {
  id: string;
  clause: string;
  answer: string;
}

/** Numbers as the notice writes them: digits, or a Chinese numeral before a counter ("一年", "一次"). */
const NUMBER = /\d+(?:\.\d+)?|[一二两三四五六七八九十]+(?=[年次个天日月周项名])/gu;
const isNumber = (s: string) => /^(?:\d+(?:\.\d+)?|[一二两三四五六七八九十]+)$/u.test(s);

/** For comparing texts: full-width forms folded (NFKC), dashes made one, no spaces. */
const norm = (s: string): string => s.normalize("NFKC").replace(/[—–－~～]/gu, "-").replace(/\s+/gu, "");

/** The clause keys an answer rests on ("三（二）、附件1" → ["三（二）", "附件1"]). */
const clauseKeys = (clause: string): string[] => clause.split(/[、,，;；\s]+/u).filter(Boolean);

/** Keys of the notice's clauses under a key ("三（二）" → "三（二）1", "三（二）2", …; "三（四）" → itself). */
const under = (clauses: Record<string, string>, key: string): string[] =>
  Object.keys(clauses).filter((k) => k === key || (k.startsWith(key) && /^\d+$/.test(k.slice(key.length))));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The old clause text with every changed placeholder value replaced by its new value, in one pass (longest first).
 * Returns the text and the old values that occurred in it.
 */
function substitute(text: string, changed: [string, string][]): { text: string; used: string[] } {
  if (!changed.length) return { text, used: [] };
  const map = new Map(changed);
  // A number is replaced only where it stands as a number ("7" not in "17", "一" in "一年" but not in "第（一）条").
  const pattern = (v: string) =>
    /^\d+(?:\.\d+)?$/.test(v) ? `(?<![\\d.])${escape(v)}(?![\\d.])` : isNumber(v) ? `(?<![一二两三四五六七八九十])${escape(v)}(?=[年次个天日月周项名])` : escape(v);
  const re = new RegExp([...map.keys()].sort((a, b) => b.length - a.length).map(pattern).join("|"), "gu");
  const used = new Set<string>() as Set<string>;
  const out = text.replace(re, (m) => {
    used.add(m);
    return map.get(m)!;
  });
  return { text: out, used: [...used] };
}

/** How much of two texts agrees: the length of their common beginning and end. */
function closeness(a: string, b: string): number {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let q = 0;
  while (q < a.length - p && q < b.length - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  return p + q;
}

/** Whether an answer's template writes a value itself (outside its placeholders); numbers count only as whole numbers. */
function writes(template: string, value: string): boolean {
  const text = norm(template.replace(/\{\w+\}/g, "\u0000"));
  if (isNumber(value)) return [...text.matchAll(NUMBER)].some((m) => m[0] === value);
  return text.includes(value);
}

export function reviewAnswers(
  answers: Answer[],
  before: { clauses?: Record<string, string>; vars: Record<string, string> },
  after: { clauses: Record<string, string>; vars: Record<string, string> },
  dropped: string[],
  review: ReviewItem[],
): Map<number, { answer?: string; clause?: string }> {
  /** Answers rewritten: by index, the new template and/or the new clause reference. */
  const rewrites = new Map<number, { answer?: string; clause?: string }>();
  const rewrite = (i: number, change: { answer?: string; clause?: string }) => rewrites.set(i, { ...rewrites.get(i), ...change });
  const previousClauses = before.clauses;
  if (!previousClauses) {
    review.push({ file: "answers.yaml", field: "answers", reason: "上一份知识库的 notice.yaml 没有各条款的原文（clauses），无法判断哪些固定答案依据的条款改了措辞：请通读 answers.yaml" });
  }
  const changedKeys = Object.keys(after.vars).filter((k) => before.vars[k] !== undefined && norm(before.vars[k]) && norm(before.vars[k]) !== norm(after.vars[k]));
  const pairs = (keys: string[]): [string, string][] => keys.map((k) => [norm(before.vars[k]), norm(after.vars[k])]);
  /**
   * Whether the change from `old` to `neu` is only placeholder values: first the answer's own placeholders, then
   * those plus one other value (a fact the answer does not state, such as the year in 一), then all of them.
   */
  const explain = (old: string, neu: string, own: string[]) => {
    // Greedy: add the value that brings the text closest to the new one, until it matches or nothing helps.
    const keys = [...own];
    let best = closeness(substitute(old, pairs(keys)).text, neu);
    for (;;) {
      const s = substitute(old, pairs(keys));
      if (s.text === neu) return { ...s, pairs: pairs(keys) };
      let pick: { key: string; score: number } | undefined;
      for (const k of changedKeys) {
        if (keys.includes(k)) continue;
        const score = closeness(substitute(old, pairs([...keys, k])).text, neu);
        if (score > best && (!pick || score > pick.score)) pick = { key: k, score };
      }
      if (!pick) return undefined;
      keys.push(pick.key);
      best = pick.score;
    }
  };
  const clauses = after.clauses;
  answers.forEach((a, i) => {
    const ownKeys = clauseKeys(a.clause).filter((key) => !/^(通知|附件\d*)$/u.test(key));
    for (const key of clauseKeys(a.clause)) {
      if (/^(通知|附件\d*)$/u.test(key)) continue; // the head's facts are placeholders; 附件1/2 are data (conditions, fees)
      const now = under(clauses, key);
      if (!now.length) {
        review.push({ file: "answers.yaml", field: `answers.${i}.clause`, reason: `固定答案“${a.id}”依据的条款 ${key} 在新通知中找不到（条款编号可能变了），请核对` });
        continue;
      }
      if (!previousClauses) continue;
      for (const k of now) {
        const old = previousClauses[k];
        const neu = clauses[k];
        if (old === undefined) {
          review.push({ file: "answers.yaml", field: `answers.${i}`, reason: `固定答案“${a.id}”依据的条款 ${k} 是新通知新增的，请核对答案。新：${neu}` });
          continue;
        }
        if (norm(old) === norm(neu)) continue;
        const own = [...a.answer.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((k) => changedKeys.includes(k));
        const s = explain(norm(old), norm(neu), own);
        if (!s) {
          // The clause renumbered ("（五）" is now "（六）"): the answer follows it to its new number.
          const moved = Object.keys(clauses).find((k2) => k2 !== k && !(k2 in previousClauses && norm(previousClauses[k2]) === norm(clauses[k2])) && explain(norm(old), norm(clauses[k2]), own));
          if (moved && ownKeys.length === 1 && ownKeys[0] === k) {
            rewrite(i, { clause: moved });
            review.push({ file: "answers.yaml", field: `answers.${i}.clause`, reason: `固定答案“${a.id}”依据的条款 ${k} 在新通知中编号变为 ${moved}，已更新，请核对。原 ${k}：${old}　新 ${moved}：${clauses[moved]}` });
            continue;
          }
          // The old answer paraphrases a text that is no longer the notice's. An answer resting on this clause alone
          // now quotes the new text (the notice's own words are right on the day); one resting on several is listed.
          if (ownKeys.length === 1 && !rewrites.get(i)?.answer) {
            rewrite(i, { answer: now.map((x) => clauses[x]).join("") });
            review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”依据的条款 ${k} 的文字改了：答案已换成新条款的原文，请按需改写。原：${old}　新：${neu}` });
          } else {
            review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”依据的条款 ${k} 的文字改了，请按新文字核对答案。原：${old}　新：${neu}` });
          }
          continue;
        }
        // Only values of placeholders changed: covered, unless the answer writes an old value itself; then that
        // value is replaced in the answer too, and listed.
        const literal = s.used.filter((v) => writes(a.answer, v));
        if (literal.length) {
          if (!rewrites.get(i)?.answer) {
            const map = s.pairs.filter(([o]) => literal.includes(o));
            rewrite(i, { answer: a.answer.split(/(\{\w+\})/).map((part, j) => (j % 2 ? part : substitute(part, map).text)).join("") });
          }
          review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”直接写了“${literal.join("、")}”，而条款 ${k} 的这个值改了：已在答案里改为新值，请核对（最好改用占位符）。原：${old}　新：${neu}` });
        }
      }
    }
    const named = dropped.filter((name) => a.answer.includes(name));
    if (named.length) {
      review.push({ file: "answers.yaml", field: `answers.${i}.answer`, reason: `固定答案“${a.id}”提到新计划里已没有的 ${named.join("、")}，请修改` });
    }
  });
  // Clauses added or removed: what the notice now says that no answer rests on, and what it no longer says.
  // A clause matches another when their texts differ only in placeholder values; a renumbered clause is not new.
  if (previousClauses) {
    const same = (o: string, n: string) => norm(o) === norm(n) || !!explain(norm(o), norm(n), []);
    const prevKeys = Object.keys(previousClauses);
    const newKeys = Object.keys(clauses);
    for (const k of newKeys) {
      const matched = prevKeys.some((p) => same(previousClauses[p], clauses[k]));
      const freed = !(k in previousClauses) || newKeys.some((n) => n !== k && same(previousClauses[k], clauses[n]));
      if (!matched && freed) review.push({ file: "answers.yaml", field: "answers", reason: `新通知新增了条款 ${k}，没有固定答案依据它，请考虑补充。新：${clauses[k]}` });
    }
    for (const k of prevKeys) {
      const matched = newKeys.some((n) => same(previousClauses[k], clauses[n]));
      const taken = !(k in clauses) || prevKeys.some((p) => p !== k && same(previousClauses[p], clauses[k]));
      if (!matched && taken) review.push({ file: "answers.yaml", field: "answers", reason: `上一份通知的条款 ${k} 在新通知中没有了，请核对依据它的答案。原：${previousClauses[k]}` });
    }
  }
  return rewrites;
}
