/**
 * Offering a real choice: a question whose last lines are numbered options ("想报哪个职业？\n1. 电子商务师\n2. …")
 * sets the turn's options (label + opaque value), and the structured reply shows the question without those lines
 * (each channel numbers or buttons the options itself). The text of the reply stays as it was written.
 *
 * A new clarifying question that offers a choice: write its options as numbered lines at the end of its prompt
 * (knowledge/common/dialog.yaml) and push the prompt through `offerNumbered(ctx, scope, text)`; the next message
 * is the option's number (typed, or the value of a tapped button, which the engine turns into the number).
 */
import type { TurnContext } from "./context.js";
import { optionValue } from "./reply.js";

const NUMBERED = /^\s*(\d{1,2})[.．、]\s*(\S.*)$/;

/**
 * Sets `ctx.options` from the numbered lines that end `text` (two or more, numbered from 1), or to none when the
 * question is open (years, age): the question asked last is the one the bot waits for. Returns `text`.
 */
export function offerNumbered(ctx: TurnContext, scope: string, text: string): string {
  ctx.options = [];
  const lines = text.split("\n");
  let k = lines.length;
  while (k > 0 && NUMBERED.test(lines[k - 1])) k--;
  const numbered = lines.slice(k).map((l) => NUMBERED.exec(l)!);
  if (numbered.length < 2 || !numbered.every((m, i) => Number(m[1]) === i + 1)) return text;
  ctx.options = numbered.map((m, i) => ({ label: m[2].trim(), value: optionValue(scope, i + 1) }));
  (ctx.shown ??= new Map()).set(text, lines.slice(0, k).join("\n"));
  return text;
}
