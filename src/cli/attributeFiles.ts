import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { addGraphMetadata } from "../engine/circuits/graphJson.ts";
import type { GraphJsonMetadata } from "../engine/circuits/graphJsonTypes.ts";
import { CliError } from "./cliError.ts";

/** graph-metadata.json: the list of graphs circuit-tracer's viewer shows for a folder. */
export const GRAPH_METADATA_FILE = "graph-metadata.json";

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Writes the graph file and adds its metadata to graph-metadata.json beside it (replacing an
 * earlier graph of the same slug), as circuit-tracer's create_graph_files does. Returns the
 * metadata file's path.
 */
export async function writeGraphFiles(
  out: string,
  graphText: string,
  metadata: GraphJsonMetadata,
): Promise<string> {
  await mkdir(dirname(out), { recursive: true });
  const metadataPath = join(dirname(out), GRAPH_METADATA_FILE);
  let listText;
  try {
    listText = addGraphMetadata(await readIfExists(metadataPath), metadata, metadataPath);
  } catch (e) {
    throw new CliError(`--out ${out}: ${(e as Error).message}`);
  }
  await writeFile(out, graphText);
  await writeFile(metadataPath, listText);
  return metadataPath;
}

export async function writeBytes(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}
