/** An error the user caused (bad flag, bad file): printed as one line, no stack trace. */
export class CliError extends Error {}

/** Runs a command-line entry point: any error becomes one line on stderr and exit code 1. */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${name}: ${message.split("\n")[0]}\n`);
      if (process.env.DEBUG_CLI && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    },
  );
}
