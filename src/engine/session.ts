/** Conversation state and where it lives. Every store keeps JSON-serialisable sessions behind one interface. */
import type { DialogState } from "../eligibility/dialog.js";
import type { Facts } from "../eligibility/rules.js";

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
  dialog?: DialogState;
  /** What the candidate told the last eligibility check (years, certificate, schooling, age). */
  facts?: Facts;
  /** The last finished self-check (all its facts and the field answered last), for a correction after its verdict. */
  lastCheck?: { facts: Facts; answered?: string[] };
  updatedAt: number;
}

export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  set(id: string, session: Session): Promise<void>;
  delete(id: string): Promise<void>;
  close?(): Promise<void>;
}

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
