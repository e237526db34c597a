import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { shaderLibraryFromRecord, type ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";

const shaderDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shaders");

/** Reads shaders/*.wgsl from disk (Node: tests, command line, benchmark). */
export function loadNodeShaders(): ShaderLibrary {
  const files: Record<string, string> = {};
  for (const file of readdirSync(shaderDir)) {
    if (file.endsWith(".wgsl"))
      files[file.slice(0, -5)] = readFileSync(join(shaderDir, file), "utf8");
  }
  return shaderLibraryFromRecord(files);
}
