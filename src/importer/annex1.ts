/**
 * TEMPORARY, to be replaced at merge by the annex1 engineer's parser of 附件1 (same signature): until then the
 * previous folder's conditions.yaml is carried over as it is, and the import lists 附件1 for review.
 */
import type { ParseResult, ReviewItem, SourceLine } from "./types.js";

/** Marks this stand-in, so that tests needing the real parser of 附件1 can tell it is not merged yet. */
export const TEMPORARY = true;

export function parseAnnex1(lines: SourceLine[], previous: { conditions?: unknown }, planLevels: Map<string, number[]>): ParseResult<unknown> {
  const review: ReviewItem[] = [
    {
      file: "conditions.yaml",
      field: "(全部)",
      line: lines[0]?.no,
      reason: "附件1（申报条件、申报材料、相关职业和专业）没有解析：已沿用上一份知识库的 conditions.yaml，请对照新通知的附件1核对",
    },
  ];
  const conditions = previous.conditions as { occupations?: { occupation: string; levels: number[] }[] } | undefined;
  for (const [occupation, levels] of planLevels) {
    const held = conditions?.occupations?.find((o) => o.occupation === occupation);
    const missing = levels.filter((l) => !held?.levels.includes(l));
    if (missing.length) {
      review.push({ file: "conditions.yaml", field: occupation, reason: `上一份 conditions.yaml 没有 ${occupation} ${missing.join("、")} 级的申报条件` });
    }
  }
  return { data: previous.conditions, review };
}
