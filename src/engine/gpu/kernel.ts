import type { ShaderLibrary } from "./shaderLibrary.ts";

const ENABLE_DIRECTIVE = /^enable [^;]+;[^\S\n]*$/gm;

/** A compute pipeline built from shaders/<common>.wgsl + shaders/<name>.wgsl. */
export function createKernel(
  device: GPUDevice,
  shaders: ShaderLibrary,
  name: string,
  options: {
    prelude?: string;
    entryPoint?: string;
    constants?: Record<string, number>;
    label?: string;
  } = {},
): GPUComputePipeline {
  const body = shaders.source(name);
  // `enable` directives must precede every declaration, the prelude's included.
  const enables = (body.match(ENABLE_DIRECTIVE) ?? []).map((line) => line + "\n").join("");
  const prelude = options.prelude ? shaders.source(options.prelude) + "\n" : "";
  const code = enables + prelude + body.replace(ENABLE_DIRECTIVE, "");
  const module = device.createShaderModule({ label: name, code });
  // An explicit layout from the declarations, so that every entry point of a file takes the
  // same bind group even when it does not use every binding ("auto" would drop those).
  const bindGroupLayout = device.createBindGroupLayout({
    label: name,
    entries: declaredBindings(code).map(({ binding, type }) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type },
    })),
  });
  return device.createComputePipeline({
    label: options.label ?? (options.entryPoint ? `${name}.${options.entryPoint}` : name),
    layout: device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }),
    compute: { module, entryPoint: options.entryPoint ?? "main", constants: options.constants },
  });
}

/** The group-0 buffer bindings a WGSL module declares, in binding order. */
export function declaredBindings(code: string): { binding: number; type: GPUBufferBindingType }[] {
  const found: { binding: number; type: GPUBufferBindingType }[] = [];
  const pattern =
    /@group\(0\)\s*@binding\((\d+)\)\s*var<(uniform|storage)(?:,\s*(read|read_write))?>/g;
  for (const m of code.matchAll(pattern)) {
    const type: GPUBufferBindingType =
      m[2] === "uniform" ? "uniform" : m[3] === "read_write" ? "storage" : "read-only-storage";
    found.push({ binding: Number(m[1]), type });
  }
  return found.sort((a, b) => a.binding - b.binding);
}

/** Bind group whose binding i is resources[i] (group 0). */
export function bindBuffers(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  resources: GPUBuffer[],
  label?: string,
): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Workgroup grid for n invocations of a 1-D kernel, split over y past 65535 groups. */
export function grid1d(n: number, workgroupSize: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / workgroupSize));
  if (groups <= MAX_WORKGROUPS_PER_DIMENSION) return [groups, 1];
  return [MAX_WORKGROUPS_PER_DIMENSION, Math.ceil(groups / MAX_WORKGROUPS_PER_DIMENSION)];
}

/** The bytes createBuffer allocates for `byteLength` (a multiple of 16, at least 16). */
export function allocatedBytes(byteLength: number): number {
  return Math.max(16, Math.ceil(byteLength / 16) * 16);
}

export function createBuffer(
  device: GPUDevice,
  label: string,
  byteLength: number,
  usage: number = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
): GPUBuffer {
  return device.createBuffer({ label, size: allocatedBytes(byteLength), usage });
}
