/**
 * The console's NoticePublisher on the importer and the knowledge registry: `stage` writes the uploaded notice with
 * `npm run import`'s code into a folder under DATA_DIR/notices (not yet in use) and reports its review list and its
 * differences from the notice in use; `publish` switches every instance to it through the registry (SIGHUP's and the
 * reload route's path); `rollback` switches back to the folders in use before. What was published is kept in the
 * store's documents, so a restart starts on it.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { runImport } from "../importer/import.js";
import type { Change } from "../importer/diff.js";
import { KnowledgeError } from "../knowledge/load.js";
import type { KnowledgeRegistry } from "../knowledge/registry.js";
import type { DocStore } from "../handoff/docs.js";
import { NoticeError, type NoticeActor, type NoticePublisher, type NoticeStatus, type StagedNotice } from "./notices.js";

interface Staged {
  id: string;
  dir: string;
  title: string;
  at: number;
}

interface State {
  staged: Staged[];
  /** The folders in use before each publish, newest last (what rollback restores). */
  history: { dirs: string[]; title: string; year: number }[];
  /** The folders published, in use now (a restart starts on them). */
  published?: { dirs: string[]; title: string; at: number };
}

const KEY = "console:notices";
const show = (v: unknown) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.join("、") : typeof v === "object" ? JSON.stringify(v) : String(v));

export class ImporterPublisher implements NoticePublisher {
  constructor(
    private readonly registry: KnowledgeRegistry,
    private readonly docs: DocStore,
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  private async state(): Promise<{ value: State; version: number }> {
    const d = await this.docs.get<State>(KEY);
    return d ?? { value: { staged: [], history: [] }, version: 0 };
  }

  private async update(fn: (s: State) => State): Promise<State> {
    for (;;) {
      const { value, version } = await this.state();
      const next = fn(structuredClone(value));
      if ((await this.docs.cas(KEY, version, next)) !== undefined) return next;
    }
  }

  async stage(text: string, _actor: NoticeActor, fileName?: string): Promise<StagedNotice> {
    const id = randomUUID().slice(0, 8);
    const root = join(this.dataDir, "notices");
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const file = join(root, `${id}.txt`);
    writeFileSync(file, text, { mode: 0o600 });
    const out = join(root, id);
    const r = runImport({ file, out, previous: this.registry.notices.current.dir });
    rmSync(file, { force: true });
    if (r.code === 1) throw new NoticeError(`不是能读取的通知${fileName ? `（${fileName}）` : ""}：${r.error ?? (r.problems ?? []).join("；")}`, 400);
    const current = this.registry.notices.current.notice;
    const { loadKnowledge } = await import("../knowledge/load.js");
    const title = loadKnowledge({ noticeDir: out }).notice.shortName;
    await this.update((s) => ({ ...s, staged: [...s.staged, { id, dir: out, title, at: this.now() }].slice(-10) }));
    return {
      id,
      title,
      review: r.review,
      diff: {
        from: current.shortName,
        to: title,
        changes: r.changes.map((c: Change) => ({ area: c.section, kind: c.kind, what: c.item, before: show(c.before), after: show(c.after) })),
      },
    };
  }

  async publish(id: string): Promise<{ title: string }> {
    const s = (await this.state()).value;
    const staged = s.staged.find((x) => x.id === id);
    if (!staged) throw new NoticeError("没有这个待发布的通知（可能已发布或已放弃）", 404);
    const before = this.registry.status();
    try {
      await this.registry.reload({ dir: staged.dir });
    } catch (err) {
      if (err instanceof KnowledgeError) throw new NoticeError(`未能发布：${err.problems.map((p) => `${p.file} ${p.path}：${p.message}`).join("；")}`, 400);
      throw err;
    }
    const dirs = this.registry.notices.all.map((k) => k.dir);
    await this.update((st) => ({
      staged: st.staged.filter((x) => x.id !== id),
      history: [...st.history, { dirs: before.notices.map((n) => n.dir), title: `${before.current.year}年（${before.current.docNumber}）`, year: before.current.year }].slice(-10),
      published: { dirs, title: staged.title, at: this.now() },
    }));
    return { title: staged.title };
  }

  async discard(id: string): Promise<void> {
    const s = (await this.state()).value;
    const staged = s.staged.find((x) => x.id === id);
    if (!staged) throw new NoticeError("没有这个待发布的通知", 404);
    rmSync(staged.dir, { recursive: true, force: true });
    await this.update((st) => ({ ...st, staged: st.staged.filter((x) => x.id !== id) }));
  }

  async rollback(): Promise<{ title: string }> {
    const s = (await this.state()).value;
    const last = s.history.at(-1);
    if (!last) throw new NoticeError("没有可以恢复的上一版", 409);
    await this.registry.reload({ dirs: last.dirs });
    await this.update((st) => ({ ...st, history: st.history.slice(0, -1), published: { dirs: last.dirs, title: last.title, at: this.now() } }));
    return { title: last.title };
  }

  async status(): Promise<NoticeStatus> {
    const s = (await this.state()).value;
    const c = this.registry.notices.current.notice;
    const prev = s.history.at(-1);
    return {
      current: { title: c.shortName, year: c.year, publishedAt: s.published?.at },
      previous: prev ? { title: prev.title, year: prev.year } : null,
      staged: s.staged.map((x) => ({ id: x.id, title: x.title, at: x.at })),
    };
  }

  /** At start-up: the folders last published from the console, if they still load. */
  async restore(): Promise<void> {
    const s = (await this.state()).value;
    if (s.published?.dirs.length) await this.registry.reload({ dirs: s.published.dirs });
  }
}
