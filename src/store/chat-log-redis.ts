/**
 * The web chat's transcript and feedback in Redis, shared by every instance: a list per conversation
 * (`<prefix>chat:<conv>`, its last MAX_TURNS turns, the session's time to live), a key per turn's feedback
 * (`<prefix>feedback:turn:<turnId>`) and the counts per intent in one hash (`<prefix>feedback:counts`).
 */
import type { Redis } from "ioredis";
import { MAX_TURNS, sortCounts, storedTurn, type ChatLog, type FeedbackCount, type FeedbackValue, type TranscriptTurn } from "../engine/chat-log.js";

export class RedisChatLog implements ChatLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key = (conv: string) => `${this.prefix}chat:${conv}`;
  private turnKey = (turnId: string) => `${this.prefix}feedback:turn:${turnId}`;
  private get countsKey() {
    return `${this.prefix}feedback:counts`;
  }

  async append(conv: string, turn: TranscriptTurn): Promise<void> {
    const key = this.key(conv);
    await this.redis.multi().rpush(key, JSON.stringify(storedTurn(turn))).ltrim(key, -MAX_TURNS, -1).pexpire(key, this.ttlMs).exec();
  }

  async history(conv: string, limit = MAX_TURNS): Promise<TranscriptTurn[]> {
    const rows = await this.redis.lrange(this.key(conv), -Math.min(limit, MAX_TURNS), -1);
    const turns = rows.map((r) => JSON.parse(r) as TranscriptTurn);
    if (!turns.length) return [];
    const given = await this.redis.mget(turns.map((t) => this.turnKey(t.turnId)));
    return turns.map((t, i) => (given[i] === "up" || given[i] === "down" ? { ...t, feedback: given[i] as FeedbackValue } : t));
  }

  async clear(conv: string): Promise<void> {
    await this.redis.del(this.key(conv));
  }

  async feedback(conv: string, turnId: string, value: FeedbackValue): Promise<boolean> {
    const rows = await this.redis.lrange(this.key(conv), 0, -1);
    const turn = rows.map((r) => JSON.parse(r) as TranscriptTurn).find((t) => t.turnId === turnId);
    if (!turn) return false;
    const previous = await this.redis.set(this.turnKey(turnId), value, "PX", this.ttlMs, "GET");
    if (previous === value) return true;
    const m = this.redis.multi().hincrby(this.countsKey, `${turn.intent}\t${value}`, 1);
    if (previous === "up" || previous === "down") m.hincrby(this.countsKey, `${turn.intent}\t${previous}`, -1);
    await m.exec();
    return true;
  }

  async feedbackCounts(): Promise<FeedbackCount[]> {
    const all = await this.redis.hgetall(this.countsKey);
    const by = new Map<string, FeedbackCount>();
    for (const [field, n] of Object.entries(all)) {
      const [intent, value] = field.split("\t");
      if (value !== "up" && value !== "down") continue;
      const c = by.get(intent) ?? { intent, up: 0, down: 0 };
      c[value] = Math.max(0, Number(n));
      by.set(intent, c);
    }
    return sortCounts([...by.values()]);
  }
}
