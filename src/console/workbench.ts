/**
 * The console as the bot's workbench (issue 14): answers edited (a layer over answers.yaml), unanswered questions
 * turned into answers, every change in a history that can be reverted, the numbers, and publishing a notice. Mounted
 * by consoleRouter after its login check; every change here is admin-only (the router's role check).
 */
import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { Engine } from "../engine/engine.js";
import type { UnansweredLog } from "../engine/unanswered.js";
import type { Knowledge } from "../knowledge/load.js";
import { mask } from "../logging.js";
import { shanghaiDay, statsCsv, type StatsRecorder } from "../stats/stats.js";
import type { Session } from "./auth.js";
import { AnswerEdits, dedupe, LOCAL_CLAUSE, MAX_QUESTION_CHARS, MAX_QUESTIONS, type AnswerEdit } from "./edits.js";
import { ChangeHistory, type HistoryAction, type HistoryEntry } from "./history.js";
import { MAX_NOTICE_BYTES, NoticeError, type NoticeActor, type NoticePublisher } from "./notices.js";
import { questionKey, type UnansweredGroup } from "./unanswered.js";
import type { ChatLogView } from "./chatlog.js";

export interface WorkbenchDeps {
  /** The engine answering now (its kb has the edits applied). */
  engine: () => Engine;
  /** A name staff recognise for an intent (the console search's). */
  intentLabel: (intent: string) => string;
  unanswered: UnansweredLog;
  edits: AnswerEdits;
  history: ChangeHistory;
  /** Rebuilds the engine on the edited knowledge (every instance); awaited before a change is answered. */
  republish: () => Promise<void>;
  stats?: StatsRecorder;
  notices?: NoticePublisher;
  chatLog?: ChatLogView;
  now: () => number;
  logger?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

type Authed = Request & { consoleSession?: Session };

/** An answer as it was before or after a change, for the history: an edit, or the file's answer. */
type AnswerState = (AnswerEdit & { fromFile?: false }) | { fromFile: true; id: string; topic: string; questions: string[]; answer: string; clause: string };

const AssignBody = z.strictObject({
  text: z.string().trim().min(1, "text 不能为空").max(500),
  answerId: z.string().trim().min(1).max(64),
});
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "日期应为 YYYY-MM-DD")
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "不是有效的日期");
const StatsQuery = z.object({ from: Day.optional(), to: Day.optional() });
const NoticeBody = z.strictObject({ text: z.string().min(1, "通知内容为空"), name: z.string().max(200).optional() });
const MAX_RANGE_DAYS = 731;

export function workbenchRoutes(router: Router, d: WorkbenchDeps): void {
  const kb = (): Knowledge => d.engine().kb;
  const actor = (req: Authed): NoticeActor => ({ user: req.consoleSession!.sub, userName: req.consoleSession!.name });

  const record = (req: Authed, action: HistoryAction, target: string, before: unknown, after: unknown, summary: string, reverts?: number) =>
    d.history.record({ at: d.now(), user: req.consoleSession!.sub, userName: req.consoleSession!.name, action, target, before, after, summary, ...(reverts ? { reverts } : {}) });

  /** After a change: the engine rebuilt on it. A failure is logged and said in the response; the change is saved. */
  const republish = async (): Promise<{ republished: boolean; warning?: string }> => {
    try {
      await d.republish();
      return { republished: true };
    } catch (err) {
      d.logger?.error({ err: (err as Error).message }, "console republish failed");
      return { republished: false, warning: `修改已保存，但机器人尚未用上它：${(err as Error).message}` };
    }
  };

  const stateOf = (id: string): AnswerState | null => {
    const e = d.edits.get(id);
    if (e) return e;
    const a = kb().answers.find((x) => x.id === id);
    return a ? { fromFile: true, id, topic: a.topic, questions: a.questions, answer: a.answer, clause: a.clause } : null;
  };
  const editOf = (state: unknown): AnswerEdit | undefined => {
    const s = state as AnswerState | null;
    return s && !s.fromFile ? (s as AnswerEdit) : undefined;
  };

  // === Answers

  router.get("/api/topics", (_req, res) => {
    const counts = new Map<string, number>();
    for (const a of kb().answers) counts.set(a.topic, (counts.get(a.topic) ?? 0) + 1);
    res.json({ topics: [...counts].map(([topic, count]) => ({ topic, count })) });
  });

  router.get("/api/answers/export", async (_req, res) => {
    await d.edits.refresh();
    res.setHeader("Content-Disposition", 'attachment; filename="console-answers.yaml"');
    res.type("text/yaml; charset=utf-8").send(d.edits.exportYaml());
  });

  router.get("/api/answers/edits", async (_req, res) => {
    await d.edits.refresh();
    const inFile = new Set(kb().answers.map((a) => a.id));
    res.json({ edits: d.edits.list().map((e) => ({ ...e, clause: e.clause ?? LOCAL_CLAUSE, local: e.clause === null, kind: e.retired ? "retired" : inFile.has(e.id) && !e.id.startsWith("local_") ? "override" : "added" })) });
  });

  router.get("/api/answers/:id", async (req, res) => {
    await d.edits.refresh();
    const a = d.edits.current(kb(), String(req.params.id));
    if (!a) {
      res.status(404).json({ error: "没有这个答案" });
      return;
    }
    const e = d.edits.get(String(req.params.id));
    const local = e ? e.clause === null : !a.clause;
    res.json({ id: a.id, topic: a.topic, questions: a.questions, answer: e ? e.answer : a.answer, clause: local ? null : a.clause, edited: Boolean(e), local, retirable: d.edits.retirable(kb(), a.id).ok });
  });

  router.post("/api/answers", async (req: Authed, res) => {
    await d.edits.refresh();
    const id = d.edits.newId(kb());
    const v = d.edits.validate(kb(), id, req.body);
    if (!v.ok) {
      res.status(v.status).json({ error: v.error });
      return;
    }
    const by = req.consoleSession!.sub;
    const { after } = await d.edits.write(id, () => ({ ...v.value, by, at: d.now() }));
    await record(req, "create", `answer:${id}`, null, after, `新建答案“${v.value.topic}”：${v.value.questions[0]}`);
    res.status(201).json({ id, ...(await republish()) });
  });

  router.put("/api/answers/:id", async (req: Authed, res) => {
    await d.edits.refresh();
    const id = String(req.params.id);
    const before = stateOf(id);
    if (!before) {
      res.status(404).json({ error: "没有这个答案" });
      return;
    }
    const v = d.edits.validate(kb(), id, req.body);
    if (!v.ok) {
      res.status(v.status).json({ error: v.error });
      return;
    }
    const by = req.consoleSession!.sub;
    const { after } = await d.edits.write(id, () => ({ ...v.value, by, at: d.now() }));
    await record(req, "update", `answer:${id}`, before, after, `修改答案“${v.value.topic}”：${v.value.questions[0]}`);
    res.json({ id, ...(await republish()) });
  });

  router.delete("/api/answers/:id", async (req: Authed, res) => {
    await d.edits.refresh();
    const id = String(req.params.id);
    const current = d.edits.current(kb(), id);
    if (!current) {
      res.status(404).json({ error: "没有这个答案（或已停用）" });
      return;
    }
    const ok = d.edits.retirable(kb(), id);
    if (!ok.ok) {
      res.status(ok.status).json({ error: ok.error });
      return;
    }
    const before = stateOf(id);
    const by = req.consoleSession!.sub;
    const clause = current.clause && current.clause !== LOCAL_CLAUSE ? current.clause : null;
    const base = d.edits.get(id) ?? { id, topic: current.topic, questions: current.questions, answer: current.answer, clause, by, at: d.now() };
    const { after } = await d.edits.write(id, () => ({ ...base, retired: true, by, at: d.now() }));
    await record(req, "retire", `answer:${id}`, before, after, `停用答案“${current.topic}”：${current.questions[0]}`);
    res.json({ id, retired: true, ...(await republish()) });
  });

  // === From unanswered to answered

  router.post("/api/unanswered/assign", async (req: Authed, res) => {
    const p = AssignBody.safeParse(req.body);
    if (!p.success) {
      res.status(400).json({ error: '请求体应为 {"text": "问题", "answerId": "答案编号"}' });
      return;
    }
    await d.edits.refresh();
    const { text, answerId } = p.data;
    const answer = d.edits.current(kb(), answerId);
    if (!answer) {
      res.status(404).json({ error: `没有答案 ${answerId}（或已停用）` });
      return;
    }
    // The group of this question: its newest wording or one of its variants (the log groups as it is written).
    const key = questionKey(text);
    let group: UnansweredGroup | undefined;
    for (let page = 1; page <= 50 && !group; page++) {
      const p = await d.unanswered.groups({ page, limit: 100, all: true });
      group = p.groups.find((g) => [g.text, ...g.variants].some((t) => questionKey(t) === key));
      if (page * 100 >= p.total) break;
    }
    if (!group) {
      res.status(404).json({ error: "未能回答的问题里没有这一条" });
      return;
    }
    // The group's wordings, as candidates ask: none with personal data (an ID-card or phone number is no variant).
    const texts = dedupe([group.text, ...group.variants].filter(Boolean)).filter(
      (t) => mask(t) === t && [...t].length <= MAX_QUESTION_CHARS,
    );
    const others = new Map<string, string>();
    for (const a of kb().answers) if (a.id !== answerId) for (const q of a.questions) others.set(questionKey(q), a.id);
    const have = new Set(answer.questions.map(questionKey));
    const added: string[] = [];
    const skipped: { text: string; reason: string }[] = [];
    for (const t of texts) {
      const k = questionKey(t);
      if (have.has(k)) continue;
      if (others.has(k)) skipped.push({ text: t, reason: `已是答案 ${others.get(k)} 的问法` });
      else if (answer.questions.length + added.length >= MAX_QUESTIONS) skipped.push({ text: t, reason: `问法已满 ${MAX_QUESTIONS} 个` });
      else {
        added.push(t);
        have.add(k);
      }
    }
    const by = req.consoleSession!.sub;
    let rebuilt: { republished: boolean; warning?: string } = { republished: true };
    if (added.length) {
      const before = stateOf(answerId);
      const clause = answer.clause && answer.clause !== LOCAL_CLAUSE ? answer.clause : null;
      const { after } = await d.edits.write(answerId, (e) => ({
        ...(e ?? { id: answerId, topic: answer.topic, answer: answer.answer, clause }),
        questions: [...(e?.questions ?? answer.questions), ...added],
        retired: false,
        by,
        at: d.now(),
      }));
      await record(req, "assign", `answer:${answerId}`, before, after, `未能回答的问题“${group.text}”等 ${added.length} 个问法加入答案“${answer.topic}”`);
      rebuilt = await republish();
    }
    if (group.ids.length) await d.unanswered.markHandled(group.ids);
    res.json({ answerId, added, skipped, handled: group.ids.length, ...rebuilt });
  });

  // The conversation an unanswered question came from (masked), and 👍/👎 per answer, from the chat log.
  router.get("/api/unanswered/conversation", async (req, res) => {
    if (!d.chatLog) {
      res.status(503).json({ error: CHATLOG_OFF });
      return;
    }
    const id = Number(req.query.id);
    const entry = Number.isSafeInteger(id) ? (await d.unanswered.recent(5_000)).find((e) => e.id === id) : undefined;
    if (!entry) {
      res.status(404).json({ error: "未能回答的问题里没有这一条" });
      return;
    }
    const turns = await d.chatLog.around(entry.userId, entry.at, 12);
    res.json({ channel: entry.channel, at: entry.at, turns: turns.map((t) => ({ ...t, text: mask(t.text) })) });
  });

  router.get("/api/feedback", async (req, res) => {
    if (!d.chatLog) {
      res.status(503).json({ error: CHATLOG_OFF });
      return;
    }
    const r = range(req, res);
    if (!r) return;
    res.json({ ...r, byIntent: await d.chatLog.feedbackByIntent(...instants(r)) });
  });

  // === History

  router.get("/api/history", async (req, res) => {
    const limit = Math.min(2_000, Math.max(1, Number(req.query.limit) || 200));
    res.json({ items: await d.history.recent(limit) });
  });

  router.post("/api/history/:id/revert", async (req: Authed, res) => {
    const entry: HistoryEntry | undefined = await d.history.get(Number(String(req.params.id)));
    if (!entry) {
      res.status(404).json({ error: "没有这条修改记录" });
      return;
    }
    if (entry.target.startsWith("answer:")) {
      await d.edits.refresh();
      const id = entry.target.slice(7);
      const restore = editOf(entry.before);
      const before = stateOf(id);
      const by = req.consoleSession!.sub;
      // Restoring "no edit" brings back the file's answer, or takes out an answer added in the console (an answer an
      // intent needs is always in the file, so it comes back).
      const next = restore ? { ...restore, by, at: d.now() } : undefined;
      const { after } = await d.edits.write(id, () => next);
      await record(req, "revert", entry.target, before, after ?? stateOf(id), `撤销第 ${entry.id} 条修改（${entry.summary ?? entry.action}）`, entry.id);
      res.json({ ok: true, reverted: entry.id, ...(await republish()) });
      return;
    }
    if (entry.target.startsWith("notice:") && entry.action === "publish") {
      if (!d.notices) {
        res.status(503).json({ error: NOTICES_OFF });
        return;
      }
      try {
        const r = await d.notices.rollback(actor(req));
        await record(req, "revert", entry.target, entry.after, r, `撤销发布（恢复为 ${r.title}）`, entry.id);
        res.json({ ok: true, reverted: entry.id, title: r.title });
      } catch (err) {
        noticeError(res, err, d);
      }
      return;
    }
    res.status(409).json({ error: "这条修改不能撤销：请用“恢复上一版”或再做一次修改" });
  });

  // === Numbers

  const range = (req: Request, res: Response): { from: string; to: string } | undefined => {
    const p = StatsQuery.safeParse(req.query);
    if (!p.success) {
      res.status(400).json({ error: `参数 from/to 不正确：${p.error.issues.map((i) => i.message).join("；")}` });
      return undefined;
    }
    const to = p.data.to ?? shanghaiDay(d.now());
    const from = p.data.from ?? shanghaiDay(Date.parse(`${to}T12:00:00Z`) - 29 * 86_400_000);
    if (from > to) {
      res.status(400).json({ error: "开始日期晚于结束日期" });
      return undefined;
    }
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 >= MAX_RANGE_DAYS) {
      res.status(400).json({ error: `一次最多查 ${MAX_RANGE_DAYS} 天` });
      return undefined;
    }
    return { from, to };
  };

  /** [from, to) in ms for a range of Shanghai days. */
  const instants = (r: { from: string; to: string }): [number, number] => [Date.parse(`${r.from}T00:00:00+08:00`), Date.parse(`${r.to}T00:00:00+08:00`) + 86_400_000];

  router.get("/api/stats", async (req, res) => {
    if (!d.stats) {
      res.status(503).json({ error: STATS_OFF });
      return;
    }
    const r = range(req, res);
    if (!r) return;
    const report = await d.stats.report(r.from, r.to);
    const labels: Record<string, string> = {};
    const topics = new Map(kb().answers.map((a) => [a.id, a.topic]));
    for (const k of Object.keys(report.byIntent)) labels[k] = topics.has(k) ? `${topics.get(k)} · ${d.intentLabel(k)}` : d.intentLabel(k);
    const feedbackByAnswer = d.chatLog ? await d.chatLog.feedbackByIntent(...instants(r)).catch(() => null) : null;
    for (const k of Object.keys(feedbackByAnswer ?? {})) labels[k] ??= topics.has(k) ? `${topics.get(k)} · ${d.intentLabel(k)}` : d.intentLabel(k);
    res.json({ ...report, feedbackByAnswer, intentLabels: labels });
  });

  router.get("/api/stats.csv", async (req, res) => {
    if (!d.stats) {
      res.status(503).json({ error: STATS_OFF });
      return;
    }
    const r = range(req, res);
    if (!r) return;
    res.setHeader("Content-Disposition", `attachment; filename="stats-${r.from}-${r.to}.csv"`);
    res.type("text/csv; charset=utf-8").send(statsCsv(await d.stats.report(r.from, r.to)));
  });

  // === Publishing a notice

  const notices = (res: Response): NoticePublisher | undefined => {
    if (!d.notices) res.status(503).json({ error: NOTICES_OFF });
    return d.notices;
  };

  router.get("/api/notices", async (_req, res) => {
    const n = notices(res);
    if (n) res.json(await n.status());
  });

  router.post(
    "/api/notices",
    express.json({ limit: MAX_NOTICE_BYTES + 64_000 }),
    express.text({ limit: MAX_NOTICE_BYTES, type: ["text/plain", "text/markdown"] }),
    async (req: Authed, res) => {
      const n = notices(res);
      if (!n) return;
      const body = typeof req.body === "string" ? { text: req.body } : req.body;
      const p = NoticeBody.safeParse(body);
      if (!p.success) {
        res.status(400).json({ error: '请求体应为通知的文字（text/plain），或 {"text": "通知全文"}' });
        return;
      }
      if (Buffer.byteLength(p.data.text) > MAX_NOTICE_BYTES) {
        res.status(413).json({ error: "通知超过 1 MB" });
        return;
      }
      try {
        const staged = await n.stage(p.data.text, actor(req), p.data.name);
        res.status(201).json(staged);
      } catch (err) {
        noticeError(res, err, d);
      }
    },
  );

  router.post("/api/notices/rollback", async (req: Authed, res) => {
    const n = notices(res);
    if (!n) return;
    try {
      const before = await n.status();
      const r = await n.rollback(actor(req));
      await record(req, "revert", `notice:${r.title}`, before.current, r, `恢复上一版通知：${r.title}`);
      res.json({ ok: true, title: r.title });
    } catch (err) {
      noticeError(res, err, d);
    }
  });

  router.post("/api/notices/:id/publish", async (req: Authed, res) => {
    const n = notices(res);
    if (!n) return;
    try {
      const before = await n.status();
      const r = await n.publish(String(req.params.id), actor(req));
      await record(req, "publish", `notice:${String(req.params.id)}`, before.current, r, `发布通知：${r.title}`);
      res.json({ ok: true, title: r.title });
    } catch (err) {
      noticeError(res, err, d);
    }
  });

  router.post("/api/notices/:id/discard", async (req: Authed, res) => {
    const n = notices(res);
    if (!n) return;
    try {
      await n.discard(String(req.params.id), actor(req));
      res.json({ ok: true });
    } catch (err) {
      noticeError(res, err, d);
    }
  });
}

const CHATLOG_OFF = "对话记录未接入：服务没有把聊天记录交给坐席台";
const STATS_OFF = "统计未接入：服务没有把统计交给坐席台";
const NOTICES_OFF = "发布通知未接入：服务没有把通知导入交给坐席台";

function noticeError(res: Response, err: unknown, d: WorkbenchDeps): void {
  if (err instanceof NoticeError) {
    res.status(err.status).json({ error: err.message });
    return;
  }
  d.logger?.error({ err: (err as Error).message }, "console notice");
  res.status(500).json({ error: `发布失败：${(err as Error).message}` });
}
