/** Average width of a character of the 11 px label font, in screen pixels. */
export const LABEL_CHAR_PX = 6.2;
export const LABEL_FONT_PX = 11;

/** A label cut to fit `widthPx` ("…" at the end); "" when not even 3 characters fit. */
export function fitLabel(text: string, widthPx: number): string {
  const chars = Math.floor(widthPx / LABEL_CHAR_PX);
  if (chars < 3) return "";
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}
