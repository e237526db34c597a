import type { AttributionSources } from "./frozenModel.ts";

/** Sources per tile: a tile's sources share one position, so one gradient load serves them. */
export const SOURCES_PER_TILE = 4;

/** Sources of one slot laid out for circuit_source_dots.wgsl. */
export interface SourceChunk {
  /** 0..nLayer−1: blocks.slot.hook_mlp_out; nLayer: hook_embed. */
  slot: number;
  tiles: number;
  /** [tiles] the position each tile's sources are at. */
  tilePos: Uint32Array<ArrayBuffer>;
  /** [tiles · 4, d] the source vectors, zero where a tile is padded. */
  vectors: Float32Array<ArrayBuffer>;
  /** [tiles · 4] each entry's column in the adjacency (its source index), −1 for padding. */
  columns: Int32Array;
}

/**
 * Groups sources by slot, sorts each slot's sources by position into tiles of 4 that share a
 * position (padding each position's last tile with zero vectors), and cuts each slot's tiles
 * into chunks of at most `maxTiles` (what one binding or one dispatch can hold).
 */
export function sourceChunks(
  sources: AttributionSources,
  nLayer: number,
  d: number,
  maxTiles: number,
): SourceChunk[] {
  if (!(maxTiles >= 1))
    throw new Error(`sourceChunks: maxTiles must be at least 1, got ${maxTiles}`);
  const chunks: SourceChunk[] = [];
  for (let slot = 0; slot <= nLayer; slot++) {
    const tiles = slotTiles(sources, slot);
    for (let start = 0; start < tiles.length; start += maxTiles)
      chunks.push(chunkOf(sources, slot, tiles.slice(start, start + maxTiles), d));
  }
  return chunks;
}

interface Tile {
  pos: number;
  /** Up to 4 source indices. */
  members: number[];
}

function slotTiles(sources: AttributionSources, slot: number): Tile[] {
  const bySlot: number[] = [];
  for (let s = 0; s < sources.count; s++) if (sources.slot[s] === slot) bySlot.push(s);
  bySlot.sort((a, b) => sources.pos[a]! - sources.pos[b]! || a - b);
  const tiles: Tile[] = [];
  for (const s of bySlot) {
    const pos = sources.pos[s]!;
    const last = tiles[tiles.length - 1];
    if (last && last.pos === pos && last.members.length < SOURCES_PER_TILE) last.members.push(s);
    else tiles.push({ pos, members: [s] });
  }
  return tiles;
}

function chunkOf(sources: AttributionSources, slot: number, tiles: Tile[], d: number) {
  const n = tiles.length * SOURCES_PER_TILE;
  const chunk: SourceChunk = {
    slot,
    tiles: tiles.length,
    tilePos: Uint32Array.from(tiles, (t) => t.pos),
    vectors: new Float32Array(n * d),
    columns: new Int32Array(n).fill(-1),
  };
  tiles.forEach((tile, t) =>
    tile.members.forEach((s, i) => {
      const j = t * SOURCES_PER_TILE + i;
      chunk.columns[j] = s;
      chunk.vectors.set(sources.vectors.subarray(s * d, (s + 1) * d), j * d);
    }),
  );
  return chunk;
}
