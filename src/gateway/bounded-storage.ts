/**
 * A botbuilder Storage that keeps at most `max` entries, least recently used first out. Botkit reads and writes its
 * conversation state through its storage on every turn; its default MemoryStorage never forgets anyone. The gateway
 * runs no Botkit dialogs, so this holds only Botkit's bookkeeping and stays bounded.
 */
import type { Storage, StoreItems } from "botbuilder";

export class BoundedStorage implements Storage {
  private readonly items = new Map<string, string>();
  private etag = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.items.size;
  }

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    for (const key of keys) {
      const raw = this.items.get(key);
      if (raw === undefined) continue;
      this.items.delete(key);
      this.items.set(key, raw); // most recently used last
      out[key] = JSON.parse(raw);
    }
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, value] of Object.entries(changes)) {
      this.items.delete(key);
      this.items.set(key, JSON.stringify({ ...value, eTag: String(++this.etag) }));
    }
    while (this.items.size > this.max) this.items.delete(this.items.keys().next().value!);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.items.delete(key);
  }
}
