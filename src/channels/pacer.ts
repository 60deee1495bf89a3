/**
 * Paces outgoing messages so a personal WeChat account does not trip "操作过于频繁": at least `intervalMs` (plus a random
 * extra) between any two sends, and at most `perContact` sends to one conversation per `windowMs`. Messages over the
 * limits wait in the queue, in order per conversation; none is dropped (up to `maxQueue`, a memory bound).
 */
export interface PaceOptions {
  /** Least time between two sends (ms). */
  intervalMs: number;
  /** A random extra of 0..jitterMs is added to each gap. */
  jitterMs: number;
  /** Sends to one conversation per window. */
  perContact: number;
  windowMs: number;
  /** Queue bound; past it new messages are refused (logged by the caller). */
  maxQueue: number;
}

export const DEFAULT_PACE: PaceOptions = { intervalMs: 1500, jitterMs: 750, perContact: 8, windowMs: 60_000, maxQueue: 5000 };

interface Job {
  key: string;
  send: () => Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class QueueFullError extends Error {}

export class Pacer {
  readonly options: PaceOptions;
  private readonly queue: Job[] = [];
  private readonly sent = new Map<string, number[]>();
  private nextAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private paused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  /** Send times, for tests and metrics. */
  readonly log: { key: string; at: number }[] = [];

  constructor(
    options: Partial<PaceOptions> = {},
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.options = { ...DEFAULT_PACE, ...options };
  }

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Queues a send to conversation `key`; resolves once it was sent. */
  enqueue(key: string, send: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.reject(new Error("pacer stopped"));
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(new QueueFullError("发送队列已满"));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ key, send, resolve, reject });
      this.pump();
    });
  }

  /** Holds the queue (while logged out); nothing is lost. */
  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Resolves when the queue is empty, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (!this.pending) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([idle, late]);
    clearTimeout(timer);
    return done;
  }

  /** Stops; messages still queued are rejected. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    for (const job of this.queue.splice(0)) job.reject(new Error("pacer stopped"));
    this.notifyIdle();
  }

  private clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private notifyIdle() {
    if (this.pending) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Sends in the window of `key` (pruned). */
  private recent(key: string, t: number): number[] {
    const list = (this.sent.get(key) ?? []).filter((x) => x > t - this.options.windowMs);
    if (list.length) this.sent.set(key, list);
    else this.sent.delete(key);
    return list;
  }

  private pump(): void {
    if (this.running || this.paused || this.stopped || this.timer) return;
    if (!this.queue.length) return this.notifyIdle();
    const t = this.now();
    // The first job whose conversation is under its limit; a throttled conversation does not hold up the others.
    let wake = Infinity;
    let pick = -1;
    const blocked = new Set<string>();
    for (let i = 0; i < this.queue.length; i++) {
      const key = this.queue[i].key;
      if (blocked.has(key)) continue;
      const recent = this.recent(key, t);
      if (recent.length < this.options.perContact) {
        pick = i;
        break;
      }
      blocked.add(key); // later jobs of this conversation keep their order behind this one
      wake = Math.min(wake, recent[0] + this.options.windowMs);
    }
    if (pick >= 0 && t < this.nextAt) wake = Math.min(wake, this.nextAt);
    if (pick < 0 || t < this.nextAt) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(1, wake - t));
      return;
    }
    const [job] = this.queue.splice(pick, 1);
    this.running = true;
    const at = this.now();
    this.sent.set(job.key, [...this.recent(job.key, at), at]);
    this.log.push({ key: job.key, at });
    if (this.log.length > 1000) this.log.splice(0, this.log.length - 1000);
    this.nextAt = at + this.options.intervalMs + Math.floor(this.random() * (this.options.jitterMs + 1));
    Promise.resolve()
      .then(job.send)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.running = false;
        this.pump();
      });
  }
}
