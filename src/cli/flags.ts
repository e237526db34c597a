import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./cliError.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with one-line errors for unknown flags and missing values. */
export function parseFlags(argv: string[], options: Options, usage: string) {
  return parseFlagsAndPaths(argv, options, usage, false).values;
}

/** parseFlags that also accepts positional arguments (e.g. paths) when `positionals` is true. */
export function parseFlagsAndPaths(
  argv: string[],
  options: Options,
  usage: string,
  positionals = true,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (err) {
    const message = (err as Error).message.split("\n")[0]!.replace(/\. To specify .*$/, "");
    throw new CliError(`${message} (${usage})`);
  }
}

/**
 * parseFlags plus `--help`: prints `help` and returns undefined when asked, else the values.
 */
export function parseCommandFlags(
  argv: string[],
  options: Options,
  usage: string,
  help: string,
): Record<string, unknown> | undefined {
  const values = parseFlags(argv, { ...options, help: { type: "boolean" } }, usage) as Record<
    string,
    unknown
  >;
  if (values.help !== true) return values;
  process.stdout.write(help + "\n");
  return undefined;
}

/** The flag's text, or undefined when it is absent and has a default; throws when required. */
function given(values: Record<string, unknown>, name: string, hasDefault: boolean) {
  const raw = values[name];
  if (raw === undefined && !hasDefault) throw new CliError(`missing --${name}`);
  return raw;
}

export function intFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number | undefined,
  min = 1,
): number {
  const raw = given(values, name, fallback !== undefined);
  if (raw === undefined) return fallback!;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(`--${name} expects an integer >= ${min}, got "${String(raw)}"`);
  }
  return n;
}

export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number | undefined,
  check: { min?: number; positive?: boolean } = {},
): number {
  const raw = given(values, name, fallback !== undefined);
  if (raw === undefined) return fallback!;
  const n = Number(raw);
  const bad =
    !Number.isFinite(n) ||
    (check.positive === true && n <= 0) ||
    (check.min !== undefined && n < check.min);
  if (bad) {
    const what = check.positive ? "a number > 0" : `a number >= ${check.min ?? "-inf"}`;
    throw new CliError(`--${name} expects ${what}, got "${String(raw)}"`);
  }
  return n;
}

export function choiceFlag<T extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T | undefined,
): T {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new CliError(`missing --${name} (${choices.join("|")})`);
    return fallback;
  }
  if (!choices.includes(raw as T)) {
    throw new CliError(`--${name} expects one of ${choices.join("|")}, got "${String(raw)}"`);
  }
  return raw as T;
}

export function stringFlag(values: Record<string, unknown>, name: string): string {
  const raw = values[name];
  if (typeof raw !== "string" || raw.length === 0) throw new CliError(`missing --${name}`);
  return raw;
}
