/**
 * Chinese word segmentation that knows the domain's words: the knowledge base's terms (occupations, tracks, majors,
 * related occupations, levels, schools) are cut whole by longest match, and the text between them by the ICU word
 * segmenter built into Node (Intl.Segmenter alone cuts 电子商务师 into 电子/商务/师).
 */
export class Segmenter {
  private readonly terms: Set<string>;
  /** For each first character, the lengths of the terms starting with it, longest first. */
  private readonly lengths = new Map<string, number[]>();
  private readonly icu = new Intl.Segmenter("zh", { granularity: "word" });

  /** `terms`: domain words that must come out as one token. */
  constructor(terms: Iterable<string>) {
    this.terms = new Set([...terms].map((t) => t.toLowerCase()).filter((t) => t.length > 1 && !/\s/.test(t)));
    for (const t of this.terms) this.lengths.set(t[0], [...new Set([...(this.lengths.get(t[0]) ?? []), t.length])].sort((a, b) => b - a));
  }

  /** Tokens without punctuation or white space. */
  cut(text: string): string[] {
    const out: string[] = [];
    let gapStart = 0;
    let i = 0;
    while (i < text.length) {
      let hit = 0;
      for (const n of this.lengths.get(text[i]) ?? []) {
        if (i + n <= text.length && this.terms.has(text.slice(i, i + n))) {
          hit = n;
          break;
        }
      }
      if (!hit) {
        i++;
        continue;
      }
      this.icuCut(text.slice(gapStart, i), out);
      out.push(text.slice(i, i + hit));
      i += hit;
      gapStart = i;
    }
    this.icuCut(text.slice(gapStart), out);
    return out;
  }

  private icuCut(span: string, out: string[]): void {
    if (!span) return;
    for (const s of this.icu.segment(span)) if (s.isWordLike) out.push(s.segment);
  }
}
