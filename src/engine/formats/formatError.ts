/**
 * An input file does not have the shape, type or content we need. The message is
 * one line that names the file, the tensor or field when there is one, what was
 * expected and what was found, e.g.
 * `acts.safetensors: tensor "x": expected 2 dimensions [N, d_in], found shape [5]`.
 */
export class FormatError extends Error {
  override readonly name = "FormatError";
  readonly file: string;
  readonly tensor: string | undefined;
  readonly detail: string;

  constructor(file: string, detail: string, tensor?: string, options?: ErrorOptions) {
    const where = tensor === undefined ? "" : ` tensor ${JSON.stringify(tensor)}:`;
    super(oneLine(`${file}:${where} ${detail}`), options);
    this.file = file;
    this.tensor = tensor;
    this.detail = detail;
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}

/** `["a", "b", ...]` quoted and shortened to `max` names, with "(and N more)". */
export function listNames(names: readonly string[], max = 8): string {
  if (names.length === 0) return "(none)";
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  const more = names.length > max ? ` (and ${names.length - max} more)` : "";
  return shown.join(", ") + more;
}
