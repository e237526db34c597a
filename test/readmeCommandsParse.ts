/** The shell commands of a Markdown file, as test/readmeCommands.test.ts runs them. */

/** Fenced blocks holding commands: ```sh, ```bash, ```shell and untagged ones (```text is not). */
const SHELL_BLOCKS = new Set(["sh", "bash", "shell", ""]);

/**
 * Each command of the shell blocks, one string per command: `\` continuations joined, comment
 * lines and trailing `# ...` comments dropped, runs of spaces made one.
 */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  let inBlock: string | undefined;
  let pending = "";
  for (const line of markdown.split("\n")) {
    const fence = /^```\s*([\w-]*)\s*$/.exec(line);
    if (fence) {
      inBlock = inBlock === undefined ? fence[1]! : undefined;
      continue;
    }
    if (inBlock === undefined || !SHELL_BLOCKS.has(inBlock)) continue;
    const text = withoutComment(line).trim();
    if (text.endsWith("\\")) {
      pending += `${text.slice(0, -1)} `;
      continue;
    }
    const command = `${pending}${text}`.replace(/\s+/g, " ").trim();
    pending = "";
    if (command) commands.push(command);
  }
  return commands;
}

/** The line without a `#` comment (one at the start, or after a space and outside quotes). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}
