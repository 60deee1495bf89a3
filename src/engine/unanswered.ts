/**
 * Questions the bot could not answer well (fallbacks, low confidence, handoffs), for staff to review.
 *
 * What is stored is what staff may see: the text normalised (NFKC), with ID numbers, mobiles and e-mail addresses
 * masked, cut to MAX_UNANSWERED_TEXT characters; the user id masked too. Entries are grouped as they are written
 * (`GroupIndex`): a question joins the group of an earlier one with the same question key (its words without
 * punctuation, greetings and particles) or, when the bot understood it, the same intent about the same entities. A
 * listing reads one page of groups, never the whole log. Entries and groups older than the retention period
 * (UNANSWERED_RETENTION_DAYS) are deleted by the stores.
 */
import { createHash } from "node:crypto";
import type { Entities } from "../nlu/entities.js";
import { normalise } from "../nlu/normalize.js";
import { mask } from "../logging.js";

export interface UnansweredEntry {
  at: number;
  userId: string;
  channel: string;
  text: string;
  intent: string;
  confidence: number;
  kind: "fallback" | "low_confidence" | "handoff";
  /** What the bot read in the question, for grouping (not stored). */
  entities?: Entities;
}

export interface StoredUnanswered extends Omit<UnansweredEntry, "entities"> {
  id: number;
  handled: boolean;
}

/** One group of similar questions, as the console lists it. */
export interface UnansweredGroup {
  /** Stable while the group lives (from its first question's key). */
  id: string;
  /** The newest wording. */
  text: string;
  /** Other wordings, newest first (at most 5). */
  variants: string[];
  count: number;
  /** Entries since the group was last marked handled. */
  open: number;
  handled: boolean;
  firstSeen: number;
  lastSeen: number;
  kinds: Partial<Record<UnansweredEntry["kind"], number>>;
  channels: string[];
  /** The intent the bot guessed most often (null for fallbacks). */
  intent: string | null;
  entities: Record<string, unknown>;
  /** What to send to markHandled: the group's newest entry (a question asked again since is not marked). */
  ids: number[];
}

export interface GroupQuery {
  /** 1-based. */
  page: number;
  limit: number;
  /** Handled groups too (default: open ones only). */
  all?: boolean;
}

export interface GroupPage {
  groups: UnansweredGroup[];
  /** Groups matching the query (all pages). */
  total: number;
  /** Open groups in all. */
  openGroups: number;
  page: number;
  limit: number;
}

export interface UnansweredLog {
  record(entry: UnansweredEntry): void | Promise<void>;
  /** The newest entries first, at most `limit`. */
  recent(limit: number): Promise<StoredUnanswered[]>;
  /** One page of groups, newest first. */
  groups(query: GroupQuery): Promise<GroupPage>;
  /** Marks handled the groups whose newest entry is one of `ids`. */
  markHandled(ids: number[]): Promise<void>;
}

/** A stored question is cut to this many characters (after masking, so no number is cut half-masked). */
export const MAX_UNANSWERED_TEXT = 200;
/** Groups kept at most in SQLite and Redis (the oldest go first). */
export const MAX_GROUPS = 20_000;
/**
 * Groups kept at most by the memory log, whose groups live in the service's heap: a group holds up to six wordings of
 * MAX_UNANSWERED_TEXT characters (about 2.5 KB), so 5,000 of them stay under 13 MB.
 */
export const MAX_MEMORY_GROUPS = 5_000;
export const DEFAULT_RETENTION_DAYS = 90;
export const DAY_MS = 86_400_000;

/** Cuts a text to `max` characters without splitting a surrogate pair, marking the cut with "…". */
export function clipText(text: string, max = MAX_UNANSWERED_TEXT): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** The text as stored and shown: NFKC, personal data masked, white space folded, clipped. */
export function storedText(text: string): string {
  const nfkc = String(text ?? "").slice(0, 4 * MAX_UNANSWERED_TEXT).normalize("NFKC");
  return clipText(mask(nfkc).replace(/\s+/g, " ").trim());
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
export const NO_INTENT = new Set(["none", "fallback", "error", "empty"]);

/** Entity values that make two questions "the same": occupation, track, level, month, subject, major, residency. */
export function signature(e: Entities | undefined): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (!e) return s;
  if (e.occupation) s.occupation = e.occupation;
  if (e.track) s.track = e.track;
  if (e.level !== undefined) s.level = e.level;
  if (e.month !== undefined) s.month = e.month;
  if (e.subject) s.subject = e.subject;
  if (e.major) s.major = e.major;
  if (e.residency?.length) s.residency = [...e.residency].sort();
  return s;
}

/** An entry as stored, with what groups it. */
export interface PreparedEntry extends Omit<UnansweredEntry, "entities"> {
  /** Question key. */
  key: string;
  /** Intent and entities, when the bot named an intent. */
  sense?: string;
  signature: Record<string, unknown>;
}

/** Masks, normalises and clips an entry, and computes its grouping keys. */
export function prepareEntry(e: UnansweredEntry): PreparedEntry {
  const text = storedText(e.text);
  const sig = signature(e.entities);
  return {
    at: e.at,
    userId: clipText(mask(String(e.userId)), 100),
    channel: e.channel,
    text,
    intent: e.intent,
    confidence: e.confidence,
    kind: e.kind,
    key: `k:${questionKey(text)}`,
    ...(NO_INTENT.has(e.intent) ? {} : { sense: `s:${e.intent}|${JSON.stringify(sig)}` }),
    signature: sig,
  };
}

/** A group's stored state (JSON in the stores). */
export interface GroupState {
  id: string;
  /** The newest entry's id. */
  ref: number;
  text: string;
  variants: string[];
  count: number;
  open: number;
  firstSeen: number;
  lastSeen: number;
  kinds: Partial<Record<UnansweredEntry["kind"], number>>;
  channels: string[];
  intents: Record<string, number>;
  entities: Record<string, unknown>;
}

/** The id of a group started by an entry: from its question key, stable across restarts and instances. */
export const groupId = (key: string) => createHash("sha1").update(key).digest("hex").slice(0, 12);

/** A group's state with one more entry (`id`); `existing` undefined starts a new group. Pure. */
export function addToGroup(existing: GroupState | undefined, e: PreparedEntry, id: number): GroupState {
  const g: GroupState = existing
    ? { ...existing, variants: [...existing.variants], kinds: { ...existing.kinds }, channels: [...existing.channels], intents: { ...existing.intents } }
    : { id: groupId(e.key), ref: id, text: e.text, variants: [], count: 0, open: 0, firstSeen: e.at, lastSeen: e.at, kinds: {}, channels: [], intents: {}, entities: e.signature };
  if (existing && e.text !== g.text) g.variants = [g.text, ...g.variants.filter((v) => v !== e.text && v !== g.text)].slice(0, 5);
  g.text = e.text;
  g.ref = Math.max(g.ref, id);
  g.count++;
  g.open++;
  g.firstSeen = Math.min(g.firstSeen, e.at);
  g.lastSeen = Math.max(g.lastSeen, e.at);
  g.kinds[e.kind] = (g.kinds[e.kind] ?? 0) + 1;
  if (!g.channels.includes(e.channel)) g.channels = [...g.channels, e.channel].slice(-10);
  if (!NO_INTENT.has(e.intent)) g.intents[e.intent] = (g.intents[e.intent] ?? 0) + 1;
  if (!Object.keys(g.entities).length && Object.keys(e.signature).length) g.entities = e.signature;
  return g;
}

/** A stored group as the console shows it. */
export function groupView(g: GroupState): UnansweredGroup {
  const intent = Object.entries(g.intents).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return {
    id: g.id,
    text: g.text,
    variants: g.variants,
    count: g.count,
    open: g.open,
    handled: g.open === 0,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    kinds: g.kinds,
    channels: g.channels,
    intent,
    entities: g.entities,
    ids: [g.ref],
  };
}

/** Page and limit from a query, within bounds. */
export function pageOf(q: Partial<GroupQuery>): { page: number; limit: number; offset: number } {
  const limit = Math.min(100, Math.max(1, Math.floor(Number(q.limit)) || 20));
  const page = Math.min(100_000, Math.max(1, Math.floor(Number(q.page)) || 1));
  return { page, limit, offset: (page - 1) * limit };
}

/** Keeps the latest entries and their groups in memory (bounded rings), dropping what is older than the retention. */
export class MemoryUnansweredLog implements UnansweredLog {
  private readonly entries: StoredUnanswered[] = [];
  /** Groups by id, least recently asked first (a group asked again moves to the end). */
  private readonly groupsById = new Map<string, GroupState>();
  /** Question keys and senses → group id. */
  private readonly index = new Map<string, string>();
  /** Entry id → its group's id, for marking entries handled with their group. */
  private readonly groupOf = new Map<number, string>();
  private nextId = 1;

  constructor(
    private readonly max = 10_000,
    private readonly retentionMs = DEFAULT_RETENTION_DAYS * DAY_MS,
    private readonly now: () => number = Date.now,
    private readonly maxGroups = MAX_MEMORY_GROUPS,
  ) {}

  record(entry: UnansweredEntry): void {
    const e = prepareEntry(entry);
    const id = this.nextId++;
    const { key, sense, signature: _s, ...stored } = e;
    this.entries.push({ ...stored, id, handled: false });
    if (this.entries.length > this.max) for (const gone of this.entries.splice(0, this.entries.length - this.max)) this.groupOf.delete(gone.id);
    const gid = [key, sense].map((k) => (k ? this.index.get(k) : undefined)).find((g) => g && this.groupsById.has(g));
    const g = addToGroup(gid ? this.groupsById.get(gid) : undefined, e, id);
    this.groupsById.delete(g.id);
    this.groupsById.set(g.id, g);
    this.groupOf.set(id, g.id);
    this.index.set(key, g.id);
    if (sense && !this.index.has(sense)) this.index.set(sense, g.id);
    this.expire();
  }

  /** Drops entries and groups past the retention, and the oldest groups beyond the bound. */
  expire(): void {
    const cutoff = this.now() - this.retentionMs;
    let old = 0;
    while (old < this.entries.length && this.entries[old].at < cutoff) old++;
    if (old) for (const gone of this.entries.splice(0, old)) this.groupOf.delete(gone.id);
    for (const [id, g] of this.groupsById) {
      if (g.lastSeen >= cutoff && this.groupsById.size <= this.maxGroups) break;
      this.groupsById.delete(id);
    }
    if (this.index.size > 2 * this.maxGroups + 100) {
      for (const [k, id] of this.index) if (!this.groupsById.has(id)) this.index.delete(k);
    }
  }

  async recent(limit: number): Promise<StoredUnanswered[]> {
    this.expire();
    const n = Math.max(0, Math.floor(limit) || 0);
    return n ? this.entries.slice(-n).reverse().map((e) => ({ ...e })) : [];
  }

  async groups(query: GroupQuery): Promise<GroupPage> {
    this.expire();
    const { page, limit, offset } = pageOf(query);
    const newestFirst = [...this.groupsById.values()].reverse();
    const matching = query.all ? newestFirst : newestFirst.filter((g) => g.open > 0);
    const openGroups = query.all ? newestFirst.filter((g) => g.open > 0).length : matching.length;
    return { groups: matching.slice(offset, offset + limit).map(groupView), total: matching.length, openGroups, page, limit };
  }

  async markHandled(ids: number[]): Promise<void> {
    const marked = new Map<string, number>();
    for (const id of ids) {
      const gid = this.groupOf.get(id);
      const g = gid === undefined ? undefined : this.groupsById.get(gid);
      if (g && g.ref === id) {
        g.open = 0;
        marked.set(g.id, g.ref);
      }
    }
    for (const e of this.entries) {
      const ref = marked.get(this.groupOf.get(e.id) ?? "");
      if (ids.includes(e.id) || (ref !== undefined && e.id <= ref)) e.handled = true;
    }
  }
}
