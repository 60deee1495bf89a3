/** `npm run validate [-- --dir knowledge/2025]`: checks knowledge/ and intents/ and reports every error with its file and path. */
import { KnowledgeError, loadKnowledge } from "../knowledge/load.js";
import { Engine } from "../engine/engine.js";

const i = process.argv.indexOf("--dir");
const dir = i > 0 ? process.argv[i + 1] : process.env.KNOWLEDGE_DIR || undefined;
try {
  const kb = loadKnowledge({ noticeDir: dir });
  // Building the engine also checks that every intent has an answer and every placeholder a value.
  new Engine(kb);
  const conditions = [...kb.rules.values()].reduce((n, r) => n + [...r.levels.values()].reduce((m, c) => m + c.length, 0), 0);
  console.log(
    `知识库有效：${kb.dir}（${kb.notice.shortName}）— 计划 ${kb.plan.rows.length} 行，收费表 ${kb.fees.tables.length} 张，` +
      `申报条件 ${conditions} 条，固定答案 ${kb.answers.length} 条，意图 ${kb.intents.length} 个。`,
  );
} catch (err) {
  if (err instanceof KnowledgeError) {
    console.error(err.message);
  } else {
    console.error(`知识库无效：${(err as Error).message}`);
  }
  process.exit(1);
}
