/** Entity extraction from normalised text, with every form of each term the knowledge base lists. */
import type { Knowledge } from "../knowledge/load.js";
import type { Program, School, Status } from "../knowledge/schema.js";
import { DURATION, durationYears, parseNumber } from "./normalize.js";
import { PrefixIndex } from "./prefix-index.js";

export interface Entities {
  /** The occupation asked about: the last one named, or the one a named track belongs to. */
  occupation?: string;
  /** Every occupation named, in order (the first may be the candidate's own job in "我是X，算Y的相关职业吗"). */
  occupations: string[];
  track?: string;
  /** The level asked about (not the level of a certificate held). */
  level?: number;
  levels: number[];
  /** A certificate held: its level, how long ago it was obtained, and the occupation named with it ("电子商务师四级证书"). */
  certificate?: { level?: number; years?: number; occupation?: string };
  years?: number;
  age?: number;
  month?: number;
  residency: string[];
  subject?: string;
  /** Occupations or tracks named together ("电子商务师和供应链管理师", "选品员、平台管理员"), each with its occupation. */
  together: { occupation: string; track?: string }[];
  /** Every subject named ("理论跟实操各多少钱"). */
  subjects: string[];
  /** Days left before the exam ("考前10天", "离考试还有8天"). */
  daysToExam?: number;
  /** When a result was obtained: a year ("2022年考的"), or how many years ago ("去年考过"). */
  resultYear?: { year?: number; yearsAgo?: number; said: string };
  /** Asks for a day rather than a month ("几号", "哪天截止"). */
  exactDate: boolean;
  school?: School;
  program?: Program;
  status?: Status;
  /** A major named: a listed one, or the words before 专业. */
  major?: string;
  /** A related occupation named (canonical name from the lists), and every one named ("导游和播音员"). */
  relatedOccupation?: string;
  relatedOccupations: string[];
  /** The question is about a year other than the notice's, or "the next" exam. */
  future: boolean;
  /** What the candidate says they do not have: work experience, a certificate, a qualifying education. */
  none: { work: boolean; certificate: boolean; education: boolean };
  /** Intends to work in the field (拟从事), not yet working in it. */
  intending: boolean;
  /** A job the candidate does that is none of the knowledge base's names ("当厨师6年", "做保洁的"). */
  unlistedJob?: string;
  /** A job named in everyday words (everyday.yaml): what was said and the notice's names it may mean ("送快递"). */
  job?: { said: string; names: string[] };
  /** The status was said only in words that do not tell 应届 from 在读 ("还在上学呢"). */
  statusVague?: boolean;
  /** An occupation named that the plan does not have ("人工智能训练师的认定"). */
  unknownOccupation?: string;
  /** The message speaks of the candidate ("我", "本人"). */
  self: boolean;
  /** A school named only to say the candidate did not attend it ("不是技师学院毕业的"). */
  negatedSchool?: boolean;
}

type Kind = "occupation" | "track" | "level" | "residency" | "subject" | "school" | "program" | "status" | "major" | "related" | "withdrawn" | "job" | "otherjob";

interface Entry {
  alias: string;
  kind: Kind;
  value: string;
}

interface Hit extends Entry {
  start: number;
  end: number;
  score: number;
}

const KIND_RANK: Record<Kind, number> = {
  occupation: 9, track: 8, school: 7, program: 7, level: 6, related: 5, major: 4, withdrawn: 3.5, subject: 3, residency: 2, status: 1, job: 0.5, otherjob: 0.4,
};
/** Said after these, a name is what the candidate studied, not their job ("学物流的", "读的是会计那个"). */
const STUDIED_BEFORE = /(学|读|念|修|学的|读的|专业是|学的是|读的是|念的是)$/;
/** Holding a level rather than wanting it: "考过一个初级工证书", "手上有个高级工". */
const POSSESS = /有|取得|拿到|持有|获得|拿了|考过|考了|考下|考到|考出|考取/g;
const HOLDS = /(?:(?:我|手上|手里|已经|本人|之前|以前)(?:有|持有)|拿到|取得|获得|考过|考下|考到|考出|考取|拿了)(?:了|过)?(?:一个|一张|个|张)?(?:的)?$/;

const NUM = String.raw`(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3}|半)`;
const CERT_AFTER = /^([（(][^）)]{1,8}[）)])?(的)?(职业资格|职业技能等级|技能等级|资格)?(证书|证)/;
const CERT_CONTEXT = /(证书|证|持证|拿证|取证)/;
const WORK_VERB = /工作|从事|做|干|从业|经验|上班|入行/;
const WORK_CONTEXT = new RegExp(`(${WORK_VERB.source})[了过]?$`);
const AFTER = /^(之后|此后|以后|后来|从那以后)/;

export class EntityExtractor {
  private readonly entries = new PrefixIndex<Entry>();
  private readonly futureWords: string[];
  private readonly year: number;
  private readonly none: { work: RegExp[]; certificate: RegExp[]; education: RegExp[] };
  private readonly intending: RegExp[];
  private readonly justCertified: RegExp[];
  private readonly daysToExam: RegExp[];
  private readonly exactDate: RegExp[];
  private readonly resultYear: RegExp[];
  private readonly joiners: Set<string>;
  private readonly jobTitle: RegExp[];
  private readonly statusPatterns: [Status, RegExp[]][];

  constructor(private readonly kb: Knowledge) {
    const e: Entry[] = [];
    const add = (kind: Kind, value: string, aliases: string[], valueIsName = true) => {
      for (const a of new Set(valueIsName ? [value, ...aliases] : aliases)) e.push({ alias: a.replace(/\s+/g, "").toLowerCase(), kind, value });
    };
    for (const o of kb.occupations.occupations) add("occupation", o.name, o.aliases);
    for (const t of kb.occupations.tracks) add("track", t.name, t.aliases);
    // An occupation or track an earlier notice had: named, it is one the plan does not have (not_in_plan).
    for (const w of kb.occupations.withdrawn ?? []) add("withdrawn", w.name, w.aliases);
    for (const l of kb.lexicon.levels) add("level", String(l.level), l.aliases, false);
    for (const r of kb.lexicon.residency) add("residency", r.group, r.aliases, false);
    for (const s of kb.evaluation.subjects) add("subject", s.name, s.aliases);
    for (const s of kb.lexicon.schools) add("school", s.school, s.aliases);
    for (const p of kb.lexicon.programs) add("program", p.program, p.aliases);
    for (const s of kb.lexicon.status) add("status", s.status, s.aliases);
    for (const said of Object.keys(kb.everyday?.jobs ?? {})) add("job", said, []);
    for (const said of kb.everyday?.otherJobs ?? []) add("otherjob", said, []);
    for (const rules of kb.rules.values()) {
      for (const list of rules.majorLists) for (const m of list.majors) add("major", m, []);
      for (const r of rules.relatedOccupations) add("related", r, rules.relatedOccupationAliases[r] ?? []);
    }
    for (const entry of dedupe(e)) this.entries.add(entry.alias, entry);
    this.futureWords = kb.lexicon.future;
    this.year = kb.notice.year;
    const compile = (list: string[]) => list.map((p) => new RegExp(p, "u"));
    this.none = { work: compile(kb.lexicon.none.work), certificate: compile(kb.lexicon.none.certificate), education: compile(kb.lexicon.none.education) };
    this.intending = compile(kb.lexicon.intending);
    this.justCertified = compile(kb.lexicon.justCertified);
    this.daysToExam = compile(kb.lexicon.daysToExam);
    this.exactDate = compile(kb.lexicon.exactDate);
    this.resultYear = compile(kb.lexicon.resultYear);
    this.joiners = new Set(kb.lexicon.joiners);
    this.jobTitle = compile(kb.lexicon.jobTitle);
    this.statusPatterns = Object.entries(kb.lexicon.statusPatterns).map(([s, list]) => [s as Status, compile(list)]);
  }

  extract(text: string): Entities {
    const hits = this.scan(text);
    const out: Entities = {
      occupations: [], levels: [], residency: [], subjects: [], relatedOccupations: [], together: [], future: false, exactDate: false,
      none: { work: false, certificate: false, education: false }, intending: false, self: /我|本人|自己/.test(text),
    };
    // Of several tracks, the one said with the occupation or a level ("在直播平台做内容审核…能报互联网营销师平台管理员
    // 五级吗"): the others name where the candidate works.
    const tracks = hits.filter((h) => h.kind === "track");
    const asked = tracks.length > 1 ? tracks.find((t) => hits.some((h) => (h.kind === "occupation" || h.kind === "level") && (h.end === t.start || t.end === h.start))) : undefined;
    if (asked) out.track = asked.value;
    // Names joined to one another by a joiner only are asked about together.
    const named = hits.filter((h) => h.kind === "occupation" || h.kind === "track");
    const joined = new Set<Hit>();
    for (let i = 0; i + 1 < named.length; i++) {
      if (!this.joiners.has(text.slice(named[i].end, named[i + 1].start))) continue;
      joined.add(named[i]).add(named[i + 1]);
    }
    for (const h of joined) {
      const occupation = h.kind === "track" ? this.kb.occupations.tracks.find((t) => t.name === h.value)!.occupation : h.value;
      const item = h.kind === "track" ? { occupation, track: h.value } : { occupation };
      if (!out.together.some((x) => x.occupation === item.occupation && x.track === item.track)) out.together.push(item);
    }
    hits.forEach((h, i) => {
      switch (h.kind) {
        case "occupation":
          out.occupations.push(h.value);
          break;
        case "track":
          out.track ??= h.value;
          break;
        case "withdrawn":
          out.unknownOccupation ??= h.value;
          break;
        case "level": {
          const level = Number(h.value);
          // "哪一级", "几级" ask which level; they name none.
          if (/[哪几每]$/.test(text.slice(Math.max(0, h.start - 1), h.start))) break;
          // "有四级证书" is a certificate held; "想考个初级证" is the level asked about.
          const clause = text.slice(Math.max(0, h.start - 10), h.start).split(/[，,。；;！!？?]/).at(-1)!;
          const wanted = /(考|报)/.test(clause.replace(POSSESS, "")) && !/(有|取得|拿到|持有|获得|拿了)/.test(clause);
          const held = !wanted && HOLDS.test(clause.slice(-8)) && !/^[吗呢么]/.test(text.slice(h.end, h.end + 1));
          if ((CERT_AFTER.test(text.slice(h.end, h.end + 9)) || held) && !wanted) {
            // The occupation (or related occupation) named with it: "营销员五级证", "电子商务师三级证书".
            const before = hits[i - 1];
            const occupation = before && before.end === h.start && (before.kind === "occupation" || before.kind === "related") ? before.value : undefined;
            out.certificate = { ...out.certificate, level, ...(occupation ? { occupation } : {}) };
          } else out.levels.push(level);
          break;
        }
        case "residency":
          if (!out.residency.includes(h.value)) out.residency.push(h.value);
          break;
        case "subject":
          out.subject ??= h.value;
          if (!out.subjects.includes(h.value)) out.subjects.push(h.value);
          break;
        case "school":
          // "不是技师学院毕业的" names a school the candidate did not attend.
          if (!/(不是|并非|非|没读|没上|没在)$/.test(text.slice(Math.max(0, h.start - 2), h.start))) out.school ??= h.value as School;
          else out.negatedSchool = true;
          break;
        case "program":
          out.program ??= h.value as Program;
          break;
        case "status": {
          // "在读应届毕业生" is 应届: a final-year student counts as a graduate.
          const vague = (this.kb.everyday?.studying ?? []).includes(h.alias);
          if (!out.status || h.value === "应届" || (out.statusVague && !vague)) {
            out.status = h.value as Status;
            out.statusVague = vague;
          }
          break;
        }
        case "job":
        case "otherjob": {
          // "学物流的", "读的是会计那个": what was studied, not a job.
          const studied = text.startsWith("专业", h.end) || STUDIED_BEFORE.test(text.slice(Math.max(0, h.start - 4), h.start));
          if (studied) break;
          if (h.kind === "job" && !out.job) {
            const names = this.kb.everyday.jobs[h.value] ?? [];
            out.job = { said: h.value, names };
            // One related occupation ("送快递" → 邮政和快递服务人员): named as its listed name would be.
            if (names.length === 1 && !this.kb.rules.has(names[0])) {
              out.relatedOccupation ??= names[0];
              if (!out.relatedOccupations.includes(names[0])) out.relatedOccupations.push(names[0]);
            }
          }
          else out.unlistedJob ??= h.value;
          break;
        }
        case "major":
          out.major ??= h.value;
          break;
        case "related":
          if (!this.kb.rules.has(h.value)) {
            out.relatedOccupation ??= h.value;
            if (!out.relatedOccupations.includes(h.value)) out.relatedOccupations.push(h.value);
          } else out.occupations.push(h.value);
          break;
      }
    });
    out.occupations = [...new Set(out.occupations)];
    const trackOcc = out.track && this.kb.occupations.tracks.find((t) => t.name === out.track)?.occupation;
    out.occupation = trackOcc || out.occupations.at(-1);
    out.level = out.levels.at(-1);
    if (!out.major) {
      // An unlisted major: the words before 专业 ("我是学会计专业的" → 会计), unless they ask about the lists.
      for (const m of text.matchAll(/([\p{Script=Han}a-z]{2,16}?)专业/gu)) {
        const tail = m[1].split(/[的，,]/).at(-1)!;
        const words = tail.replace(/^(?:我是|我学|我读|学的是|读的是|本人|我|是|学|读|念|修)+/u, "");
        const vague = /^本|相关|什么|哪些|哪个|啥|对口|所学|这个|那个|其他|别的/.test(words) || words.length < 2;
        if (!vague && !out.occupations.some((o) => words.includes(o))) {
          out.major = words;
          break;
        }
      }
    }
    this.numbers(text, out);
    if (!out.occupation && !out.relatedOccupation) {
      const m = /([\p{Script=Han}]{2,10}?(?:师|员))的?(?:认定|考试|证书|证|考|几月|哪个月|什么时候|啥时候|多少钱|报名|能报|可以报)/u.exec(text);
      // Only words that are none of the knowledge base's names (电商师 is 电子商务师; 营销员 a related occupation).
      if (m && !hits.some((h) => h.start < m.index + m[1].length && h.end > m.index)) out.unknownOccupation = m[1].replace(/^(?:今年|明年|请问|问下|问一下|你们|这里|有没有|还有|有|考|报|想考|想报|能考|能报|我想|我)+/, "");
    }
    const any = (patterns: RegExp[]) => patterns.some((p) => p.test(text));
    out.none = { work: any(this.none.work), certificate: any(this.none.certificate), education: any(this.none.education) };
    out.intending = any(this.intending);
    /** The first of the patterns that matches; the lexicon's patterns carry what they read as their first group. */
    const first = (patterns: RegExp[]) => patterns.reduce<RegExpExecArray | null>((m, p) => m ?? p.exec(text), null);
    const days = parseNumber(first(this.daysToExam)?.[1] ?? "");
    if (Number.isInteger(days)) out.daysToExam = days;
    out.exactDate = any(this.exactDate);
    const job = first(this.jobTitle);
    if (job) {
      const start = job.index + job[0].length - job[1].length;
      if (!hits.some((h) => h.start < start + job[1].length && h.end > start)) out.unlistedJob = job[1];
    }
    const said = first(this.resultYear)?.[1];
    if (said && /^\d{4}$/.test(said)) out.resultYear = { year: Number(said), said: `${said}年` };
    else if (said && this.kb.lexicon.yearsAgo[said] !== undefined) out.resultYear = { yearsAgo: this.kb.lexicon.yearsAgo[said], said };
    // "今年6月毕业" is 应届, "明年才毕业" still 在读.
    // They say more than a bare 毕业, so they win over it.
    for (const [status, patterns] of this.statusPatterns) {
      if ((!out.status || out.status === "毕业" || out.statusVague) && any(patterns)) {
        out.status = status;
        out.statusVague = false;
      }
    }
    // "三级证书上个月刚拿到": no years since the certificate yet.
    if (out.certificate && out.certificate.years === undefined && any(this.justCertified)) out.certificate.years = 0;
    // "我今年16岁" is about the candidate, not about this year's exams.
    const dated = text.replace(/今年\d{1,3}(周)?岁/g, "");
    out.future = this.futureWords.some((w) => dated.includes(w)) || [...text.matchAll(/(20\d\d)年/g)].some((m) => Number(m[1]) !== this.year);
    return out;
  }

  /** Every alias occurrence, then a greedy choice of non-overlapping hits, longest first. */
  private scan(text: string): Hit[] {
    const hits: Hit[] = [];
    for (let i = 0; i < text.length; i++) {
      for (const { value: entry } of this.entries.at(text, i)) {
        const end = i + entry.alias.length;
        // A major followed by 专业 or after 学/读 outranks an occupation alias of the same words (电子商务专业,
        // 学电子商务, 信息安全专业).
        const studied = text.startsWith("专业", end) || /(学|读|念|修|学的|读的|专业是|学的是|读的是|念的是)$/.test(text.slice(Math.max(0, i - 3), i));
        const bonus = entry.kind === "major" && studied ? 2 : 0;
        hits.push({ ...entry, start: i, end, score: entry.alias.length + bonus });
      }
    }
    hits.sort((a, b) => b.score - a.score || KIND_RANK[b.kind] - KIND_RANK[a.kind] || a.start - b.start);
    const taken = new Uint8Array(text.length);
    const chosen: Hit[] = [];
    for (const h of hits) {
      let free = true;
      for (let i = h.start; i < h.end && free; i++) free = !taken[i];
      if (!free) continue;
      taken.fill(1, h.start, h.end);
      chosen.push(h);
    }
    return chosen.sort((a, b) => a.start - b.start);
  }

  /** Years of work, years with a certificate, age and month, written in digits or Chinese numerals. */
  private numbers(text: string, out: Entities): void {
    for (const m of text.matchAll(DURATION)) {
      const before = text.slice(Math.max(0, m.index - 1), m.index);
      const digits = m[2] ?? m[7];
      if (/\d/.test(before) || /^\d{4}$/.test(digits)) continue; // 2024年 is a year, not a duration
      const after = text.slice(m.index + m[0].length, m.index + m[0].length + 1);
      if (after === "级" || (m[2] === undefined && after === "份")) continue;
      // "一年有哪几个月", "一年内有一次补考机会", "一年考几次": a span of the calendar, not years of work.
      if (/^(有|内|中|里|几|考|多少|一次|两次|之内)/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 2))) continue;
      const n = durationYears(m);
      if (Number.isNaN(n)) continue;
      // "5年前拿到三级证": when the certificate was obtained, not years of work.
      if (after === "前") {
        const rest = text.slice(m.index + m[0].length).split(/[，,。；;！!？?]/)[0];
        if (out.certificate && (CERT_CONTEXT.test(rest) || CERT_CONTEXT.test(text.slice(Math.max(0, m.index - 4), m.index)))) out.certificate.years ??= n;
        continue;
      }
      // Only the clause the number is in: "有三级证书，工作6年了" is six years of work, not of the certificate.
      const clauses = text.slice(0, m.index).split(/[，,。；;！!？?、]/);
      const context = clauses.at(-1)!.slice(-12);
      // "取得四级证书后工作了4年" is work since the certificate; "有证书工作6年" is work in all.
      // "拿证后一直做电商，到现在整整4年": a clause that only counts on from a certificate in the one before.
      // "五年前拿到三级证，之后一直做运营满5年": so does a clause that starts with 之后 after the certificate's.
      // A clause after the certificate: "拿证后…", or "之后…" once a certificate was mentioned.
      const afterCert = (k: number) => /证书?后/.test(clauses[k]) || (AFTER.test(clauses[k]) && clauses.slice(0, k).some((c) => CERT_CONTEXT.test(c)));
      const last = clauses.length - 1;
      const countsOn = (last > 0 && afterCert(last - 1) && !CERT_CONTEXT.test(context) && !WORK_VERB.test(context)) || (AFTER.test(clauses[last]) && afterCert(last));
      const sinceCert = countsOn || (CERT_CONTEXT.test(context) && (/证书?后|取证后|拿证后/.test(context) || !WORK_CONTEXT.test(context)));
      if (sinceCert && out.certificate) out.certificate.years ??= n;
      else out.years ??= n;
    }
    const age = new RegExp(`(?:年满|满|今年)?${NUM}(?:周岁|岁)`).exec(text);
    if (age) {
      const n = parseNumber(age[1]);
      if (!Number.isNaN(n)) out.age = n;
    }
    const month = /(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月/.exec(text);
    if (month && !/几月|哪月/.test(month[0])) {
      const n = parseNumber(month[1]);
      if (n >= 1 && n <= 12) out.month = n;
    }
  }
}

function dedupe(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.kind}\u0000${e.alias}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
