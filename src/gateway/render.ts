/**
 * The service's structured reply rendered for Messenger: text split under Messenger's 2,000 characters at line
 * breaks, options as quick replies on the last message (the service's option values as their payloads), links as
 * buttons (web_url, phone_number) in a button template.
 */
import type { ServiceReply } from "./service-client.js";

/** What Botkit's `bot.reply` takes: text, or channelData with an attachment; quick replies in channelData. */
export interface OutgoingMessage {
  text?: string;
  channelData?: {
    quick_replies?: { content_type: "text"; title: string; payload: string }[];
    attachment?: { type: "template"; payload: { template_type: "button"; text: string; buttons: Button[] } };
  };
}

type Button = { type: "web_url"; url: string; title: string } | { type: "phone_number"; title: string; payload: string };

export const LIMITS = { text: 2000, quickReplies: 13, quickTitle: 20, payload: 1000, buttonText: 640, buttons: 3, buttonTitle: 20 } as const;

/** Cuts by code points, so that a character outside the BMP is never split. */
const cut = (s: string, max: number): string => {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
};

/** Splits text into chunks of at most `max` characters, at line breaks where it can. */
export function splitText(text: string, max: number = LIMITS.text): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const chars = Array.from(line);
    for (let i = 0; i < Math.max(chars.length, 1); i += max) {
      const piece = chars.slice(i, i + max).join("");
      const joined = current ? `${current}\n${piece}` : piece;
      if (Array.from(joined).length <= max) current = joined;
      else {
        if (current) chunks.push(current);
        current = piece;
      }
    }
  }
  if (current.trim()) chunks.push(current);
  return chunks;
}

/** A tel: link as Messenger's phone_number payload: +86 and the digits (a leading trunk 0 dropped). */
export function phonePayload(href: string): string | undefined {
  const raw = href.replace(/^tel:/i, "");
  const digits = raw.replace(/\D/g, "");
  if (digits.length < 5) return undefined;
  if (raw.trim().startsWith("+")) return `+${digits}`;
  return `+86${digits.replace(/^0/, "")}`;
}

export function renderForMessenger(reply: ServiceReply, linksLabel: string): OutgoingMessage[] {
  const text = reply.replies.join("\n").trim();
  const messages: OutgoingMessage[] = splitText(text).map((t) => ({ text: t }));
  const buttons: Button[] = [];
  for (const link of reply.links) {
    if (buttons.length >= LIMITS.buttons) break;
    const title = cut(link.text, LIMITS.buttonTitle);
    if (link.kind === "url" && /^https?:\/\//i.test(link.href)) buttons.push({ type: "web_url", url: link.href, title });
    else if (link.kind === "tel") {
      const payload = phonePayload(link.href);
      if (payload) buttons.push({ type: "phone_number", title, payload });
    }
  }
  if (buttons.length) {
    messages.push({ channelData: { attachment: { type: "template", payload: { template_type: "button", text: cut(linksLabel, LIMITS.buttonText), buttons } } } });
  }
  const options = reply.options.filter((o) => o.value.length <= LIMITS.payload).slice(0, LIMITS.quickReplies);
  if (options.length && messages.length) {
    const last = messages[messages.length - 1];
    last.channelData = {
      ...last.channelData,
      quick_replies: options.map((o) => ({ content_type: "text" as const, title: cut(o.label, LIMITS.quickTitle), payload: o.value })),
    };
  }
  return messages;
}
