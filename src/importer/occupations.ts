/**
 * occupations.yaml from the plan: the names as the notice prints them, the everyday names (aliases) carried over from
 * the previous folder for every occupation and track kept, and for a new one a few aliases derived conservatively from
 * its name, listed for review.
 */
import type { ReviewItem } from "./types.js";
import type { PlanRowOut } from "./plan.js";

interface Named {
  name: string;
  aliases: string[];
}
interface Track extends Named {
  occupation: string;
}
interface Withdrawn extends Named {
  lastYear: number;
}
export interface OccupationsOut {
  occupations: Named[];
  tracks: Track[];
  withdrawn?: Withdrawn[];
}

/** Words too general to stand for one occupation on their own ("管理" from 供应链管理…). */
const GENERIC = new Set(["管理", "营销", "服务", "设计", "操作", "测试", "销售", "安全", "技术", "工程", "运营", "维修", "信息", "数据", "网络", "电子", "商务", "质量", "检验"]);

/**
 * Aliases of a new name: the name without its 师/员/工 suffix ("人工智能训练师" → "人工智能训练") when what remains has
 * at least three characters, is not a general word and is not another occupation's or track's name or alias; and
 * the name's trailing words from a word boundary ("人工智能算法测试员" → "算法测试员", "数据标注员" → "标注员"), which
 * candidates say for short, when they are no other name's ending ("测试员" ends 渗透测试员 too: not an alias).
 */
export function deriveAliases(name: string, taken: Set<string>, others: readonly string[] = []): string[] {
  const out: string[] = [];
  const m = /^(.{3,})(?:师|员|工)$/u.exec(name);
  if (m && !GENERIC.has(m[1]) && !taken.has(m[1])) out.push(m[1]);
  if (/(?:师|员|工)$/u.test(name)) {
    const words = [...new Intl.Segmenter("zh", { granularity: "word" }).segment(name)];
    for (const w of words) {
      const tail = name.slice(w.index);
      // A tail of one or two words and the suffix (two characters and the suffix, or a first word of two characters or
      // more), after a prefix of two characters or more.
      if (w.index < 2 || (w.segment.length < 2 && tail.length !== 3) || tail.length < 3 || tail.length > 5) continue;
      if (GENERIC.has(tail.slice(0, -1)) || taken.has(tail) || out.includes(tail)) continue;
      if (others.some((o) => o !== name && o.endsWith(tail))) continue;
      out.push(tail);
    }
  }
  return out;
}

export function buildOccupations(rows: PlanRowOut[], previous: { occupations?: Named[]; tracks?: Track[]; withdrawn?: Withdrawn[] }, review: ReviewItem[], previousYear?: number): OccupationsOut {
  const prevOcc = new Map((previous.occupations ?? []).map((o) => [o.name, o]));
  const prevTracks = new Map((previous.tracks ?? []).map((t) => [`${t.occupation}/${t.name}`, t]));
  const occNames = [...new Set(rows.map((r) => r.occupation))];
  const trackKeys = [...new Map(rows.filter((r) => r.track).map((r) => [`${r.occupation}/${r.track}`, { name: r.track!, occupation: r.occupation }])).values()];

  // Every name and alias in use, so that a derived alias never takes another's.
  const taken = new Set<string>([...occNames, ...trackKeys.map((t) => t.name)]);
  for (const o of prevOcc.values()) if (occNames.includes(o.name)) o.aliases.forEach((a) => taken.add(a));
  for (const t of prevTracks.values()) if (trackKeys.some((k) => k.name === t.name && k.occupation === t.occupation)) t.aliases.forEach((a) => taken.add(a));

  // Every name of this plan and of the last one, whose endings a derived short name must not share.
  const allNames = [...occNames, ...trackKeys.map((t) => t.name), ...prevOcc.keys(), ...[...prevTracks.values()].map((t) => t.name)];
  const newNames = new Set([...occNames.filter((n) => !prevOcc.has(n)), ...trackKeys.filter((t) => !prevTracks.has(`${t.occupation}/${t.name}`)).map((t) => t.name)]);
  const carried = (name: string, aliases: string[], where: string): string[] =>
    aliases.filter((a) => {
      if (!newNames.has(a) || a === name) return true;
      review.push({ file: "occupations.yaml", field: where, reason: `沿用的别名“${a}”现在是新通知里一个职业或工种的名称，已去掉，请核对` });
      return false;
    });

  const occupations: Named[] = occNames.map((name, i) => {
    const before = prevOcc.get(name);
    if (before) return { name, aliases: carried(name, before.aliases, `occupations.${i}.aliases`) };
    const aliases = deriveAliases(name, taken, allNames);
    aliases.forEach((a) => taken.add(a));
    review.push({
      file: "occupations.yaml",
      field: `occupations.${i}.aliases`,
      reason: `新职业“${name}”：别名${aliases.length ? `［${aliases.join("、")}］由名称推导` : "无法可靠推导，暂为空"}，请核对并补充考生的常用叫法`,
    });
    return { name, aliases };
  });
  const tracks: Track[] = trackKeys.map((t, i) => {
    const before = prevTracks.get(`${t.occupation}/${t.name}`);
    if (before) return { name: t.name, occupation: t.occupation, aliases: carried(t.name, before.aliases, `tracks.${i}.aliases`) };
    const aliases = deriveAliases(t.name, taken, allNames);
    aliases.forEach((a) => taken.add(a));
    review.push({
      file: "occupations.yaml",
      field: `tracks.${i}.aliases`,
      reason: `新工种“${t.name}”（${t.occupation}）：别名${aliases.length ? `［${aliases.join("、")}］由名称推导` : "无法可靠推导，暂为空"}，请核对并补充考生的常用叫法`,
    });
    return { name: t.name, occupation: t.occupation, aliases };
  });
  // Occupations and tracks the previous folder had (or had already withdrawn) and this plan does not: kept with their
  // everyday names, so that a question naming one is told it is not in this year's plan.
  const inUse = new Set<string>([...occupations, ...tracks].flatMap((x) => [x.name, ...x.aliases]));
  const withdrawn: Withdrawn[] = [];
  const dropped = [
    ...(previous.occupations ?? []).map((o) => ({ ...o, lastYear: previousYear })),
    ...(previous.tracks ?? []).map((t) => ({ name: t.name, aliases: t.aliases, lastYear: previousYear })),
    ...(previous.withdrawn ?? []),
  ];
  for (const d of dropped) {
    if (inUse.has(d.name) || withdrawn.some((w) => w.name === d.name) || d.lastYear === undefined) continue;
    withdrawn.push({ name: d.name, aliases: d.aliases.filter((a) => !inUse.has(a)), lastYear: d.lastYear });
  }
  return { occupations, tracks, ...(withdrawn.length ? { withdrawn } : {}) };
}
