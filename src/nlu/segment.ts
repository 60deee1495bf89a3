/** Chinese word segmentation with jieba, taught the knowledge base's own terms so they stay whole. */
import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";

export class Segmenter {
  private readonly jieba: Jieba;

  /** `terms`: domain words (occupations, tracks, majors, aliases) that must come out as one token. */
  constructor(terms: Iterable<string>) {
    this.jieba = Jieba.withDict(dict);
    const lines = [...new Set(terms)].filter((t) => t.length > 1 && !/\s/.test(t)).map((t) => `${t} 100000 n`);
    if (lines.length) this.jieba.loadDict(Buffer.from(lines.join("\n") + "\n"));
  }

  /** Tokens without punctuation or white space. */
  cut(text: string): string[] {
    if (!text) return [];
    return this.jieba.cut(text, false).filter((t) => /[\p{L}\p{N}]/u.test(t));
  }
}
