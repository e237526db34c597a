import { shaderLibraryFromRecord, type ShaderLibrary } from "./shaderLibrary.ts";

const modules = import.meta.glob("/shaders/*.wgsl", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const byName: Record<string, string> = {};
for (const [path, text] of Object.entries(modules)) {
  byName[path.replace(/^.*\//, "").replace(/\.wgsl$/, "")] = text;
}

/** Shaders bundled by Vite (browser and Worker builds). */
export const bundledShaders: ShaderLibrary = shaderLibraryFromRecord(byName);
