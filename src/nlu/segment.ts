import { PrefixIndex } from "./prefix-index.js";

/**
 * Chinese word segmentation that knows the domain's words: the knowledge base's terms (occupations, tracks, majors,
 * related occupations, levels, schools) are cut whole by longest match, and the text between them by the ICU word
 * segmenter built into Node (Intl.Segmenter alone cuts 电子商务师 into 电子/商务/师).
 */
export class Segmenter {
  private readonly terms = new PrefixIndex<true>();
  private readonly icu = new Intl.Segmenter("zh", { granularity: "word" });

  /** `terms`: domain words that must come out as one token. */
  constructor(terms: Iterable<string>) {
    for (const t of new Set([...terms].map((x) => x.toLowerCase()))) if (t.length > 1 && !/\s/.test(t)) this.terms.add(t, true);
  }

  /** Tokens without punctuation or white space. */
  cut(text: string): string[] {
    const out: string[] = [];
    let gapStart = 0;
    let i = 0;
    while (i < text.length) {
      // The longest term starting here (the index yields longest first).
      const hit = this.terms.at(text, i).next().value?.key.length ?? 0;
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
