/** The eligibility profile (a contract of the CLI and the HTTP API), validated by zod with Chinese messages. */
import { z } from "zod";
import type { Knowledge } from "../knowledge/load.js";
import { baseVars, levelLabel, render, tracksOf } from "../knowledge/facts.js";
import { evaluate, type EligibilityResult } from "./rules.js";
import { Program, School, Status } from "../knowledge/schema.js";

z.config(z.locales.zhCN());

export interface Certificate {
  level: number;
  related: boolean;
  yearsHeld: number;
  yearsInFieldSince: number;
}

export interface Education {
  school: School;
  program?: Program;
  status: Status;
  major: string;
}

export interface Profile {
  occupation: string;
  track?: string;
  level: number;
  age?: number;
  yearsInField: number;
  certificate?: Certificate;
  education?: Education;
}

const years = (label: string) => z.number({ error: `${label}应为数字` }).min(0, `${label}不能为负数`).max(80, `${label}不能超过80年`);

/** The schema for this knowledge base: occupations and tracks come from the plan. */
export function profileSchema(kb: Knowledge) {
  const occupations = kb.occupations.occupations.map((o) => o.name);
  const tracks = kb.occupations.tracks.map((t) => t.name);
  return z
    .object({
      occupation: z.string({ error: "缺少职业（occupation）" }).refine((o) => occupations.includes(o), {
        message: `未知职业，可选：${occupations.join("、")}`,
      }),
      track: z
        .string()
        .refine((t) => tracks.includes(t), { message: `未知工种，可选：${tracks.join("、")}` })
        .optional(),
      level: z.number({ error: "等级（level）应为 1-5 的整数" }).int("等级应为整数").min(1, "等级应为 1-5").max(5, "等级应为 1-5"),
      age: z.number({ error: "年龄应为数字" }).min(0, "年龄不能为负数").max(120, "年龄不合理").optional(),
      yearsInField: years("累计工作年限（yearsInField）"),
      certificate: z
        .object({
          level: z.number().int().min(1).max(5),
          related: z.boolean({ error: "certificate.related 应为 true 或 false" }),
          yearsHeld: years("持证年限（yearsHeld）"),
          yearsInFieldSince: years("取证后工作年限（yearsInFieldSince）"),
        })
        .optional(),
      education: z
        .object({
          school: School,
          program: Program.optional(),
          status: Status,
          major: z.string().trim().min(1, "专业（major）不能为空").max(50, "专业名称过长"),
        })
        .optional(),
    })
    .superRefine((p, ctx) => {
      if (!occupations.includes(p.occupation)) return;
      const own = tracksOf(kb, p.occupation);
      if (p.track && !own.includes(p.track)) {
        ctx.addIssue({ code: "custom", path: ["track"], message: `${p.occupation}没有工种“${p.track}”，可选：${own.join("、") || "（无工种）"}` });
      } else if (!p.track && own.length > 1) {
        ctx.addIssue({ code: "custom", path: ["track"], message: `${p.occupation}须填写工种（track），可选：${own.join("、")}` });
      }
    });
}

/** Validates untrusted input; `error` is zod's message in Chinese. */
export function parseProfile(kb: Knowledge, input: unknown): { ok: true; profile: Profile } | { ok: false; error: string } {
  const r = profileSchema(kb).safeParse(input);
  if (r.success) {
    const p = r.data as Profile;
    const own = tracksOf(kb, p.occupation);
    // An occupation with a single track (信息安全测试员 → 渗透测试员) needs none named.
    return { ok: true, profile: { ...p, track: p.track ?? (own.length === 1 ? own[0] : undefined) } };
  }
  return { ok: false, error: z.prettifyError(r.error) };
}

/**
 * An occupation or track that the newest plan dropped (occupations.yaml `withdrawn`): asked about, it is not an unknown
 * name but one the agency no longer certifies this year, so the answer is a verdict (not offered), not an error.
 */
export function withdrawnResult(kb: Knowledge, input: unknown): EligibilityResult | undefined {
  if (!input || typeof input !== "object") return undefined;
  const { occupation, track, level } = input as { occupation?: unknown; track?: unknown; level?: unknown };
  if (typeof level !== "number" || !Number.isInteger(level) || level < 1 || level > 5) return undefined;
  const withdrawn = new Set((kb.occupations.withdrawn ?? []).map((w) => w.name));
  const name = [occupation, track].find((n): n is string => typeof n === "string" && withdrawn.has(n));
  if (!name) return undefined;
  const known = kb.occupations.occupations.some((o) => o.name === occupation);
  if (track !== undefined && track !== name && !known) return undefined;
  return {
    eligible: false,
    occupation: String(occupation ?? name),
    ...(typeof track === "string" ? { track } : {}),
    level,
    levelName: levelLabel(kb, level),
    reason: render(kb.replies.not_in_plan, { name }, baseVars(kb)),
    conditions: [],
    materials: [],
    fee: null,
    months: [],
    gaps: [],
    suggestion: null,
    clause: kb.plan.clause,
  };
}

/** A profile's result, or `{error}` with zod's message; a dropped occupation gets its verdict. */
export function evaluateInput(kb: Knowledge, input: unknown): EligibilityResult | { error: string } {
  const dropped = withdrawnResult(kb, input);
  if (dropped) return dropped;
  const p = parseProfile(kb, input);
  return p.ok ? evaluate(kb, p.profile) : { error: p.error };
}
