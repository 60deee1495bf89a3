/**
 * What the gateway says by itself: its few texts are the service's reply templates (knowledge/common/replies.yaml),
 * and the hotline in them is the notice's. The service's `/api/info` is the source of the hotline; until it has
 * answered once (the service down at the gateway's start), the newest notice folder's contacts.yaml is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ContactsFile, RepliesFile } from "../knowledge/schema.js";
import { noticeDir, ROOT } from "../knowledge/load.js";

export interface Contacts {
  hotline: string;
  hours: string;
}

export class GatewayTexts {
  private readonly replies: Record<string, string>;
  contacts: Contacts;

  constructor(options: { commonDir?: string; knowledgeDir?: string } = {}) {
    const common = options.commonDir ?? join(ROOT, "knowledge", "common");
    this.replies = RepliesFile.parse(parse(readFileSync(join(common, "replies.yaml"), "utf8"))).replies;
    const dir = noticeDir(join(ROOT, "knowledge"), options.knowledgeDir);
    const c = ContactsFile.parse(parse(readFileSync(join(dir, "contacts.yaml"), "utf8")));
    this.contacts = { hotline: c.hotline.text, hours: c.hours.text };
  }

  /** A reply template filled with the contacts; unknown placeholders are left out rather than shown raw. */
  say(key: "gateway_unavailable" | "gateway_non_text" | "gateway_links"): string {
    const template = this.replies[key] ?? "";
    return template.replace(/\{(\w+)\}/g, (_, name: string) => (this.contacts as unknown as Record<string, string>)[name] ?? "");
  }
}
