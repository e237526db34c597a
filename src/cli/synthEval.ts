/** npm run synth-eval: see synthEvalCommand.ts. */
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { runCli } from "./cliError.ts";
import {
  parseSynthEvalCommand,
  runSynthEval,
  synthEvalJson,
  synthEvalTable,
} from "./synthEvalCommand.ts";

runCli("synth-eval", async () => {
  const cmd = parseSynthEvalCommand(process.argv.slice(2));
  if (!cmd) return;
  const { device } = await acquireNodeDevice();
  let last = 0;
  const out = await runSynthEval(cmd, device, loadNodeShaders(), (done, total) => {
    const now = Date.now();
    if (cmd.json || (now - last < 2000 && done < total)) return;
    last = now;
    process.stderr.write(
      `  ${done.toLocaleString("en")} / ${total.toLocaleString("en")} samples\n`,
    );
  });
  process.stdout.write((cmd.json ? synthEvalJson(out) : synthEvalTable(out, cmd.dict)) + "\n");
});
