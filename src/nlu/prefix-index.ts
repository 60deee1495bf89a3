/** Strings indexed by their first character: every key occurring at a position of a text, without scanning all keys. */
export class PrefixIndex<T> {
  private readonly byFirst = new Map<string, { key: string; value: T }[]>();

  add(key: string, value: T): void {
    if (!key) return;
    const list = this.byFirst.get(key[0]) ?? [];
    list.push({ key, value });
    // Longest first, so callers that want the longest match can stop at the first.
    list.sort((a, b) => b.key.length - a.key.length);
    this.byFirst.set(key[0], list);
  }

  /** The keys that occur in `text` starting at `i`, longest first. */
  *at(text: string, i: number): Generator<{ key: string; value: T }> {
    for (const entry of this.byFirst.get(text[i]) ?? []) if (text.startsWith(entry.key, i)) yield entry;
  }
}
