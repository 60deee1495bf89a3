/**
 * `npm run import -- <notice.txt> --out <dir> [--previous <dir>] [--force]`: a notice's text to a knowledge folder.
 * Prints the review list and what changed; exit 0 complete and valid, 3 written with items to review, 1 nothing written.
 */
import { formatChanges } from "../importer/diff.js";
import { formatReview, runImport } from "../importer/import.js";

const USAGE = "用法：npm run import -- <通知.txt> --out <目录> [--previous <上一份知识库目录>] [--force]";

function main(argv: string[]): number {
  const args: { file?: string; out?: string; previous?: string; force: boolean } = { force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out" || a === "--previous") {
      const v = argv[++i];
      if (!v) {
        console.error(`${a} 后面要跟一个目录。\n${USAGE}`);
        return 1;
      }
      args[a === "--out" ? "out" : "previous"] = v;
    } else if (a === "--force") args.force = true;
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith("-")) {
      console.error(`不认识的选项 ${a}。\n${USAGE}`);
      return 1;
    } else if (!args.file) args.file = a;
    else {
      console.error(`多余的参数 ${a}。\n${USAGE}`);
      return 1;
    }
  }
  if (!args.file || !args.out) {
    console.error(USAGE);
    return 1;
  }
  const r = runImport({ file: args.file, out: args.out, previous: args.previous, force: args.force });
  if (r.code === 1) {
    console.error(`导入失败，没有写出任何文件：${r.error}`);
    for (const p of r.problems ?? []) console.error(`  ${p}`);
    if (r.review.length) console.error(`\n待核对项（${r.review.length}）：\n${formatReview(r.review)}`);
    return 1;
  }
  console.log(`已写出 ${r.out}\n${r.summary}\n`);
  console.log(`== 与上一份知识库相比的变化（${r.diffFile}）==\n${formatChanges(r.changes)}\n`);
  console.log(`== 待人工核对（${r.review.length} 项，${r.reviewFile}）==\n${formatReview(r.review)}\n`);
  console.log(
    r.code === 0
      ? "导入完整且通过校验（退出码 0）。"
      : "已写出并通过校验，但有待核对项（退出码 3）：核对并修改后用 npm run validate -- --dir <目录> 再检查一遍。",
  );
  return r.code;
}

process.exitCode = main(process.argv.slice(2));
