/** zod schemas of every file in knowledge/ and intents/: the data is checked against these at load. */
import { z } from "zod";

export const SCHOOLS = ["技工学校", "高级技工学校", "技师学院", "中等职业学校", "高等职业学校", "普通高等学校专科", "本科及以上"] as const;
export const PROGRAMS = ["高级工班", "预备技师班", "技师班"] as const;
export const STATUSES = ["毕业", "应届", "在读"] as const;
export const School = z.enum(SCHOOLS);
export const Program = z.enum(PROGRAMS);
export const Status = z.enum(STATUSES);
export type School = z.infer<typeof School>;
export type Program = z.infer<typeof Program>;
export type Status = z.infer<typeof Status>;

const Level = z.number().int().min(1).max(5);
const Month = z.number().int().min(1).max(12);
const Text = z.string().trim().min(1);
const Clause = Text;

export const NoticeFile = z.strictObject({
  year: z.number().int().min(2000).max(2100),
  title: Text,
  shortName: Text,
  docNumber: Text,
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "日期格式应为 YYYY-MM-DD"),
  issuer: Text,
  standard: Text,
  basis: Text,
  certificateIssuer: Text,
  adjustment: z.strictObject({ clause: Clause, text: Text }),
  parts: z.record(z.string().regex(/^[一二三四五六七八九十]+$/, "部分编号应为汉字数字"), Text),
  ticket: z.strictObject({ clause: Clause, daysBeforeExam: z.number().int().min(1).max(60) }),
  /** 三（五）1: results published within N working days of the session, publicised for N days. */
  results: z.strictObject({ clause: Clause, withinWorkingDays: z.number().int().min(1).max(90), publicityDays: z.number().int().min(1).max(90) }).optional(),
  /** 三（六）: a passed subject is kept `keepYears` years, with `retakes` retakes within them. */
  retake: z.strictObject({ clause: Clause, keepYears: z.number().int().min(1).max(10), retakes: z.number().int().min(1).max(10).optional() }),
  /** Each sub-clause's text as printed ("三（三）": "…"), so that the next import can tell which answers' wording changed. */
  clauses: z.record(z.string(), Text).optional(),
});

export const PlanFile = z.strictObject({
  clause: Clause,
  organiser: Text,
  rows: z
    .array(
      z.strictObject({
        no: z.number().int().positive(),
        occupation: Text,
        track: Text.optional(),
        level: Level,
        months: z.array(Month).min(1).nullable(),
      }),
    )
    .min(1),
});

export const OccupationsFile = z.strictObject({
  occupations: z.array(z.strictObject({ name: Text, aliases: z.array(Text) })).min(1),
  tracks: z.array(z.strictObject({ name: Text, occupation: Text, aliases: z.array(Text) })),
  /** Occupations and tracks an earlier notice had and this one does not (written by the importer): named, they are said not to be in the plan. */
  withdrawn: z.array(z.strictObject({ name: Text, aliases: z.array(Text), lastYear: z.number().int().min(2000).max(2100) })).optional(),
});

export const EvaluationFile = z.strictObject({
  clause: Clause,
  subjects: z.array(z.strictObject({ name: Text, method: Text, aliases: z.array(Text) })).min(1),
});

export const FeesFile = z.strictObject({
  clause: Clause,
  subjects: z.strictObject({ theory: Text, skill: Text, review: Text }),
  tables: z
    .array(
      z.strictObject({
        occupation: Text,
        rows: z
          .array(
            z
              .strictObject({
                level: Level,
                theory: z.number().nonnegative(),
                skill: z.number().nonnegative(),
                review: z.number().nonnegative().nullable(),
                total: z.number().nonnegative(),
              })
              .refine((r) => r.theory + r.skill + (r.review ?? 0) === r.total, {
                message: "合计不等于各科之和",
                path: ["total"],
              }),
          )
          .min(1),
      }),
    )
    .min(1),
});

export const ContactsFile = z.strictObject({
  clause: Clause,
  address: z.strictObject({ clause: Clause, text: Text }),
  hours: z.strictObject({ clause: Clause, text: Text }),
  hotline: z.strictObject({ clause: Clause, text: Text }),
  website: z.strictObject({ clause: Clause, text: z.url() }),
  complaint: z.strictObject({ clause: Clause, phone: Text, email: z.email() }),
  certificateLookup: z.strictObject({ clause: Clause, text: z.url() }),
});

export const MaterialsFile = z.strictObject({
  clause: Clause,
  identity: z.strictObject({
    clause: Clause,
    rule: Text,
    groups: z
      .array(z.strictObject({ id: Text, label: Text, documents: z.array(Text).min(1), joiner: Text }))
      .min(1),
  }),
  photo: z.strictObject({
    clause: Clause,
    summary: Text,
    format: Text,
    minHeightPx: z.number().int().positive(),
    minWidthPx: z.number().int().positive(),
    minSizeKB: z.number().positive(),
    maxSizeKB: z.number().positive(),
    rules: z.array(Text).min(1),
  }),
  conditionMaterials: z.strictObject({ clause: Clause, text: Text }),
});

/** A school list is either a named group of conditions.yaml's `schoolGroups` or the school types themselves. */
const SchoolRef = z.union([Text, z.array(School).min(1)]);

export const Rule = z
  .strictObject({
    years: z.number().nonnegative().optional(),
    certificate: z
      .strictObject({
        level: Level,
        yearsSince: z.number().nonnegative().optional(),
        yearsHeld: z.number().nonnegative().optional(),
      })
      .optional(),
    education: z
      .strictObject({
        schools: SchoolRef,
        programs: z.array(Program).min(1).optional(),
        status: z.array(Status).min(1),
        relatedMajor: z.boolean().optional(),
      })
      .optional(),
    age: z.number().int().positive().optional(),
    working: z.boolean().optional(),
  })
  .refine((r) => Object.keys(r).length > 0, { message: "规则不能为空" });

const MaterialRef = z.strictObject({ ref: Text, schools: SchoolRef.optional() });

const LevelKey = z.string().regex(/^[1-5]$/, "等级键应为 1-5");

/** A condition sentence of 附件1 with its rule and its materials (`ref`s into `materialTexts`). */
const TemplateCondition = z.strictObject({ id: Text, text: Text, rule: Rule, materials: z.array(MaterialRef).min(1) });

/**
 * An occupation's own condition. Written by the importer, which may meet a sentence it cannot read into a rule: such a
 * condition keeps its text without `rule` (listed for review) and is never evaluated — nobody qualifies by it until a
 * person writes its rule. A condition whose cell lists no material has `materials: []`.
 */
const OwnCondition = z.strictObject({ id: Text, text: Text, rule: Rule.optional(), materials: z.array(MaterialRef) });

export const ConditionsFile = z.strictObject({
  clause: Clause,
  schoolGroups: z.record(z.string(), z.array(School).min(1)),
  materialTexts: z.record(z.string(), Text),
  /** Condition sets shared by several occupations, by level (`occupations[].levels` names the levels that use them). */
  templates: z.record(LevelKey, z.array(TemplateCondition).min(1)).default({}),
  occupations: z
    .array(
      z
        .strictObject({
          occupation: Text,
          /** The levels of the occupation's table, in the notice's order; a level without own `conditions` uses the template. */
          levels: z.array(Level).min(1).optional(),
          /** The occupation's own conditions by level (its table's numbers), in place of the template for those levels. */
          conditions: z.record(LevelKey, z.array(OwnCondition)).optional(),
          relatedOccupations: z.array(Text).min(1),
          relatedOccupationAliases: z.record(z.string(), z.array(Text)).optional(),
          /**
           * Footnotes of the occupation's table the importer could not read (as the notice words them): they may
           * restrict who can apply (an age for one track…), so no 可以报 is given where one applies (see rules.ts).
           */
          restrictions: z.array(Text).optional(),
          /** The notice's major lists; none when no condition of the table asks for 本专业或相关专业. */
          majorLists: z.array(z.strictObject({ label: Text, schools: SchoolRef, note: Text.optional(), majors: z.array(Text).min(1) })),
        })
        .refine((o) => o.levels !== undefined || (o.conditions !== undefined && Object.keys(o.conditions).length > 0), {
          message: "职业应有 levels（使用模板）或 conditions（本职业的条件）",
        }),
    )
    .min(1),
});

export const AnswersFile = z.strictObject({
  answers: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z_]+$/, "id 只能用小写字母和下划线"),
        topic: Text,
        clause: Clause,
        questions: z.array(Text).min(1),
        answer: Text,
      }),
    )
    .min(1),
});

/** A regular expression written as a string: it must compile. */
const Pattern = z.string().refine((s) => {
  try {
    new RegExp(s, "u");
    return true;
  } catch {
    return false;
  }
}, "不是有效的正则表达式");

export const LexiconFile = z.strictObject({
  levels: z.array(z.strictObject({ level: Level, name: Text, title: Text, aliases: z.array(Text) })).length(5),
  residency: z.array(z.strictObject({ group: Text, aliases: z.array(Text).min(1) })),
  schools: z.array(z.strictObject({ school: School, aliases: z.array(Text).min(1) })),
  programs: z.array(z.strictObject({ program: Program, aliases: z.array(Text).min(1) })),
  status: z.array(z.strictObject({ status: Status, aliases: z.array(Text).min(1) })),
  future: z.array(Text),
  none: z.strictObject({ work: z.array(Pattern), certificate: z.array(Pattern), education: z.array(Pattern) }),
  intending: z.array(Pattern),
  justCertified: z.array(Pattern),
  statusPatterns: z.partialRecord(Status, z.array(Pattern)),
  daysToExam: z.array(Pattern),
  resultYear: z.array(Pattern),
  yearsAgo: z.record(z.string().min(1), z.number().int().min(0).max(10)),
  exactDate: z.array(Pattern),
  also: z.array(Text),
  asksRequirement: z.array(Text),
  joiners: z.array(Text),
  jobTitle: z.array(Pattern),
  dialect: z.record(z.string().min(1), z.string()),
  /** Which notice a question is about (several years held), and questions about the next exam from today. */
  years: z.strictObject({
    /** Words for a year relative to the newest notice's year: 去年 → -1. */
    relative: z.record(z.string().min(1), z.number().int().min(-10).max(10)),
    /** A year named as the plan or notice asked about; the first group is the year (2023) or a relative word. */
    named: z.array(Pattern),
    /** Words asking for the next exam from today (下次, 还有…吗). */
    next: z.array(Text),
    /** A message that continues the last answer ("那三级呢"): it stays on the year the conversation was about. */
    followUp: z.array(Pattern),
  }),
});

/**
 * knowledge/common/everyday.yaml: everyday names of jobs and majors → the notice's names they may mean (names a notice
 * does not list are ignored, so the file serves every year); jobs on no list; words for being at school.
 */
export const EverydayFile = z.strictObject({
  jobs: z.record(z.string().min(1), z.array(Text).min(1)),
  otherJobs: z.array(Text),
  majors: z.record(z.string().min(1), z.array(Text).min(1)),
  studying: z.array(Text),
});

export const RepliesFile = z.strictObject({ replies: z.record(z.string(), Text) });

const Keyword = z.union([
  Text,
  z.strictObject({ text: Text, weight: z.number().positive() }),
  /** A regular expression; a match counts as three characters. */
  z.strictObject({ pattern: Pattern, weight: z.number().positive() }),
]);
export const IntentsFile = z.strictObject({
  intents: z
    .array(
      z.strictObject({
        intent: z.string().regex(/^[a-z_]+$/, "intent 只能用小写字母和下划线"),
        keywords: z.array(Keyword).default([]),
        entityBoost: z.record(z.string(), z.number()).optional(),
        needsEntity: z.array(Text).optional(),
        /** Intents that, right after this one and naming nothing new, continue it ("补考…" then "费用怎么算"). */
        continues: z.array(z.string()).optional(),
        examples: z.array(Text).min(1),
      }),
    )
    .min(1),
});

/**
 * intents/routing.yaml: the engine's decisions after understanding, as data. A route matches when the intent so far
 * is one of `intent`, every name of `has` is present and none of `lacks`, and `text` matches (and `notText` does not).
 */
export const RoutingFile = z.strictObject({
  routes: z
    .array(
      z.strictObject({
        name: Text,
        /** A message this route decides; the tests send it through the engine. */
        example: Text,
        intent: z.array(z.string().regex(/^[a-z_]+$/)).min(1).optional(),
        has: z.array(Text).optional(),
        lacks: z.array(Text).optional(),
        text: Pattern.optional(),
        notText: Pattern.optional(),
        then: z.string().regex(/^[a-z_]+$/, "intent 只能用小写字母和下划线"),
        /** The topic a follow-up continues after this answer (a retake's fee belongs to retakes: "能补几次"). */
        topic: z.string().regex(/^[a-z_]+$/).optional(),
      }),
    )
    .min(1),
});

export type Rule = z.infer<typeof Rule>;
export type NoticeFile = z.infer<typeof NoticeFile>;
export type ConditionsFile = z.infer<typeof ConditionsFile>;
export type IntentsFile = z.infer<typeof IntentsFile>;

export const DIALOG_FIELDS = [
  "occupation", "level", "yearsInField", "age", "certificate", "certificate.level", "certificate.related",
  "certificate.yearsInFieldSince", "certificate.yearsHeld", "education", "education.school", "education.program",
  "education.status", "education.major",
] as const;

export const DialogFile = z.strictObject({
  start: Text,
  resume: Text,
  quit: Text,
  restart: Text,
  back_none: Text,
  invalid: Text,
  probe: Text,
  known: Text,
  commands: z.strictObject({ back: z.array(Text).min(1), restart: z.array(Text).min(1), quit: z.array(Text).min(1) }),
  yes: z.array(Text).min(1),
  no: z.array(Text).min(1),
  fields: z.strictObject(
    Object.fromEntries(DIALOG_FIELDS.map((f) => [f, z.strictObject({ prompt: Text, hint: Text })])) as Record<
      (typeof DIALOG_FIELDS)[number],
      z.ZodObject<{ prompt: typeof Text; hint: typeof Text }>
    >,
  ),
  program_none: Text,
  /** Clarifying questions (issue 12): wording of the question for each field, its options, and the notes. */
  clarify: z.strictObject({
    job: Text,
    none: Text,
    major: Text,
    major_none: Text,
    major_ask: Text,
    levelslot: Text,
    levelslot_certificate: Text,
    levelslot_target: Text,
    status: Text,
    status_final: Text,
    status_not_final: Text,
    status_done: Text,
    years: Text,
    years_full: Text,
    years_short: Text,
    invalid: Text,
    job_other: Text,
    corrected: Text,
    not_open_because: Text,
  }),
});
