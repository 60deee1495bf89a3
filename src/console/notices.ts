/**
 * Publishing a notice from the console (issue 14): what the console needs from the importer and the knowledge
 * registry. The service implements it: `stage` runs the importer on the text into a folder beside knowledge/ (not
 * yet in use) and compares it with the knowledge in use; `publish` switches every instance to it without a restart;
 * `rollback` switches back to the knowledge in use before the last publish.
 */

/** Something the importer could not read with certainty (src/importer/types.ts ReviewItem), for staff to check. */
export interface NoticeReviewItem {
  file: string;
  field: string;
  line?: number;
  source?: string;
  reason: string;
}

/** One difference between the staged notice and the knowledge in use, in plain words. */
export interface NoticeChange {
  /** What part: 计划 / 收费 / 申报条件 / 职业 / 联系方式 / 固定答案 / 通知 … */
  area: string;
  kind: "added" | "removed" | "changed";
  /** What changed, in a sentence staff can read ("直播销售员 四级 认定月份"). */
  what: string;
  before?: string;
  after?: string;
}

export interface NoticeDiff {
  /** The notice in use and the staged one ("2024年认定通知" → "2025年认定通知"). */
  from: string | null;
  to: string;
  changes: NoticeChange[];
}

export interface StagedNotice {
  id: string;
  /** The staged notice's name (its short name), for the page. */
  title: string;
  review: NoticeReviewItem[];
  diff: NoticeDiff;
}

export interface NoticeStatus {
  /** The notice answering now. */
  current: { title: string; year?: number; publishedAt?: number } | null;
  /** What `rollback` would restore, if anything. */
  previous: { title: string; year?: number } | null;
  /** Staged notices not yet published or discarded. */
  staged: { id: string; title: string; at: number }[];
}

/** Who asks, for the publisher's own log. */
export interface NoticeActor {
  user: string;
  userName: string;
}

export interface NoticePublisher {
  /** Reads a notice's text with the importer; refused (NoticeError 400) when it is not a notice it can read. */
  stage(text: string, actor: NoticeActor, fileName?: string): Promise<StagedNotice>;
  /** Switches every instance to the staged notice (NoticeError 404 when no such staged notice). */
  publish(id: string, actor: NoticeActor): Promise<{ title: string }>;
  /** Forgets a staged notice. */
  discard(id: string, actor: NoticeActor): Promise<void>;
  /** Switches back to the knowledge in use before the last publish (NoticeError 409 when there is none). */
  rollback(actor: NoticeActor): Promise<{ title: string }>;
  status(): Promise<NoticeStatus>;
}

/** A refusal the console shows as is: 400 not a notice, 404 unknown staged id, 409 nothing to roll back. */
export class NoticeError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

/** At most this much text per notice (a notice and its annexes are about 100 KB). */
export const MAX_NOTICE_BYTES = 1_000_000;
