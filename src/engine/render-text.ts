/**
 * A structured reply as text, for the channels that show text only: WeChat (Wechaty) and the 公众号 get the parts,
 * the options numbered with a hint ("回复数字即可"), then the source line; the console's copy and SMS get the
 * parts and the source line alone.
 */
import type { StructuredReply } from "./reply.js";

export interface TextRenderOptions {
  /** Said after numbered options, e.g. "（回复数字即可）" (replies.yaml `options_hint`). */
  hint: string;
}

/** Numbered text: a reply a person answers by typing the option's number. */
export function renderText(reply: StructuredReply, o: TextRenderOptions): string {
  const lines = [...reply.parts];
  if (reply.options.length) {
    lines.push(...reply.options.map((opt, i) => `${i + 1}. ${opt.label}`));
    if (o.hint) lines.push(o.hint);
  }
  if (reply.source) lines.push(reply.source);
  return lines.join("\n");
}

/** Plain text to read out or send by SMS: the answer and its source, no options. */
export function renderPlain(reply: Pick<StructuredReply, "parts" | "source">): string {
  return [...reply.parts, ...(reply.source ? [reply.source] : [])].join("\n");
}
