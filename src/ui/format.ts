/** Numbers as a researcher reads them: SI prefixes for counts, 3-4 significant digits. */

const SI = [
  { v: 1e12, s: "T" },
  { v: 1e9, s: "G" },
  { v: 1e6, s: "M" },
  { v: 1e3, s: "k" },
];

/** 1234 -> "1.23k", 0.5 -> "0.5", 12 -> "12". */
export function si(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  for (const { v, s } of SI) {
    if (a >= v) return `${Number((n / v).toPrecision(digits))}${s}`;
  }
  if (a === 0) return "0";
  if (a < 1e-3) return n.toExponential(1);
  return String(Number(n.toPrecision(digits)));
}

/** A metric value with 4 significant digits (scientific for tiny ones). */
export function metric(n: number | undefined): string {
  if (n === undefined) return "–";
  if (!Number.isFinite(n)) return String(n);
  if (n !== 0 && Math.abs(n) < 1e-3) return n.toExponential(2);
  return String(Number(n.toPrecision(4)));
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** 0 -> "0 B", 512 -> "512 B", 4_194_304 -> "4.19 MB" (decimal units, as file managers show). */
export function byteSize(n: number): string {
  if (!Number.isFinite(n) || n < 1000) return `${Math.round(n)} B`;
  const text = si(n);
  return `${text.slice(0, -1)} ${text.slice(-1)}B`;
}
