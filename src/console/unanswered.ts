/** "What the bot could not answer": the unanswered log grouped by similar question, newest first. */
import { createHash } from "node:crypto";
import type { StoredUnanswered, UnansweredEntry } from "../engine/unanswered.js";
import type { Entities } from "../nlu/entities.js";
import { normalise } from "../nlu/normalize.js";

export interface UnansweredGroup {
  /** Stable while the group's first question stays the same. */
  id: string;
  /** The newest wording. */
  text: string;
  /** Other wordings, newest first (at most 5). */
  variants: string[];
  count: number;
  /** Entries not yet marked handled. */
  open: number;
  handled: boolean;
  firstSeen: number;
  lastSeen: number;
  kinds: Partial<Record<UnansweredEntry["kind"], number>>;
  channels: string[];
  /** The intent the bot guessed (none for fallbacks). */
  intent: string | null;
  entities: Record<string, unknown>;
  /** The ids to mark handled: the open entries of the group. */
  ids: number[];
}

const PUNCT = /[\p{P}\p{S}\s]+/gu;
const LEADING = /^(请问一下|请问|问一下|你好|您好|老师|hi|hello)+/;
const TRAILING = /(吗|呢|啊|呀|吧|嘛|哦|哈|啦|了|的)+$/;

/** The text of a question with what does not change its meaning taken away: punctuation, greetings, particles. */
export function questionKey(text: string): string {
  const t = normalise(text).text.replace(PUNCT, "");
  const stripped = t.replace(LEADING, "").replace(TRAILING, "");
  return stripped || t;
}

/** Intents that name what was asked (a fallback or an error names nothing). */
const NO_INTENT = new Set(["none", "fallback", "error", "empty"]);

export type EntityReader = (text: string) => Entities;

/** Entity values that make two questions "the same": occupation, track, level, month, subject, major, residency. */
function signature(e: Entities): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (e.occupation) s.occupation = e.occupation;
  if (e.track) s.track = e.track;
  if (e.level !== undefined) s.level = e.level;
  if (e.month !== undefined) s.month = e.month;
  if (e.subject) s.subject = e.subject;
  if (e.major) s.major = e.major;
  if (e.residency.length) s.residency = [...e.residency].sort();
  return s;
}

/**
 * Groups entries (newest first, as the log returns them): two entries fall in one group when their question keys are
 * equal, or when the bot understood both as the same intent about the same entities. Groups come newest first.
 */
export function groupUnanswered(entries: StoredUnanswered[], readEntities: EntityReader): UnansweredGroup[] {
  const parent = entries.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const byKey = new Map<string, number>();
  const bySense = new Map<string, number>();
  const keys: string[] = [];
  const sigs: Record<string, unknown>[] = [];
  entries.forEach((e, i) => {
    const key = questionKey(e.text);
    keys.push(key);
    const sig = signature(readEntities(e.text));
    sigs.push(sig);
    const k = byKey.get(key);
    if (k === undefined) byKey.set(key, i);
    else union(i, k);
    if (!NO_INTENT.has(e.intent)) {
      const sense = `${e.intent}|${JSON.stringify(sig)}`;
      const s = bySense.get(sense);
      if (s === undefined) bySense.set(sense, i);
      else union(i, s);
    }
  });

  const members = new Map<number, number[]>();
  entries.forEach((_, i) => {
    const r = find(i);
    members.set(r, [...(members.get(r) ?? []), i]);
  });

  const groups: UnansweredGroup[] = [];
  for (const idx of members.values()) {
    const list = idx.map((i) => entries[i]).sort((a, b) => b.at - a.at || b.id - a.id);
    const newest = list[0];
    const texts = [...new Set(list.map((e) => e.text))];
    const kinds: UnansweredGroup["kinds"] = {};
    for (const e of list) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    const intents = new Map<string, number>();
    for (const e of list) if (!NO_INTENT.has(e.intent)) intents.set(e.intent, (intents.get(e.intent) ?? 0) + 1);
    const intent = [...intents].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    const open = list.filter((e) => !e.handled);
    const oldestKey = keys[idx.reduce((a, b) => (entries[a].id < entries[b].id ? a : b))];
    groups.push({
      id: createHash("sha1").update(oldestKey).digest("hex").slice(0, 12),
      text: newest.text,
      variants: texts.slice(1, 6),
      count: list.length,
      open: open.length,
      handled: open.length === 0,
      firstSeen: list[list.length - 1].at,
      lastSeen: newest.at,
      kinds,
      channels: [...new Set(list.map((e) => e.channel))],
      intent,
      entities: sigs[idx[0]],
      ids: open.map((e) => e.id),
    });
  }
  return groups.sort((a, b) => b.lastSeen - a.lastSeen);
}

/** Remembers the entities of recent texts, so listing a long log does not run the extractor again for each. */
export function cachedReader(read: EntityReader, max = 5_000): EntityReader {
  const cache = new Map<string, Entities>();
  return (text) => {
    const hit = cache.get(text);
    if (hit) return hit;
    const e = read(text);
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(text, e);
    return e;
  };
}
