/** A token's string with its whitespace made visible, as SAEDashboard shows it. */
export function visibleToken(s: string): string {
  if (s === "") return "∅";
  return s
    .replace(/\r\n|\n/g, "⏎")
    .replace(/\r/g, "⏎")
    .replace(/\t/g, "⇥")
    .replace(/ /g, "·");
}
