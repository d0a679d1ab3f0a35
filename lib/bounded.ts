/**
 * Lists that reach people (report warnings, refusal problems, email lines) are bounded: the first `max` items, then
 * one line saying how many more there are and where they are (or simply how many).
 */
export const LISTED_PROBLEMS = 20;

export function boundedList(items: readonly string[], max = LISTED_PROBLEMS, more: (n: number) => string = (n) => `… and ${n} more`): string[] {
  if (items.length <= max) return [...items];
  return [...items.slice(0, max), more(items.length - max)];
}

/** Cuts `text` to at most `maxChars`, saying so. */
export function boundedText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 30)}… (${text.length - maxChars + 30} more characters)`;
}
