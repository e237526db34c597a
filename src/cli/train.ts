import { loadNodeShaders } from "../node/nodeShaders.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { runCli } from "./cliError.ts";
import { runTrain } from "./runTrain.ts";
import type { SweepResult } from "./sweepTrain.ts";
import type { SyntheticTrainResult } from "./syntheticTrain.ts";
import { parseTrainCommand, TRAIN_HELP } from "./trainCommand.ts";

runCli("train", async () => {
  const cmd = parseTrainCommand(process.argv.slice(2));
  if (cmd === "help") {
    process.stdout.write(TRAIN_HELP + "\n");
    return;
  }
  const { device, adapterName } = await acquireNodeDevice();
  const result = await runTrain(cmd, device, loadNodeShaders(), (line) =>
    process.stderr.write(line + "\n"),
  );
  if ("truth" in result) {
    const rows = (result as SyntheticTrainResult).rows;
    process.stderr.write(`wrote ${cmd.out} (adapter: ${adapterName})\n`);
    const json = cmd.multi ? rows : (result as SyntheticTrainResult).truth;
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  if ("rows" in result) {
    const ids = (result as SweepResult).rows.map((r) => r.id);
    process.stderr.write(
      `wrote ${cmd.out}: ${ids.length} dictionaries (${ids.join(", ")}), sweep.json, sweep.csv, ` +
        `frontier.svg (adapter: ${adapterName})\n`,
    );
    process.stdout.write(JSON.stringify((result as SweepResult).rows, null, 2) + "\n");
    return;
  }
  process.stderr.write(
    `wrote ${cmd.out} (${result.spec.kind}, d_sae ${result.spec.dSae}; adapter: ${adapterName})\n`,
  );
  if (result.eval) process.stdout.write(JSON.stringify(result.eval, null, 2) + "\n");
});
