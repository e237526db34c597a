/**
 * Random-access zip reader over a ByteSource, for torch.save (.pt) and numpy .npz files.
 *
 * The central directory is parsed here rather than by @zip.js/zip.js: it is a few
 * fixed-layout records, and owning that code lets every count, offset and size be bounded
 * before anything is allocated and every failure name the file, the entry and the field.
 * Deflate is fflate's (already a dependency), run as a stream in small pieces so that an
 * entry never inflates past its declared size.
 */
import { Inflate } from "fflate";
import type { ByteSource } from "../byteSource.ts";
import { FormatError } from "../formatError.ts";
import { crc32 } from "./crc32.ts";

export interface ZipLimits {
  maxEntries: number;
  maxCentralDirectoryBytes: number;
  maxNameBytes: number;
  /** Largest uncompressed size of an entry that is inflated or read whole. */
  maxEntryBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = {
  maxEntries: 100_000,
  maxCentralDirectoryBytes: 64 * 2 ** 20,
  maxNameBytes: 4096,
  maxEntryBytes: 2 ** 31,
};

export interface ZipEntry {
  readonly name: string;
  /** 0: stored, 8: deflated. */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT_BYTES = 0xffff;
const STORED = 0;
const DEFLATED = 8;
/** Deflate cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;
const READ_CHUNK = 2 ** 20;
/** Compressed bytes given to the inflater at a time: bounds each burst of output (~16 MB). */
const INFLATE_CHUNK = 2 ** 14;

const dataView = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const hex32 = (n: number) => "0x" + n.toString(16).padStart(8, "0");

export class ZipArchive {
  private readonly dataStarts = new Map<string, number>();

  constructor(
    private readonly src: ByteSource,
    /** In central-directory order. */
    readonly entries: ReadonlyMap<string, ZipEntry>,
    /** Where the central directory starts: every entry's data lies before it. */
    private readonly dataEnd: number,
    private readonly limits: Readonly<ZipLimits>,
  ) {}

  get name(): string {
    return this.src.name;
  }

  entry(name: string): ZipEntry | undefined {
    return this.entries.get(name);
  }

  /** The whole entry, its CRC-32 checked. */
  async read(name: string): Promise<Uint8Array> {
    const entry = this.need(name);
    this.checkReadable(entry);
    const start = await this.dataStart(entry);
    let bytes: Uint8Array;
    if (entry.method === STORED) {
      bytes = await this.src.read(start, entry.size);
    } else {
      bytes = new Uint8Array(entry.size);
      await this.inflateInto(entry, start, 0, bytes);
    }
    const crc = crc32(bytes);
    if (crc !== entry.crc32) {
      this.fail(
        entry,
        `CRC-32 mismatch: the data has ${hex32(crc)}, the zip says ${hex32(entry.crc32)}; ` +
          `the file is corrupt`,
      );
    }
    return bytes;
  }

  /**
   * Bytes [offset, offset + length) of the entry's uncompressed data. A stored entry reads
   * only those bytes, a deflated one inflates up to them. A part of an entry cannot be
   * checked against its CRC-32; the whole entry (offset 0, its full size) is.
   */
  async readRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    const entry = this.need(name);
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > entry.size
    ) {
      throw new RangeError(
        `${this.name}: entry ${JSON.stringify(name)}: cannot read ${length} bytes at offset ` +
          `${offset} of ${entry.size}`,
      );
    }
    if (offset === 0 && length === entry.size) return this.read(name);
    this.checkReadable(entry);
    const start = await this.dataStart(entry);
    if (entry.method === STORED) return this.src.read(start + offset, length);
    const out = new Uint8Array(length);
    await this.inflateInto(entry, start, offset, out);
    return out;
  }

  private need(name: string): ZipEntry {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new FormatError(this.name, `the zip has no entry ${JSON.stringify(name)}`);
    }
    return entry;
  }

  private fail(entry: ZipEntry, detail: string): never {
    throw new FormatError(this.name, `zip entry ${JSON.stringify(entry.name)}: ${detail}`);
  }

  private checkReadable(entry: ZipEntry): void {
    if (entry.flags & 1) this.fail(entry, "is encrypted; encrypted zip entries are not supported");
    if (entry.method === STORED) {
      if (entry.compressedSize !== entry.size) {
        this.fail(
          entry,
          `is stored (not compressed) but its sizes differ: ${entry.compressedSize} bytes ` +
            `in the file, ${entry.size} uncompressed`,
        );
      }
    } else if (entry.method === DEFLATED) {
      if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
        this.fail(
          entry,
          `declares ${entry.size} uncompressed bytes from ${entry.compressedSize} compressed ` +
            `bytes, more than deflate can produce; the file is corrupt`,
        );
      }
    } else {
      this.fail(
        entry,
        `uses compression method ${entry.method}; expected stored (0) or deflate (8)`,
      );
    }
    if (entry.size > this.limits.maxEntryBytes) {
      this.fail(
        entry,
        `declares ${entry.size} uncompressed bytes, over the ${this.limits.maxEntryBytes}-byte limit`,
      );
    }
  }

  /** Reads the local header (which may differ from the central one) to find the data. */
  private async dataStart(entry: ZipEntry): Promise<number> {
    const known = this.dataStarts.get(entry.name);
    if (known !== undefined) return known;
    const at = entry.localHeaderOffset;
    const nameBytes = new TextEncoder().encode(entry.name).length;
    if (at + LOCAL_BYTES + nameBytes > this.dataEnd) {
      this.fail(entry, `local header at byte ${at} runs into the central directory`);
    }
    const header = await this.src.read(at, LOCAL_BYTES + nameBytes);
    const v = dataView(header);
    if (v.getUint32(0, true) !== LOCAL_SIG) {
      this.fail(entry, `no local file header at byte ${at} (expected the signature PK\\3\\4)`);
    }
    const localName = new TextDecoder().decode(header.subarray(LOCAL_BYTES));
    if (v.getUint16(26, true) !== nameBytes || localName !== entry.name) {
      this.fail(entry, `the local header at byte ${at} names a different entry`);
    }
    const start = at + LOCAL_BYTES + nameBytes + v.getUint16(28, true);
    if (start + entry.compressedSize > this.dataEnd) {
      this.fail(
        entry,
        `data (bytes ${start}-${start + entry.compressedSize}) runs past byte ${this.dataEnd}, ` +
          `where the central directory starts; the file is truncated or corrupt`,
      );
    }
    this.dataStarts.set(entry.name, start);
    return start;
  }

  /**
   * Inflates bytes [from, from + out.length) of a deflated entry into `out`. Reading the
   * whole entry runs the stream to its end and checks that it has exactly the declared size.
   */
  private async inflateInto(
    entry: ZipEntry,
    start: number,
    from: number,
    out: Uint8Array,
  ): Promise<void> {
    const want = from + out.length;
    const whole = want === entry.size;
    let produced = 0;
    const inflater = new Inflate((chunk) => {
      const end = produced + chunk.length;
      if (end > entry.size) {
        this.fail(entry, `inflates to more than the ${entry.size} bytes the zip declares`);
      }
      const a = Math.max(produced, from);
      const b = Math.min(end, want);
      if (a < b) out.set(chunk.subarray(a - produced, b - produced), a - from);
      produced = end;
    });
    const more = () => whole || produced < want;
    for (let pos = 0; pos < entry.compressedSize && more(); pos += READ_CHUNK) {
      const n = Math.min(READ_CHUNK, entry.compressedSize - pos);
      const buf = await this.src.read(start + pos, n);
      for (let i = 0; i < n && more(); i += INFLATE_CHUNK) {
        const final = pos + i + INFLATE_CHUNK >= entry.compressedSize;
        try {
          inflater.push(buf.subarray(i, i + INFLATE_CHUNK), final);
        } catch (e) {
          if (e instanceof FormatError) throw e;
          this.fail(entry, `deflate data is corrupt (${(e as Error).message})`);
        }
      }
    }
    if (produced < want || (whole && produced !== entry.size)) {
      this.fail(entry, `inflates to ${produced} bytes, but the zip declares ${entry.size}`);
    }
  }
}

/** Reads the central directory; entry data is read later, entry by entry. */
export async function openZip(
  src: ByteSource,
  limits: Partial<ZipLimits> = {},
): Promise<ZipArchive> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  const file = src.name;
  const fail = (detail: string): never => {
    throw new FormatError(file, detail);
  };
  const u64 = (v: DataView, at: number, what: string): number => {
    const n = v.getBigUint64(at, true);
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? fail(`${what} ${n} is too large`) : Number(n);
  };

  const { tail, tailStart, eocd } = await findEndRecord(src);
  const tv = dataView(tail);
  if (eocd < 0) return fail(await noEndRecord(src));

  let disk = tv.getUint16(eocd + 4, true);
  let cdDisk = tv.getUint16(eocd + 6, true);
  let total = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  /** The central directory must end before this: the (zip64) end record. */
  let cdLimit = tailStart + eocd;
  const locator = eocd - ZIP64_LOCATOR_BYTES;
  if (locator >= 0 && tv.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const recordAt = u64(tv, locator + 8, "zip64 end-of-central-directory offset");
    if (recordAt + ZIP64_EOCD_BYTES > tailStart + locator) {
      fail(
        `zip64 end-of-central-directory record offset ${recordAt} is past the end of the ` +
          `archive (its locator is at byte ${tailStart + locator} of ${src.size}); the file ` +
          `is truncated or corrupt`,
      );
    }
    const record = dataView(await src.read(recordAt, ZIP64_EOCD_BYTES));
    if (record.getUint32(0, true) !== ZIP64_EOCD_SIG) {
      fail(`no zip64 end-of-central-directory record at byte ${recordAt} (bad signature)`);
    }
    disk = record.getUint32(16, true);
    cdDisk = record.getUint32(20, true);
    total = u64(record, 32, "zip64 entry count");
    cdSize = u64(record, 40, "zip64 central directory size");
    cdOffset = u64(record, 48, "zip64 central directory offset");
    cdLimit = recordAt;
  } else if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    fail("the end-of-central-directory record points to a zip64 record, but there is none");
  }
  if (disk !== 0 || cdDisk !== 0) fail("multi-disk (spanned) zip archives are not supported");
  if (total > lim.maxEntries) fail(`${total} entries exceed the limit of ${lim.maxEntries}`);
  if (cdSize > lim.maxCentralDirectoryBytes) {
    fail(
      `central directory of ${cdSize} bytes exceeds the limit of ${lim.maxCentralDirectoryBytes}`,
    );
  }
  if (cdOffset + cdSize > cdLimit) {
    fail(
      `central directory (${cdSize} bytes at offset ${cdOffset}) runs past its end record at ` +
        `byte ${cdLimit}; the file is truncated or corrupt`,
    );
  }
  const cd = await src.read(cdOffset, cdSize);
  const entries = parseCentralDirectory(file, cd, total, cdOffset, lim);
  return new ZipArchive(src, entries, cdOffset, lim);
}

function parseCentralDirectory(
  file: string,
  cd: Uint8Array,
  total: number,
  cdOffset: number,
  lim: ZipLimits,
): Map<string, ZipEntry> {
  const v = dataView(cd);
  const names = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < total; i++) {
    const fail = (detail: string): never => {
      throw new FormatError(file, `central directory entry ${i} (byte ${cdOffset + p}): ${detail}`);
    };
    if (p + CENTRAL_BYTES > cd.length) fail(`runs past the ${cd.length}-byte central directory`);
    if (v.getUint32(p, true) !== CENTRAL_SIG) fail("bad signature, expected PK\\1\\2");
    const nameLength = v.getUint16(p + 28, true);
    const extraLength = v.getUint16(p + 30, true);
    const end = p + CENTRAL_BYTES + nameLength + extraLength + v.getUint16(p + 32, true);
    if (nameLength > lim.maxNameBytes) {
      fail(`name of ${nameLength} bytes exceeds the limit of ${lim.maxNameBytes}`);
    }
    if (end > cd.length) fail(`runs past the ${cd.length}-byte central directory`);
    const name = names.decode(cd.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameLength));
    const field = (detail: string): never => fail(`${JSON.stringify(name)}: ${detail}`);
    let size = v.getUint32(p + 24, true);
    let compressedSize = v.getUint32(p + 20, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    let diskStart = v.getUint16(p + 34, true);
    const extra = cd.subarray(
      p + CENTRAL_BYTES + nameLength,
      p + CENTRAL_BYTES + nameLength + extraLength,
    );
    const zip64 = findExtra(extra, 1);
    if (zip64 !== undefined) {
      // Only the fields saturated in the fixed record are present, in this order.
      const z = dataView(zip64);
      let q = 0;
      const next = (what: string): number => {
        if (q + 8 > z.byteLength) return field(`zip64 extra field lacks the ${what}`);
        const n = z.getBigUint64(q, true);
        q += 8;
        return n > BigInt(Number.MAX_SAFE_INTEGER)
          ? field(`zip64 ${what} ${n} is too large`)
          : Number(n);
      };
      if (size === 0xffffffff) size = next("uncompressed size");
      if (compressedSize === 0xffffffff) compressedSize = next("compressed size");
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = next("local header offset");
      if (diskStart === 0xffff) {
        if (q + 4 > z.byteLength) field("zip64 extra field lacks the disk number");
        diskStart = z.getUint32(q, true);
      }
    }
    if (diskStart !== 0) field("is on another disk; multi-disk zip archives are not supported");
    if (localHeaderOffset + LOCAL_BYTES > cdOffset) {
      field(
        `local header offset ${localHeaderOffset} is past the entry data, which ends at the ` +
          `central directory (byte ${cdOffset}); the file is truncated or corrupt`,
      );
    }
    if (compressedSize > cdOffset) {
      field(`compressed size ${compressedSize} is larger than the entry data (${cdOffset} bytes)`);
    }
    if (entries.has(name)) field("appears twice in the central directory");
    entries.set(name, {
      name,
      method: v.getUint16(p + 10, true),
      flags: v.getUint16(p + 8, true),
      crc32: v.getUint32(p + 16, true),
      compressedSize,
      size,
      localHeaderOffset,
    });
    p = end;
  }
  return entries;
}

/**
 * The end-of-central-directory record, searched for in the last kilobyte first (it is the
 * last 22 bytes unless the archive has a comment), then as far back as a comment can reach.
 */
async function findEndRecord(
  src: ByteSource,
): Promise<{ tail: Uint8Array; tailStart: number; eocd: number }> {
  let tail: Uint8Array = new Uint8Array(0);
  for (const reach of [1024, EOCD_BYTES + MAX_COMMENT_BYTES + ZIP64_LOCATOR_BYTES]) {
    if (tail.length === src.size) break;
    const tailStart = Math.max(0, src.size - reach);
    tail = await src.read(tailStart, src.size - tailStart);
    const v = dataView(tail);
    // A zip64 locator, if any, sits just before the record: keep it in the tail.
    const first = tailStart === 0 ? 0 : ZIP64_LOCATOR_BYTES;
    for (let i = tail.length - EOCD_BYTES; i >= first; i--) {
      if (
        v.getUint32(i, true) === EOCD_SIG &&
        i + EOCD_BYTES + v.getUint16(i + 20, true) <= tail.length
      ) {
        return { tail, tailStart, eocd: i };
      }
    }
  }
  return { tail, tailStart: src.size - tail.length, eocd: -1 };
}

/** The data of the first extra field with this id. */
function findExtra(extra: Uint8Array, id: number): Uint8Array | undefined {
  const v = dataView(extra);
  for (let p = 0; p + 4 <= extra.length;) {
    const length = v.getUint16(p + 2, true);
    if (v.getUint16(p, true) === id)
      return extra.subarray(p + 4, Math.min(extra.length, p + 4 + length));
    p += 4 + length;
  }
  return undefined;
}

async function noEndRecord(src: ByteSource): Promise<string> {
  const head = await src.read(0, Math.min(4, src.size));
  if (head.length === 4 && dataView(head).getUint32(0, true) === LOCAL_SIG) {
    return (
      `starts like a zip archive but has no end-of-central-directory record; the file is ` +
      `truncated (${src.size} bytes) or corrupt`
    );
  }
  const shown = [...head].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `not a zip archive: no end-of-central-directory record (the file starts with bytes ${shown || "(none)"})`;
}
