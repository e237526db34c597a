/**
 * WGSL lives in the top-level shaders/ folder. The engine asks a ShaderLibrary
 * for a kernel's source by name; the browser bundles the folder (bundledShaders.ts),
 * Node reads it from disk (src/node/nodeShaders.ts).
 */
export interface ShaderLibrary {
  /** Source of shaders/<name>.wgsl. */
  source(name: string): string;
}

export function shaderLibraryFromRecord(files: Record<string, string>): ShaderLibrary {
  return {
    source(name) {
      const text = files[name];
      if (text === undefined) throw new Error(`shader "${name}.wgsl" not found in shaders/`);
      return text;
    },
  };
}
