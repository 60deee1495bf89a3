/**
 * A reply as a structured message: every channel renders the same message its own way (buttons on the web chat,
 * numbered text with "回复数字即可" on WeChat, plain text in the console's copy).
 */

/** A real choice the bot waits for: the label shown, and the opaque value sent back when it is chosen. */
export interface ReplyOption {
  label: string;
  /** Opaque, never a bare number ("opt:…"): sending it as the next text chooses the option. */
  value: string;
}

/** A typed part of a reply that a channel may make tappable. */
export interface ReplyLink {
  kind: "tel" | "url" | "email";
  /** As it appears in the text. */
  text: string;
  /** tel:4000075676, https://…, mailto:… */
  href: string;
}

export interface StructuredReply {
  /** The answer's paragraphs, in order, without the source line. */
  parts: string[];
  /** Options, only when the bot waits for a choice; otherwise []. */
  options: ReplyOption[];
  /** The clause line ("依据：…"), or undefined. */
  source?: string;
  links: ReplyLink[];
}

/** An option's value: "opt:<scope>:<n>" (n counts from 1 in the order the options were offered). */
export const optionValue = (scope: string, n: number): string => `opt:${scope}:${n}`;

/** Whether a text is an option value (a tapped button), whatever its scope. */
export const OPTION_VALUE = /^opt:[\w.-]{1,40}:(\d{1,2})$/;

// Web addresses, e-mail addresses and phone numbers as the knowledge base writes them (400-007-5676, 010-68662352,
// 13812345678): each found in a reply becomes a typed link a channel may make tappable.
const URL_RE = /https?:\/\/[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+/g;
const EMAIL_RE = /[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;
const PHONE_RE = /(?<![\d-])(?:400-?\d{3}-?\d{4}|0\d{2,3}-\d{7,8}|1[3-9]\d{9})(?![\d-])/g;

/** The links and phone numbers in a text, in order of appearance, each once. */
export function findLinks(text: string): ReplyLink[] {
  const found: { at: number; link: ReplyLink }[] = [];
  const taken: [number, number][] = [];
  const add = (re: RegExp, make: (s: string) => ReplyLink | undefined) => {
    for (const m of text.matchAll(re)) {
      const s = m[0].replace(/[.,;:!?]+$/, "");
      const at = m.index!;
      if (taken.some(([a, b]) => at < b && at + s.length > a)) continue;
      const link = make(s);
      if (!link) continue;
      taken.push([at, at + s.length]);
      found.push({ at, link });
    }
  };
  add(URL_RE, (s) => ({ kind: "url", text: s, href: s }));
  add(EMAIL_RE, (s) => ({ kind: "email", text: s, href: `mailto:${s}` }));
  add(PHONE_RE, (s) => ({ kind: "tel", text: s, href: `tel:${s.replace(/-/g, "")}` }));
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => f.link)
    .filter((l) => (seen.has(l.href) ? false : (seen.add(l.href), true)));
}
