/**
 * Notice folders for tests: knowledge/2024 copied to a temporary folder and edited as a later (or earlier) notice
 * would differ: its year, document number, the months of 电子商务师 (rows 1–3, merged cells) and its 四级 fee.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../src/knowledge/load.js";

const made: string[] = [];

/** Replaces `from` by `to` in a file of a notice folder; the text must be there (a fixture that edits nothing fails). */
export function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture: ${file} has no ${String(from)}`);
  writeFileSync(path, next);
}

export interface NoticeEdits {
  /** 电子商务师 四级–二级's months (row 1, shared by the merged rows 2 and 3). */
  ecommerceMonths?: number[];
  /** 电子商务师 四级's fee per subject (the total is twice it). */
  ecommerceFee?: number;
  docNumber?: string;
}

/** A copy of knowledge/2024 as the notice of `year`, in a fresh temporary folder named after the year. */
export function makeNotice(year: number, edits: NoticeEdits = {}): string {
  const root = mkdtempSync(join(tmpdir(), "zhineng-notice-"));
  made.push(root);
  const dir = join(root, String(year));
  cpSync(join(ROOT, "knowledge", "2024"), dir, { recursive: true });
  if (year !== 2024) {
    edit(dir, "notice.yaml", /^year: 2024$/m, `year: ${year}`);
    edit(dir, "notice.yaml", /关于开展2024年/, `关于开展${year}年`);
    edit(dir, "notice.yaml", /shortName: 2024年认定通知/, `shortName: ${year}年认定通知`);
  }
  if (year !== 2024 || edits.docNumber) {
    edit(dir, "notice.yaml", /docNumber: .*$/m, `docNumber: ${edits.docNumber ?? `中教培〔${year - 1}〕${70 + (year % 10)}号`}`);
  }
  if (edits.ecommerceMonths) {
    edit(dir, "plan.yaml", "{ no: 1, occupation: 电子商务师, level: 4, months: [3, 5, 8, 10, 11] }", `{ no: 1, occupation: 电子商务师, level: 4, months: [${edits.ecommerceMonths.join(", ")}] }`);
  }
  if (edits.ecommerceFee !== undefined) {
    const f = edits.ecommerceFee;
    edit(dir, "fees.yaml", "{ level: 4, theory: 80, skill: 80, review: null, total: 160 }", `{ level: 4, theory: ${f}, skill: ${f}, review: null, total: ${2 * f} }`);
  }
  return dir;
}

/** Removes every folder made by this file's tests. */
export function cleanNotices(): void {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
}
