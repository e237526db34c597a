/**
 * The YAML that circuit-tracer's transcoder-set configs use, and no more: top-level `key: scalar`,
 * and `key:` followed by a block list whose items are scalars (`- "layer_0.safetensors"`) or
 * small mappings (`- id: x` with more `key: value` lines under it). Scalars are double- or
 * single-quoted strings, numbers, true/false/null, or plain text; `#` starts a comment outside
 * quotes. Anything else is refused with the line it is on.
 */
import { FormatError } from "../formats/formatError.ts";

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  number: number;
  indent: number;
  text: string;
}

function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(raw[i - 1]!))) return raw.slice(0, i);
  }
  return raw;
}

function scalar(text: string, fail: (detail: string) => never): YamlScalar {
  const t = text.trim();
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      fail(`expected a double-quoted string, found ${t}`);
    }
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) fail(`expected a single-quoted string, found ${t}`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t === "" || t === "~" || t === "null") return null;
  if (t === "true" || t === "false") return t === "true";
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^[[{]/.test(t)) fail(`flow collections (${t}) are not read; write a block list`);
  return t;
}

/** `key: rest` split at the first ": " (or a trailing ":"), or undefined for a plain scalar. */
function keyValue(text: string): { key: string; rest: string } | undefined {
  const m = /^("[^"]*"|'[^']*'|[^"'\s:][^:]*?)\s*:(\s+|$)(.*)$/.exec(text);
  if (!m) return undefined;
  const key = m[1]!.replace(/^["']|["']$/g, "");
  return { key, rest: m[3]! };
}

/** Parses the subset described above; `file` is named in errors. */
export function parseSetYaml(source: string, file: string): Record<string, YamlValue> {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === "" || text.trim() === "---") return;
    if (/^\s*\t/.test(text)) throw new FormatError(file, `line ${i + 1}: tabs cannot indent YAML`);
    lines.push({ number: i + 1, indent: text.length - text.trimStart().length, text: text.trim() });
  });
  const failAt =
    (line: Line) =>
    (detail: string): never => {
      throw new FormatError(file, `line ${line.number}: ${detail}`);
    };
  const out: Record<string, YamlValue> = {};
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fail = failAt(line);
    if (line.indent !== 0) fail(`expected a top-level "key: value", found ${line.text}`);
    const kv = keyValue(line.text);
    if (!kv) fail(`expected "key: value", found ${line.text}`);
    i++;
    if (kv!.rest.trim() !== "") {
      out[kv!.key] = scalar(kv!.rest, fail);
      continue;
    }
    const items: YamlValue[] = [];
    while (i < lines.length && lines[i]!.indent > 0 && lines[i]!.text.startsWith("-")) {
      const item = lines[i]!;
      const body = item.text.slice(1).trim();
      const itemKv = keyValue(body);
      i++;
      if (!itemKv) {
        items.push(scalar(body, failAt(item)));
        continue;
      }
      const map: Record<string, YamlValue> = { [itemKv.key]: scalar(itemKv.rest, failAt(item)) };
      const fieldIndent = item.indent + (item.text.length - body.length);
      while (i < lines.length && lines[i]!.indent === fieldIndent) {
        const field = keyValue(lines[i]!.text);
        if (!field) failAt(lines[i]!)(`expected "key: value", found ${lines[i]!.text}`);
        map[field!.key] = scalar(field!.rest, failAt(lines[i]!));
        i++;
      }
      items.push(map);
    }
    out[kv!.key] = items.length > 0 ? items : null;
  }
  return out;
}
