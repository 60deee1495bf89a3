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
