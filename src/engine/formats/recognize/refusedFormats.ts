/** Formats recognised only to be refused by name, with why. */
import { FormatError } from "../formatError.ts";
import { baseName, type FileSet } from "../fileSet.ts";

export function refuseUnloadable(set: FileSet): void {
  for (const path of set.files.keys()) {
    const name = baseName(path);
    if (/^W_(enc|dec)_\d+\.safetensors$/.test(name)) {
      throw new FormatError(
        set.files.get(path)!.name,
        "is part of a cross-layer transcoder (CLT): each layer's features write to every later layer, " +
          "so it is not one dictionary between two sites; load a single-layer transcoder instead",
      );
    }
    if (name === "latest_ckpt" || name === "latest_ckpt.txt") {
      throw new FormatError(
        set.files.get(path)!.name,
        "belongs to a temporal SAE, which reads a window of earlier tokens' activations rather than one site per token; it cannot be loaded as a dictionary",
      );
    }
  }
}
