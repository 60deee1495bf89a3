/** Conversation state and where it lives. Every store keeps JSON-serialisable sessions behind one interface. */
import type { DialogState } from "../eligibility/dialog.js";
import type { Facts } from "../eligibility/rules.js";
import type { ReplyOption } from "./reply.js";

export const SESSION_VERSION = 1;

export interface Session {
  v: number;
  occupation?: string;
  track?: string;
  level?: number;
  /** Several levels the last question named, for a follow-up such as "那费用呢也一样吗". */
  levels?: number[];
  /** Occupations or tracks the last question named together, for a follow-up such as "那二级呢". */
  together?: { occupation: string; track?: string }[];
  /** Residency groups the candidate mentioned ("我是台湾的"), for a later "要带什么证件". */
  residency?: string[];
  lastIntent?: string;
  /** Intents offered by the last "您是不是想问" fallback, so "1" picks the first. */
  suggestions?: string[];
  /** The options the last reply offered (a tapped option's value, or its number typed, chooses among them). */
  offered?: ReplyOption[];
  dialog?: DialogState;
  /** What the candidate told the last eligibility check (years, certificate, schooling, age). */
  facts?: Facts;
  /** The year of an older notice the conversation is about ("2023年…几月考"), for a follow-up such as "那三级呢". */
  year?: number;
  /** The last finished self-check (all its facts and the field answered last), for a correction after its verdict. */
  lastCheck?: { facts: Facts; answered?: string[] };
  updatedAt: number;
}

export interface SessionStore {
  /** With `lock` (from withUserLock), the session as it was when the lock was taken. */
  get(id: string, lock?: UserLock): Promise<Session | undefined>;
  /**
   * With `lock`, the turn's one write, fenced: it is refused with a StaleLockError when another turn has taken the
   * conversation's lock since (this turn's expired), so a late writer never overwrites a newer session; the lock ends
   * with it.
   */
  set(id: string, session: Session, lock?: UserLock): Promise<void>;
  delete(id: string): Promise<void>;
  close?(): Promise<void>;
  /**
   * Stores shared by several instances (Redis): runs `fn` holding the conversation's lock, so one user's turns run
   * one at a time across instances. Waits a bounded time for the lock (then a LockTimeoutError, and `fn` never runs);
   * releases it only if it is still this turn's. Single-instance stores leave it out: the engine's queue suffices.
   */
  withUserLock?<T>(id: string, fn: (lock: UserLock) => Promise<T>): Promise<T>;
}

/** A conversation's lock as one turn holds it. */
export interface UserLock {
  readonly id: string;
  /** The fencing token: strictly increasing per conversation, the newest holder's is the only one that may write. */
  readonly fence: number;
}

/** A write refused by the fencing check: another turn took the conversation's lock after this one's expired. */
export class StaleLockError extends Error {}

/** The conversation's lock was not free within the bounded wait; the turn did nothing. */
export class LockTimeoutError extends Error {}

/** In-memory store with a time to live and a size bound (oldest out first). */
export class MemoryStore implements SessionStore {
  private readonly map = new Map<string, { json: string; expires: number }>();

  constructor(
    private readonly ttlMs = 30 * 60_000,
    private readonly maxSessions = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<Session | undefined> {
    const hit = this.map.get(id);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.map.delete(id);
      return undefined;
    }
    return JSON.parse(hit.json) as Session;
  }

  async set(id: string, session: Session): Promise<void> {
    // Stored as JSON, as a durable store would: no shared references between turns.
    this.map.delete(id);
    this.map.set(id, { json: JSON.stringify(session), expires: this.now() + this.ttlMs });
    while (this.map.size > this.maxSessions) this.map.delete(this.map.keys().next().value!);
  }

  async delete(id: string): Promise<void> {
    this.map.delete(id);
  }

  get size(): number {
    return this.map.size;
  }
}

/** A fresh session, or the stored one if it is of this version (another version is dropped, not misread). */
export function revive(stored: Session | undefined, now: number): Session {
  if (!stored || stored.v !== SESSION_VERSION) return { v: SESSION_VERSION, updatedAt: now };
  if (stored.dialog && stored.dialog.v !== 1) delete stored.dialog;
  return stored;
}
