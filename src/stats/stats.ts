/**
 * Numbers for the staff console (issue 14): turns, answered, fallbacks, low-confidence answers and hand-offs per day
 * (Asia/Shanghai), by intent and by channel; the questions asked most; self-checks by occupation and level with their
 * outcome; 👍/👎. A turn costs a few Map increments: counts are summed in memory and flushed to the store every few
 * seconds (and on close), so the answer path never waits for a write. Kept across restarts (SQLite, Redis).
 */
import type Database from "better-sqlite3";
import type { Redis } from "ioredis";

export interface TurnEvent {
  at: number;
  channel: string;
  intent: string;
  status: string;
  confidence: number;
  /** The question, normalised and masked, for the top questions (clipped here). */
  question?: string;
}

export interface SelfCheckEvent {
  at: number;
  occupation: string;
  level: number;
  eligible: boolean;
}

/** One day's counters: field → count. Fields: turns, answered, fallbacks, lowConfidence, handoffs, intent:<i>,
 * channel:<c>, q:<question>, sc:total, sc:eligible, sc:<occupation>:<level>:<yes|no>, fb:up, fb:down. */
export type DayCounts = Map<string, number>;

export interface StatsStore {
  add(day: string, counts: DayCounts): Promise<void>;
  read(from: string, to: string): Promise<Map<string, DayCounts>>;
  close?(): Promise<void>;
}

const LOW_CONFIDENCE = 0.55;
const MAX_QUESTION = 60;
/** Distinct counters per day between two flushes at most: a flood of distinct questions cannot grow memory. */
const MAX_FIELDS_PER_DAY = 5_000;

/** "YYYY-MM-DD" of an instant in Asia/Shanghai. */
export function shanghaiDay(at: number): string {
  return new Date(at + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** The days from `from` to `to`, inclusive ("YYYY-MM-DD"). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && out.length < 3_700; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

export class StatsRecorder {
  private pending = new Map<string, DayCounts>();
  private readonly timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly store: StatsStore,
    flushEveryMs = 5_000,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush(), flushEveryMs);
      this.timer.unref();
    }
  }

  /** The Shanghai day last counted and its bounds (ms): a turn counts four to six fields of one day. */
  private day = { name: "", from: 0, to: 0 };

  private dayOf(at: number): string {
    const d = this.day;
    if (at >= d.from && at < d.to) return d.name;
    const name = shanghaiDay(at);
    const from = Date.parse(`${name}T00:00:00+08:00`);
    this.day = { name, from, to: from + 86_400_000 };
    return name;
  }

  private inc(at: number, field: string, by = 1): void {
    const day = this.dayOf(at);
    let counts = this.pending.get(day);
    if (!counts) this.pending.set(day, (counts = new Map()));
    counts.set(field, (counts.get(field) ?? 0) + by);
  }

  turn(e: TurnEvent): void {
    this.inc(e.at, "turns");
    this.inc(e.at, `intent:${e.intent}`);
    this.inc(e.at, `channel:${e.channel}`);
    if (e.status === "fallback") this.inc(e.at, "fallbacks");
    else if (e.status === "handoff") this.inc(e.at, "handoffs");
    else if (e.status === "answered" || e.status === "asked") {
      this.inc(e.at, "answered");
      if (e.confidence < LOW_CONFIDENCE) this.inc(e.at, "lowConfidence");
    }
    const q = e.question?.trim().slice(0, MAX_QUESTION);
    if (q && e.status !== "empty") {
      const counts = this.pending.get(this.dayOf(e.at))!;
      const key = `q:${q}`;
      if (counts.has(key) || counts.size < MAX_FIELDS_PER_DAY) this.inc(e.at, key);
    }
  }

  selfCheck(e: SelfCheckEvent): void {
    this.inc(e.at, "sc:total");
    if (e.eligible) this.inc(e.at, "sc:eligible");
    this.inc(e.at, `sc:${e.occupation}:${e.level}:${e.eligible ? "yes" : "no"}`);
  }

  feedback(at: number, value: "up" | "down"): void {
    this.inc(at, `fb:${value}`);
  }

  /** Writes what was counted since the last flush. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const batch = this.pending;
    if (!batch.size) return Promise.resolve();
    this.pending = new Map();
    this.flushing = (async () => {
      for (const [day, counts] of batch) {
        try {
          await this.store.add(day, counts);
        } catch (err) {
          this.onError(err as Error);
        }
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.store.close?.();
  }

  /** The console's figures for a range of days, counted so far (pending counts included). */
  async report(from: string, to: string): Promise<StatsReport> {
    await this.flush();
    return summarise(from, to, await this.store.read(from, to));
  }
}

export interface StatsReport {
  from: string;
  to: string;
  turns: number;
  answered: number;
  fallbacks: number;
  lowConfidence: number;
  handoffs: number;
  fallbackRate: number;
  byDay: { day: string; turns: number; answered: number; fallbacks: number; handoffs: number; lowConfidence: number; fallbackRate: number }[];
  byIntent: Record<string, number>;
  byChannel: Record<string, number>;
  topQuestions: { text: string; count: number }[];
  selfChecks: { total: number; eligible: number; byOccupation: Record<string, Record<string, { total: number; eligible: number }>> };
  feedback: { up: number; down: number };
}

export function summarise(from: string, to: string, days: Map<string, DayCounts>): StatsReport {
  const r: StatsReport = {
    from, to, turns: 0, answered: 0, fallbacks: 0, lowConfidence: 0, handoffs: 0, fallbackRate: 0, byDay: [], byIntent: {}, byChannel: {},
    topQuestions: [], selfChecks: { total: 0, eligible: 0, byOccupation: {} }, feedback: { up: 0, down: 0 },
  };
  const questions = new Map<string, number>();
  const rate = (f: number, t: number) => (t ? Math.round((f / t) * 1000) / 1000 : 0);
  for (const day of daysBetween(from, to)) {
    const c = days.get(day) ?? new Map<string, number>();
    const g = (k: string) => c.get(k) ?? 0;
    r.byDay.push({ day, turns: g("turns"), answered: g("answered"), fallbacks: g("fallbacks"), handoffs: g("handoffs"), lowConfidence: g("lowConfidence"), fallbackRate: rate(g("fallbacks"), g("turns")) });
    for (const [k, n] of c) {
      if (k.startsWith("intent:")) r.byIntent[k.slice(7)] = (r.byIntent[k.slice(7)] ?? 0) + n;
      else if (k.startsWith("channel:")) r.byChannel[k.slice(8)] = (r.byChannel[k.slice(8)] ?? 0) + n;
      else if (k.startsWith("q:")) questions.set(k.slice(2), (questions.get(k.slice(2)) ?? 0) + n);
      else if (k === "fb:up") r.feedback.up += n;
      else if (k === "fb:down") r.feedback.down += n;
      else if (k === "sc:total") r.selfChecks.total += n;
      else if (k === "sc:eligible") r.selfChecks.eligible += n;
      else if (k.startsWith("sc:")) {
        const m = /^sc:(.+):(\d):(yes|no)$/.exec(k);
        if (!m) continue;
        const occ = (r.selfChecks.byOccupation[m[1]] ??= {});
        const lv = (occ[m[2]] ??= { total: 0, eligible: 0 });
        lv.total += n;
        if (m[3] === "yes") lv.eligible += n;
      }
    }
  }
  for (const d of r.byDay) {
    r.turns += d.turns;
    r.answered += d.answered;
    r.fallbacks += d.fallbacks;
    r.handoffs += d.handoffs;
    r.lowConfidence += d.lowConfidence;
  }
  r.fallbackRate = rate(r.fallbacks, r.turns);
  r.topQuestions = [...questions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 20).map(([text, count]) => ({ text, count }));
  return r;
}

/** The figures by day as CSV (UTF-8 with a BOM, so that Excel reads the Chinese headings). */
export function statsCsv(r: StatsReport): string {
  const rows = [["日期", "对话轮数", "已回答", "未能回答", "低置信度", "转人工", "未能回答比例"].join(",")];
  for (const d of r.byDay) rows.push([d.day, d.turns, d.answered, d.fallbacks, d.lowConfidence, d.handoffs, d.fallbackRate].join(","));
  return `\ufeff${rows.join("\r\n")}\r\n`;
}

export class MemoryStats implements StatsStore {
  private readonly days = new Map<string, DayCounts>();
  async add(day: string, counts: DayCounts) {
    const d = this.days.get(day) ?? new Map();
    for (const [k, n] of counts) d.set(k, (d.get(k) ?? 0) + n);
    this.days.set(day, d);
  }
  async read(from: string, to: string) {
    const out = new Map<string, DayCounts>();
    for (const [day, c] of this.days) if (day >= from && day <= to) out.set(day, new Map(c));
    return out;
  }
}

export class SqliteStats implements StatsStore {
  private readonly upsert;
  private readonly select;
  private readonly addTx;

  constructor(db: Database.Database) {
    db.exec("CREATE TABLE IF NOT EXISTS stats (day TEXT NOT NULL, field TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, field)) WITHOUT ROWID");
    this.upsert = db.prepare("INSERT INTO stats (day, field, n) VALUES (?, ?, ?) ON CONFLICT (day, field) DO UPDATE SET n = n + excluded.n");
    this.select = db.prepare<[string, string], { day: string; field: string; n: number }>("SELECT day, field, n FROM stats WHERE day >= ? AND day <= ?");
    this.addTx = db.transaction((day: string, counts: DayCounts) => {
      for (const [k, n] of counts) this.upsert.run(day, k, n);
    });
  }
  async add(day: string, counts: DayCounts) {
    this.addTx(day, counts);
  }
  async read(from: string, to: string) {
    const out = new Map<string, DayCounts>();
    for (const row of this.select.all(from, to)) {
      if (!out.has(row.day)) out.set(row.day, new Map());
      out.get(row.day)!.set(row.field, row.n);
    }
    return out;
  }
}

export class RedisStats implements StatsStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  async add(day: string, counts: DayCounts) {
    const p = this.redis.pipeline();
    for (const [k, n] of counts) p.hincrby(`${this.prefix}stats:${day}`, k, n);
    await p.exec();
  }
  async read(from: string, to: string) {
    const out = new Map<string, DayCounts>();
    const days = daysBetween(from, to);
    const p = this.redis.pipeline();
    for (const d of days) p.hgetall(`${this.prefix}stats:${d}`);
    const res = (await p.exec()) ?? [];
    days.forEach((d, i) => {
      const h = (res[i]?.[1] ?? {}) as Record<string, string>;
      if (Object.keys(h).length) out.set(d, new Map(Object.entries(h).map(([k, v]) => [k, Number(v)])));
    });
    return out;
  }
}
