/**
 * Prints a console users-file entry for a user: `npx tsx src/console/hash-password.ts <用户名> [显示名]`.
 * The password is asked for twice without echo on a terminal, or read from the first line of stdin otherwise
 * (`printf '%s\n' "$PW" | npx tsx src/console/hash-password.ts zhang`). Add `--json` for a JSON entry, `--admin` for
 * a user who may edit answers and publish notices (role: admin; without it the entry is staff).
 */
import { createInterface } from "node:readline";
import { hashPassword, UserEntry } from "./auth.js";

const MIN_LENGTH = 10;

function usage(): never {
  process.stderr.write("用法：npx tsx src/console/hash-password.ts <用户名> [显示名] [--admin] [--json]\n");
  process.exit(2);
}

/** Reads a line from a terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new Error("已取消"));
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

function firstLine(): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let got = false;
    rl.once("line", (line) => {
      got = true;
      resolve(line);
      rl.close();
    });
    rl.once("close", () => {
      if (!got) resolve("");
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const admin = args.includes("--admin");
  const [name, displayName] = args.filter((a) => a !== "--json" && a !== "--admin");
  if (!name || args.includes("--help") || args.includes("-h")) usage();

  let password: string;
  if (process.stdin.isTTY) {
    password = await askHidden(`为 ${name} 设置密码（至少 ${MIN_LENGTH} 个字符）：`);
    const again = await askHidden("再输入一次：");
    if (again !== password) throw new Error("两次输入的密码不一致");
  } else {
    password = (await firstLine()).replace(/\r$/, "");
  }
  if ([...password].length < MIN_LENGTH) throw new Error(`密码至少 ${MIN_LENGTH} 个字符`);

  const entry = { name, ...(displayName ? { displayName } : {}), role: admin ? "admin" : "staff", hash: await hashPassword(password) };
  const checked = UserEntry.parse(entry);
  if (json) {
    process.stdout.write(`${JSON.stringify(checked)}\n`);
  } else {
    process.stdout.write(`# 加到 CONSOLE_USERS_FILE 的 users: 列表下\n`);
    process.stdout.write(`  - name: ${JSON.stringify(checked.name)}\n`);
    if (checked.displayName) process.stdout.write(`    displayName: ${JSON.stringify(checked.displayName)}\n`);
    process.stdout.write(`    role: ${checked.role}\n`);
    process.stdout.write(`    hash: "${checked.hash}"\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
