/** Shared shapes of the notice importer (`npm run import`): source lines, review items, fatal errors. */

/** One line of the notice file as read: its 1-based number in the file and its raw text. */
export interface SourceLine {
  no: number;
  text: string;
}

/** Something the importer could not read with certainty: listed for review, never guessed silently. */
export interface ReviewItem {
  /** The knowledge file the item concerns ("plan.yaml", "conditions.yaml", …). */
  file: string;
  /** The field within it ("rows.3.months", "occupations.电子商务师.levels.4.1.rule", …). */
  field: string;
  /** The notice line it comes from, when there is one. */
  line?: number;
  /** That line's text (trimmed), for the reviewer. */
  source?: string;
  /** What is uncertain, in Chinese, for hotline staff. */
  reason: string;
}

/** A part parsed from the notice, with what needs review. */
export interface ParseResult<T> {
  data: T;
  review: ReviewItem[];
}

/** Not a notice the importer can read (exit status 1): the reason and the line, when there is one. */
export class ImportError extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
    readonly source?: string,
  ) {
    super(line === undefined ? reason : `${reason}（第 ${line} 行：${source ?? ""}）`);
  }
}
