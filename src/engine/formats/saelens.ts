/** SAELens 6 folder format: cfg.json + sae_weights.safetensors (standard SAE, transcoder). */
export {
  parseSaelensCfg,
  readSaelensCfg,
  runSaelensCfg,
  TOPK_TRANSCODER_NOTE,
  toSaelensCfg,
  SAELENS_CFG_FILENAME,
  SAELENS_FORMAT_VERSION,
  SAELENS_WEIGHTS_FILENAME,
  SUPPORTED_ARCHITECTURES,
  type ExtraMetadata,
  type SaelensArchitecture,
  type SaelensCfg,
} from "./saelensCfg.ts";
export { readSaelensWeights, writeSaelensWeights } from "./saelensWeights.ts";
