/**
 * Which staff members have the console's 人工会话 tab open: each open tab (a live event stream) keeps a presence
 * record fresh; a record not refreshed for `ttlMs` no longer counts (a closed laptop, a crashed instance). Kept in
 * the shared store, so every instance sees staff connected to any of them.
 */
import type { DocStore } from "./docs.js";

const SET = "presence";

export class Presence {
  constructor(
    private readonly docs: DocStore,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 45_000,
  ) {}

  /** A tab of `staff` is open (called when it connects and then every ttl/3). */
  async beat(staff: string, connection: string): Promise<void> {
    const key = `presence:${staff}:${connection}`;
    const doc = await this.docs.get<number>(key);
    await this.docs.cas(key, doc?.version ?? 0, this.now() + this.ttlMs);
    await this.docs.addToSet(SET, `${staff}:${connection}`);
  }

  async leave(staff: string, connection: string): Promise<void> {
    await this.docs.del(`presence:${staff}:${connection}`);
    await this.docs.removeFromSet(SET, `${staff}:${connection}`);
  }

  /** Staff with at least one live tab. */
  async online(): Promise<string[]> {
    const staff = new Set<string>();
    for (const member of await this.docs.members(SET)) {
      const until = (await this.docs.get<number>(`presence:${member}`))?.value ?? 0;
      if (until > this.now()) staff.add(member.slice(0, member.lastIndexOf(":")));
      else {
        await this.docs.del(`presence:${member}`);
        await this.docs.removeFromSet(SET, member);
      }
    }
    return [...staff];
  }
}
