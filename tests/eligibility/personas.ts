/**
 * Simulated candidates who answer the eligibility dialog in their own words: vague ("大概7年吧"), saying more than asked,
 * naming their job or major in everyday words ("送快递的", "学物流的"), correcting themselves ("说错了，是4年"),
 * interrupting with another question, and unsure of their status ("还在上学呢"). Each persona has true facts; the
 * verdict the dialog reaches must equal the rules' verdict on them.
 *
 * The driver reads what the dialog is asking from the session (the field, and the options of a clarifying question)
 * and answers from the persona's truth, one message at a time, as the persona would say it.
 */
import { evaluate } from "../../src/eligibility/rules.js";
import type { Profile } from "../../src/eligibility/profile.js";
import type { Engine } from "../../src/engine/engine.js";
import type { SessionStore } from "../../src/engine/session.js";
import type { Knowledge } from "../../src/knowledge/load.js";
import { levelLabel } from "../../src/knowledge/facts.js";

/** How a persona says each fact; several wordings per field, the first tried first, the last the plainest. */
export interface Persona {
  id: string;
  /** The facts as the rules read them. */
  truth: Profile;
  /** The first message. */
  opening: string;
  /** Answers by field asked; the next wording is used when the same field is asked again. */
  say: Record<string, string[]>;
  /** The notice's name of the job the persona does, or "none" for a job outside every list (for clarifying options). */
  job?: string;
  /** What a bare level word in the persona's answers meant: the certificate held or the level wanted. */
  levelWord?: "certificate" | "target";
  /** Before answering the n-th question, ask this instead (and answer the question after). */
  interrupt?: { at: number; text: string };
  /** Right after answering this field, send this correction (the field was first answered wrongly). */
  correction?: { after: string; text: string };
}

export interface Outcome {
  persona: Persona;
  expected: boolean;
  /** Whether the dialog said 可以报; undefined when it never reached a verdict. */
  said?: boolean;
  messages: number;
  transcript: string[];
}

/** The options of a clarifying question the dialog waits on, as stored in its state (value "opt:<field>:<key>"). */
interface Waiting {
  asking?: string;
  clarify?: { field: string; options: { label: string; value: string }[] };
}

/** Which option a persona picks, from its truth. */
function choose(kb: Knowledge, p: Persona, options: { label: string; value: string }[]): string | undefined {
  const t = p.truth;
  const key = (v: string) => v.split(":").slice(2).join(":");
  const field = options[0]?.value.split(":")[1];
  const want = (() => {
    switch (field) {
      case "job":
        return p.job ?? "none";
      case "major":
        return t.education?.major;
      case "levelslot":
        return p.levelWord;
      case "status":
        return t.education?.status;
      case "school":
        return t.education?.school;
      case "years":
        // "已满N年" or "不满N年", from the true years.
        return options.map((o) => key(o.value)).find((k) => Number(k) <= t.yearsInField) ?? key(options.at(-1)!.value);
      default:
        return undefined;
    }
  })();
  const i = options.findIndex((o) => key(o.value) === want);
  const none = options.findIndex((o) => key(o.value) === "none");
  const pick = i >= 0 ? i : none;
  if (pick < 0) return undefined;
  // Half the personas type the number, the others tap (send the option's value) or type its label.
  return p.id.length % 3 === 0 ? options[pick].value : p.id.length % 3 === 1 ? String(pick + 1) : options[pick].label;
}

const VERDICT_YES = /可以报/;
const VERDICT_NO = /暂不符合|不符合|还不够报|未开设/;

/** Plays one persona through the engine; counts the persona's messages up to the verdict. */
export async function play(engine: Engine, store: SessionStore, kb: Knowledge, p: Persona, user: string): Promise<Outcome> {
  const transcript: string[] = [];
  let messages = 0;
  const send = async (text: string) => {
    messages++;
    const r = await engine.turn(user, text);
    transcript.push(`> ${text}`, r.replies.join("\n"));
    return r.replies.join("\n");
  };
  let reply = await send(p.opening);
  const times = new Map<string, number>();
  let questions = 0;
  let corrected = false;
  let last = reply;
  for (let turn = 0; turn < 25; turn++) {
    const session = await store.get(user);
    const state = session?.dialog as Waiting | undefined;
    if (!state) {
      // A correction still to make after a verdict.
      if (p.correction && !corrected && times.has(p.correction.after)) {
        corrected = true;
        last = reply = await send(p.correction.text);
        continue;
      }
      break;
    }
    questions++;
    if (p.interrupt && questions === p.interrupt.at) {
      await send(p.interrupt.text);
      p = { ...p, interrupt: undefined };
      continue;
    }
    if (state.clarify) {
      const answer = choose(kb, p, state.clarify.options) ?? p.say[state.clarify.field]?.at(-1) ?? "不清楚";
      last = reply = await send(answer);
      continue;
    }
    const field = state.asking!;
    const n = times.get(field) ?? 0;
    times.set(field, n + 1);
    const wordings = p.say[field] ?? [plain(kb, field, p.truth)];
    if (n >= wordings.length + 1) break; // asked again and again: give up (no verdict)
    last = reply = await send(wordings[Math.min(n, wordings.length - 1)]);
    if (p.correction && !corrected && p.correction.after === field) {
      corrected = true;
      last = reply = await send(p.correction.text);
    }
  }
  const expected = evaluate(kb, p.truth).eligible;
  const ended = !(await store.get(user))?.dialog;
  const said = ended && VERDICT_YES.test(last) && !VERDICT_NO.test(last) ? true : ended && VERDICT_NO.test(last) ? false : undefined;
  return { persona: p, expected, said, messages, transcript };
}

/** The plainest answer to a field, from the truth (for a question the persona's script did not foresee). */
export function plain(kb: Knowledge, field: string, t: Profile): string {
  const c = t.certificate;
  const e = t.education;
  switch (field) {
    case "occupation":
      return t.track ?? t.occupation;
    case "level":
      return levelLabel(kb, t.level).split("/")[0];
    case "yearsInField":
      return `${t.yearsInField}`;
    case "age":
      return `${t.age ?? 30}`;
    case "certificate":
      return c ? "有" : "没有";
    case "certificate.level":
      return levelLabel(kb, c!.level).split("/")[0];
    case "certificate.related":
      return c!.related ? "是" : "不是";
    case "certificate.yearsInFieldSince":
      return `${c!.yearsInFieldSince}`;
    case "certificate.yearsHeld":
      return `${c!.yearsHeld}`;
    case "education":
      return e ? "有" : "没有";
    case "education.school":
      return e!.school;
    case "education.program":
      return e!.program ?? "以上都不是";
    case "education.status":
      return { 毕业: "已毕业", 应届: "今年毕业", 在读: "在读，不是应届" }[e!.status];
    case "education.major":
      return `${e!.major}专业`;
    default:
      throw new Error(`unexpected question ${field}`);
  }
}

// === The generator

/** A small deterministic generator (mulberry32), so that a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CN = ["零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"];
const LEVEL_WORDS: Record<number, string[]> = {
  5: ["五级", "初级工", "初级", "5级"],
  4: ["四级", "中级工", "中级", "4级"],
  3: ["三级", "高级工", "高级", "3级"],
  2: ["二级", "技师", "2级"],
  1: ["一级", "高级技师", "1级"],
};

/** Everyday names of each occupation (the persona applies for it) and of jobs in its field, with the notice's name. */
const OCC_SAID: Record<string, string[]> = {
  电子商务师: ["电子商务师", "电商师", "电子商务师那个"],
  互联网营销师: ["互联网营销师", "网络营销师", "互联网营销师"],
  供应链管理师: ["供应链管理师", "供应链管理师", "供应链那个管理师"],
  信息安全测试员: ["信息安全测试员", "信息安全测试员", "安全测试员"],
};
/** Jobs in words: [what the persona says, the notice's name or "self" or "none"]. */
const JOBS: Record<string, [string, string][]> = {
  电子商务师: [["做电商运营", "self"], ["开网店", "self"], ["做营销员", "营销员"], ["做采购", "采购员"], ["送外卖", "网约配送员"], ["做客服", "客户服务管理员"], ["商场卖货当营业员", "商品营业员"], ["做广告设计", "广告设计师"]],
  互联网营销师: [["做直播带货", "self"], ["当主播", "self"], ["做电商", "电子商务师"], ["当导游", "导游"], ["做营销员", "营销员"], ["做网络编辑", "网络编辑"], ["当讲解员", "讲解员"], ["拍商业照片", "商业摄影师"]],
  供应链管理师: [["送快递", "邮政和快递服务人员"], ["做仓管", "仓储员"], ["做采购", "采购员"], ["跑货运开货车", "轨道、道路、航空、水上货物运输人员"], ["做销售", "销售员"], ["做装卸搬运", "装卸搬运和运输代理服务人员"], ["做供应链管理", "self"]],
  信息安全测试员: [["做网管", "网络与信息安全管理员"], ["写程序", "计算机程序设计员"], ["做软件测试", "计算机软件测试员"], ["做渗透测试", "self"], ["做通信工程", "通信工程技术人员"], ["做安全测试", "self"]],
};
const UNRELATED: string[] = ["做保洁", "当厨师", "当保安", "在工厂流水线上", "开出租车", "当幼师", "做会计", "在饭店当服务员", "做美发", "搞装修"];
/** Majors in words: [what the persona says, the notice's name]; everyday names that the lexicon maps. */
const MAJOR_SAID: [string, string][] = [
  ["学物流的", "现代物流"], ["学营销的", "市场营销"], ["电商专业", "电子商务"], ["学计算机的", "计算机应用"], ["读的软件工程", "软件工程"],
  ["我读的是会计那个", "会计"], ["学的护理", "护理"], ["财务管理专业", "财务管理"], ["网络工程专业", "网络工程"], ["市场营销", "市场营销"],
  ["学的是国际贸易", "国际贸易"], ["读的计算机网络技术", "计算机网络技术"], ["学汽修的", "汽车维修"], ["学的电子商务", "电子商务"], ["工商管理专业", "工商管理"],
];
const SCHOOL_SAID: Record<string, string[]> = {
  技工学校: ["技校", "技工学校"], 高级技工学校: ["高级技校", "高级技工学校"], 技师学院: ["技师学院", "技师学院"],
  中等职业学校: ["中专", "职高", "中等职业学校"], 高等职业学校: ["高职", "职业技术学院", "高等职业学校"],
  普通高等学校专科: ["大专", "专科", "普通高等学校专科"], 本科及以上: ["本科", "大学本科", "本科及以上"],
};
const INTERRUPTS = ["对了，考试一般几月份？", "费用大概多少钱", "报名在哪个网站", "准考证什么时候打印", "照片有什么要求"];

export function generate(kb: Knowledge, seed: number, n: number): Persona[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const out: Persona[] = [];
  for (let i = 0; out.length < n; i++) {
    const occupation = pick(kb.occupations.occupations.map((o) => o.name));
    const rules = kb.rules.get(occupation)!;
    const offered = [...rules.levels.keys()];
    const tracks = kb.occupations.tracks.filter((t) => t.occupation === occupation).map((t) => t.name);
    const track = tracks.length ? pick(tracks) : undefined;
    const level = pick(offered);
    const age = level === 5 ? pick([15, 16, 17, 19, 23, 30]) : pick([20, 26, 35, 44]);
    // Work: in the field (the occupation itself or a listed related job), outside the lists, or none.
    const kind = pick(["field", "field", "field", "unrelated", "none"] as const);
    const years = kind === "none" ? 0 : pick([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 15]);
    const [jobSaid, jobName] = kind === "field" ? pick(JOBS[occupation]) : kind === "unrelated" ? [pick(UNRELATED), "none"] : ["", ""];
    const inField = kind === "field" ? years : 0;
    const truth: Profile = { occupation, ...(track ? { track } : {}), level, age, yearsInField: inField };
    const say: Record<string, string[]> = {};
    const levelWord = pick(LEVEL_WORDS[level]);
    // A certificate.
    let certLevelWord: string | undefined;
    if (chance(0.55)) {
      const cl = pick([2, 3, 4, 5].filter((l) => l >= level - 1 || chance(0.3)));
      const related = chance(0.85);
      const held = Math.min(pick([0, 1, 2, 3, 4, 5, 6]), 20);
      const since = Math.min(held, inField);
      truth.certificate = { level: cl, related, yearsHeld: held, yearsInFieldSince: since };
      certLevelWord = pick(LEVEL_WORDS[cl]);
      say.certificate = [pick([`有个${certLevelWord}的证`, `我手上有个${certLevelWord}的证`, `考过一个${certLevelWord}证书`, "有"]), "有"];
      say["certificate.level"] = [pick([certLevelWord, `${certLevelWord}的`, `是${certLevelWord}`]), certLevelWord];
      say["certificate.related"] = related ? [pick(["是的", "对，是本职业的", "是"]), "是"] : [pick(["不是，是电工证", "不是", "是别的行业的"]), "不是"];
      say["certificate.yearsInFieldSince"] = [pick([`拿证后干了${since}年`, `${since}年`, `${CN[since] ?? since}年吧`]), `${since}`];
      say["certificate.yearsHeld"] = [pick([`${held}年`, `拿了${CN[held] ?? held}年了`, `${held}年左右`]), `${held}`];
    } else {
      say.certificate = [pick(["没有", "没证", "没有考过证", "没有证书"]), "没有"];
    }
    // Schooling.
    if (chance(0.55)) {
      const school = pick(Object.keys(SCHOOL_SAID)) as keyof typeof SCHOOL_SAID;
      const status = pick(["毕业", "毕业", "应届", "在读"] as const);
      const listed = [...new Set(rules.majorLists.filter((l) => l.schools.includes(school as never)).flatMap((l) => l.majors))];
      const [majorSaid, major] = chance(0.5) ? (() => { const m = pick(listed); return [pick([`${m}专业`, `学的${m}`, m]), m] as [string, string]; })() : pick(MAJOR_SAID);
      const technical = ["技工学校", "高级技工学校", "技师学院"].includes(school);
      const program = technical && chance(0.5) ? pick(["高级工班", "预备技师班", "技师班"] as const) : undefined;
      truth.education = { school: school as never, status, major, ...(program ? { program } : {}) };
      const schoolWord = pick(SCHOOL_SAID[school]);
      const statusWords = { 毕业: ["毕业了", "已经毕业", "毕业好几年了"], 应届: ["今年毕业", "今年6月毕业", "应届生"], 在读: ["还在读，明年毕业", "在读，不是应届", "才大二"] }[status];
      const vague = status !== "毕业" && chance(0.4);
      say.education = [pick([`${schoolWord}${status === "毕业" ? "毕业" : "在读"}`, `有，${schoolWord}`, vague ? `还在上学呢，${schoolWord}` : `${schoolWord}`]), "有"];
      if (vague) say.education = [`还在上学呢，${schoolWord}`, "有"];
      say["education.school"] = [schoolWord, school];
      say["education.status"] = vague ? ["还在上学呢", pick(statusWords), { 毕业: "已毕业", 应届: "今年毕业", 在读: "在读，不是应届" }[status]] : [pick(statusWords), { 毕业: "已毕业", 应届: "今年毕业", 在读: "在读，不是应届" }[status]];
      say["education.major"] = [majorSaid, `${major}专业`];
      say["education.program"] = [program ?? pick(["普通班", "都不是"]), program ?? "以上都不是"];
    } else {
      say.education = [pick(["没有", "初中毕业", "高中毕业就出来工作了", "没上过大学"]), "没有"];
    }
    // Years of work, said with the job (or not).
    const y = years;
    const yearsWords = kind === "none" ? [pick(["没有", "还没工作过", "0"]), "0"] : [
      pick([`${y}年`, `大概${y}年吧`, `${CN[y] ?? y}年了`, `${jobSaid}${y}年了`, `大概${y}年吧，不过我是${jobSaid}的`, `${jobSaid}的，干了${y}年`]),
      kind === "unrelated" ? `${y}年，${jobSaid}` : `${y}`,
    ];
    // A persona outside the field who does not name their job would be counted as in the field: the truth is what
    // they say, so a persona that hides its job is one in the field.
    if (kind === "unrelated" && !yearsWords[0].includes(jobSaid)) yearsWords[0] = `${y}年，${jobSaid}`;
    say.yearsInField = yearsWords;
    say.age = [pick([`${age}`, `${age}岁`, `今年${age}了`, `${CN[age] ?? age}岁`]), `${age}`];
    const occSaid = track ? pick([track, `${pick(OCC_SAID[occupation])}${track}`]) : pick(OCC_SAID[occupation]);
    say.occupation = [occSaid, track ?? occupation];
    say.level = [levelWord, LEVEL_WORDS[level][0]];
    // The opening: a bare start, the occupation, or the occupation and level, sometimes with facts.
    const style = pick(["bare", "occ", "occlevel", "occlevel", "facts"] as const);
    const opening =
      style === "bare" ? pick(["资格自测", "我想看看我能不能报", "我可以报名吗"]) :
      style === "occ" ? pick([`我想报${occSaid}`, `${occSaid}我能报吗`]) :
      style === "occlevel" ? pick([`我能报${occSaid}${levelWord}吗`, `想考${occSaid}${levelWord}，符合条件吗`]) :
      `${kind === "none" ? "还没工作过" : `${jobSaid}${y}年了`}，能报${occSaid}${levelWord}吗`;
    const p: Persona = {
      id: `g${seed}-${i}`,
      truth,
      opening,
      say,
      job: kind === "field" ? (jobName === "self" ? occupation : jobName) : kind === "unrelated" ? "none" : undefined,
      levelWord: "certificate",
    };
    if (chance(0.2)) p.interrupt = { at: 1 + Math.floor(r() * 3), text: pick(INTERRUPTS) };
    // A correction of the years: a wrong number first, then "说错了".
    if (kind === "field" && chance(0.2)) {
      const wrong = y + pick([2, 3, 5]);
      say.yearsInField = [`${wrong}年`, `${y}`];
      p.correction = { after: "yearsInField", text: pick([`说错了，是${y}年`, `不对，应该是${y}年`, `刚才说错了，${y}年`]) };
    }
    out.push(p);
  }
  return out;
}

export const levelName = (kb: Knowledge, level: number) => levelLabel(kb, level);
