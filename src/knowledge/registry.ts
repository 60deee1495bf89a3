/**
 * The notices the product answers from, where they come from, and publishing another set without a restart.
 *
 * - Which folders: `KNOWLEDGE_DIR` (one folder anywhere on disk: the current notice, alone), `KNOWLEDGE_DIRS` (several,
 *   separated by the path delimiter, ":" on Linux), both (KNOWLEDGE_DIR must then be the newest), or neither: every
 *   folder of knowledge/ that has a notice.yaml.
 * - The newest year answers by default; a question naming another year held is answered from that year's notice.
 * - `KnowledgeRegistry.reload()` loads and validates a new set completely, has the engine build its per-notice state
 *   off to the side, and only then swaps one reference. A folder that does not validate is refused with every problem
 *   (file and path) and the knowledge in use keeps answering. With a bus (Redis pub/sub), every other instance is told
 *   which folders to switch to.
 */
import { delimiter, join, relative, resolve } from "node:path";
import { KnowledgeError, loadKnowledge, noticeDirs, ROOT, type Knowledge, type Problem } from "./load.js";

export interface Notices {
  /** The notice that answers by default: the newest year held. */
  current: Knowledge;
  /** Every notice held, newest first (one per year). */
  all: Knowledge[];
}

export interface NoticeSource {
  /** KNOWLEDGE_DIR: one folder, the current notice. */
  dir?: string;
  /** KNOWLEDGE_DIRS: several folders, loaded beside KNOWLEDGE_DIR if that is set too. */
  dirs?: string[];
  /** Where to look when neither is set: every folder with a notice.yaml (default knowledge/). */
  root?: string;
  commonDir?: string;
  intentsDir?: string;
}

/** "a:b" (the platform's path delimiter) → ["a", "b"], blanks dropped. */
export function parseDirList(value: string | undefined): string[] {
  return (value ?? "").split(delimiter).map((d) => d.trim()).filter(Boolean);
}

/** The notice source configured by the environment (KNOWLEDGE_DIR, KNOWLEDGE_DIRS). */
export function sourceFromEnv(env: { KNOWLEDGE_DIR?: string; KNOWLEDGE_DIRS?: string } = process.env): NoticeSource {
  const dir = env.KNOWLEDGE_DIR?.trim() || undefined;
  const dirs = parseDirList(env.KNOWLEDGE_DIRS);
  return { dir, dirs: dirs.length ? dirs : undefined };
}

/** The folders a source names: KNOWLEDGE_DIR, then KNOWLEDGE_DIRS; neither: every notice folder of knowledge/. */
export function sourceDirs(source: NoticeSource): string[] {
  const named = [...(source.dir ? [source.dir] : []), ...(source.dirs ?? [])].map((d) => resolve(d));
  return named.length ? unique(named) : noticeDirs(source.root ?? join(ROOT, "knowledge"));
}

const unique = (dirs: string[]) => [...new Set(dirs)];
const shown = (dir: string) => relative(ROOT, dir) || dir;

/**
 * Loads and validates every folder (with knowledge/common and intents/); throws one KnowledgeError listing the problems
 * of all of them. Two folders of one year are refused, unless `prefer` says which of them wins (a folder published at
 * run time over the configured one). `current`, when given, must be the newest.
 */
export function loadNotices(dirs: string[], options: { commonDir?: string; intentsDir?: string; current?: string; prefer?: string[] } = {}): Notices {
  const problems: Problem[] = [];
  const loaded: Knowledge[] = [];
  for (const dir of unique(dirs.map((d) => resolve(d)))) {
    const kb = loadOne(dir, options, problems);
    if (kb) loaded.push(kb);
  }
  return assemble(loaded, problems, options);
}

function loadOne(dir: string, options: { commonDir?: string; intentsDir?: string }, problems: Problem[]): Knowledge | undefined {
  try {
    return loadKnowledge({ noticeDir: dir, commonDir: options.commonDir, intentsDir: options.intentsDir });
  } catch (err) {
    if (err instanceof KnowledgeError) problems.push(...err.problems);
    else problems.push({ file: shown(dir), path: "", message: (err as Error).message });
    return undefined;
  }
}

function assemble(loaded: Knowledge[], problems: Problem[], options: { current?: string; prefer?: string[] }): Notices {
  if (!loaded.length && !problems.length) problems.push({ file: "knowledge/", path: "", message: "没有找到含 notice.yaml 的通知目录" });
  const prefer = (options.prefer ?? []).map((d) => resolve(d));
  const byYear = new Map<number, Knowledge>();
  for (const kb of loaded) {
    const other = byYear.get(kb.notice.year);
    if (!other) {
      byYear.set(kb.notice.year, kb);
      continue;
    }
    // A folder published later wins over one loaded before it for the same year.
    const rank = (k: Knowledge) => prefer.lastIndexOf(k.dir);
    if (rank(kb) !== rank(other)) {
      if (rank(kb) > rank(other)) byYear.set(kb.notice.year, kb);
      continue;
    }
    problems.push({
      file: shown(join(kb.dir, "notice.yaml")),
      path: "year",
      message: `与 ${shown(other.dir)} 同为 ${kb.notice.year} 年的通知：同一年只能有一个通知目录`,
    });
  }
  const all = [...byYear.values()].sort((a, b) => b.notice.year - a.notice.year);
  if (options.current && all.length) {
    const current = all.find((k) => k.dir === resolve(options.current!));
    if (current && current !== all[0]) {
      problems.push({
        file: shown(join(current.dir, "notice.yaml")),
        path: "year",
        message: `KNOWLEDGE_DIR 应为最新的通知：${shown(all[0].dir)} 是 ${all[0].notice.year} 年的，比它（${current.notice.year} 年）新`,
      });
    }
  }
  if (problems.length) throw new KnowledgeError(problems);
  return { current: all[0], all };
}

/** Loads what a source names (the service's start-up). */
export function loadSource(source: NoticeSource): Notices {
  return loadNotices(sourceDirs(source), { commonDir: source.commonDir, intentsDir: source.intentsDir, current: source.dir });
}

/** The notices as one notice (a caller that has only one). */
export function single(kb: Knowledge): Notices {
  return { current: kb, all: [kb] };
}

// === Which notice a question is about

const compiledNamed = new WeakMap<object, { named: RegExp[]; followUp: RegExp[]; resultYear: RegExp[] }>();
function patterns(kb: Knowledge) {
  let p = compiledNamed.get(kb.lexicon);
  if (!p) {
    const y = kb.lexicon.years;
    p = {
      named: y.named.map((s) => new RegExp(s, "gu")),
      followUp: y.followUp.map((s) => new RegExp(s, "u")),
      resultYear: kb.lexicon.resultYear.map((s) => new RegExp(s, "gu")),
    };
    compiledNamed.set(kb.lexicon, p);
  }
  return p;
}

/**
 * The year a (normalised) question names as the notice or plan it asks about: "2023年电子商务师几月考" → 2023,
 * "去年的费用" → the current notice's year − 1. A year said of the candidate ("2022年考过", "去年毕业") is not one.
 */
export function namedYear(kb: Knowledge, text: string, currentYear: number): { year: number; said: string } | undefined {
  if (!/\d|年/.test(text)) return undefined;
  const p = patterns(kb);
  // Where a result year is said ("去年考的理论过了"): a year there is the candidate's, not the notice's.
  const taken: [number, number][] = [];
  for (const r of p.resultYear) for (const m of text.matchAll(r)) taken.push([m.index, m.index + m[0].length]);
  for (const r of p.named) {
    for (const m of text.matchAll(r)) {
      const said = m[1];
      const at = m.index + m[0].indexOf(said);
      if (taken.some(([s, e]) => at >= s && at < e)) continue;
      if (/^\d{4}$/.test(said)) return { year: Number(said), said: `${said}年` };
      const offset = kb.lexicon.years.relative[said];
      if (offset !== undefined) return { year: currentYear + offset, said };
    }
  }
  return undefined;
}

/** Whether a (normalised) message continues the last answer ("那三级呢", "多少钱"). */
export const isFollowUp = (kb: Knowledge, text: string): boolean => patterns(kb).followUp.some((r) => r.test(text));

/** Whether a (normalised) message asks for the next exam from today ("下次什么时候考", "今年还有吗"). */
export const asksNext = (kb: Knowledge, text: string): boolean => kb.lexicon.years.next.some((w) => text.includes(w));

// === Publishing

export interface NoticeSummary {
  year: number;
  docNumber: string;
  dir: string;
  hash: string;
}

export interface PublishResult {
  current: NoticeSummary;
  notices: NoticeSummary[];
  /** Whether anything answered differs from before (another folder, or a folder's contents changed). */
  changed: boolean;
  /** How many other instances were told (with a bus). */
  instancesNotified?: number;
}

/** What the registry publishes to: the engine (its per-notice state is built off to the side, then swapped). */
export interface Publishable {
  readonly notices: Notices;
  publish(notices: Notices): Promise<void>;
}

/** Tells the other instances which folders to switch to (Redis pub/sub). */
export interface KnowledgeBus {
  /** Sends the folders now in use; resolves to how many other instances received it. */
  publish(dirs: string[]): Promise<number>;
  close(): Promise<void>;
}

export interface ReloadRequest {
  /** A notice folder to switch to: it replaces the notice of its year, or is added beside the others. */
  dir?: string;
  /** Exactly these folders (a message from another instance). */
  dirs?: string[];
}

export interface RegistryLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const summary = (kb: Knowledge): NoticeSummary => ({ year: kb.notice.year, docNumber: kb.notice.docNumber, dir: kb.dir, hash: kb.hash });

/** Lets the event loop answer other requests between two long synchronous steps of a reload. */
const breathe = () => new Promise<void>((r) => setImmediate(r));

export class KnowledgeRegistry {
  /** Folders switched to at run time (POST …/knowledge/reload with a dir, or another instance's message). */
  private extra: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  bus?: KnowledgeBus;
  /** Applied to the current notice at every reload: the console's answer edits (a layer over answers.yaml). */
  transform?: (kb: Knowledge) => Promise<Knowledge>;

  constructor(
    private readonly target: Publishable,
    private readonly source: NoticeSource = {},
    private readonly logger?: RegistryLogger,
  ) {}

  /** The notices in use. */
  get notices(): Notices {
    return this.target.notices;
  }

  status(): { current: NoticeSummary; notices: NoticeSummary[] } {
    const n = this.target.notices;
    return { current: summary(n.current), notices: n.all.map(summary) };
  }

  /**
   * Reloads the folders in use (knowledge/ is looked at again when no folder is configured), or switches to `dir`,
   * or to exactly `dirs`. Throws a KnowledgeError (every problem, with file and path) and changes nothing when the new
   * set does not validate. Reloads run one at a time. `from` "remote": a message from another instance (not passed on).
   */
  reload(request: ReloadRequest = {}, from: "local" | "remote" = "local"): Promise<PublishResult> {
    const run = this.queue.then(() => this.doReload(request, from));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doReload(request: ReloadRequest, from: "local" | "remote"): Promise<PublishResult> {
    const base = sourceDirs(this.source);
    let extra: string[];
    let dirs: string[];
    if (request.dirs) {
      dirs = unique(request.dirs.map((d) => resolve(d)));
      extra = dirs.filter((d) => !base.includes(d));
    } else {
      extra = unique([...this.extra, ...(request.dir ? [resolve(request.dir)] : [])]);
      dirs = unique([...base, ...extra]);
    }
    const problems: Problem[] = [];
    const loaded: Knowledge[] = [];
    for (const dir of dirs) {
      const kb = loadOne(dir, this.source, problems);
      if (kb) loaded.push(kb);
      await breathe();
    }
    // A folder named now is the one that must load: a problem in it refuses the whole reload.
    let notices = assemble(loaded, problems, { prefer: extra, current: request.dirs ? undefined : this.source.dir && !extra.length ? this.source.dir : undefined });
    if (this.transform) {
      const current = await this.transform(notices.current);
      notices = { current, all: notices.all.map((k) => (k === notices.current ? current : k)) };
    }
    const before = this.target.notices;
    try {
      await this.target.publish(notices);
    } catch (err) {
      throw new KnowledgeError([{ file: shown(notices.current.dir), path: "", message: `无法启用：${(err as Error).message}` }]);
    }
    this.extra = extra.filter((d) => notices.all.some((k) => k.dir === d));
    const key = (n: Notices) => n.all.map((k) => `${k.dir}:${k.hash}`).join("|");
    const result: PublishResult = { current: summary(notices.current), notices: notices.all.map(summary), changed: key(before) !== key(notices) };
    this.logger?.info(
      { from, notices: result.notices.map((n) => `${n.year} ${n.docNumber} ${n.dir}`), changed: result.changed },
      `知识库已切换：当前 ${notices.current.notice.year} 年（${notices.current.notice.docNumber}）`,
    );
    if (from === "local" && this.bus) {
      try {
        result.instancesNotified = await this.bus.publish(notices.all.map((k) => k.dir));
      } catch (err) {
        this.logger?.error({ err: (err as Error).message }, "无法通知其他实例切换知识库");
      }
    }
    return result;
  }

  /** A message from another instance: switch to the folders it names; a set that does not load here is logged and refused. */
  async onRemote(dirs: string[]): Promise<void> {
    // (The same folders as in use are reloaded too: their contents may have changed.)
    try {
      await this.reload({ dirs }, "remote");
    } catch (err) {
      const problems = err instanceof KnowledgeError ? err.problems : [{ file: "", path: "", message: (err as Error).message }];
      this.logger?.error({ dirs, problems }, "其他实例发布的知识库在本实例无法加载，继续使用原来的知识库");
    }
  }
}
