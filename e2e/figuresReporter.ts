import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

/** Prints every test's measured figures (fixtures.ts `figure`) as one summary after the run. */
export default class FiguresReporter implements Reporter {
  private readonly lines: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    for (const a of result.annotations) {
      if (a.type === "figure" && a.description) {
        this.lines.push(`  ${test.title} · ${a.description}`);
      }
    }
  }

  onEnd(_result: FullResult): void {
    if (this.lines.length === 0) return;
    console.log(`\ne2e figures (goals are printed, not asserted):\n${this.lines.join("\n")}`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
