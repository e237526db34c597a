import { describe, expect, it } from "vitest";
import { byteSize, duration, metric, si } from "./format.ts";

describe("format", () => {
  it("SI-formats counts and keeps small numbers readable", () => {
    expect([si(0), si(12), si(1234), si(25_600), si(1_500_000), si(0.5), si(0.00012)]).toEqual([
      "0",
      "12",
      "1.23k",
      "25.6k",
      "1.5M",
      "0.5",
      "1.2e-4",
    ]);
  });

  it("shows metrics with 4 significant digits and durations as m:ss", () => {
    expect([metric(0.123456), metric(6.1234567), metric(2e-5), metric(undefined)]).toEqual([
      "0.1235",
      "6.123",
      "2.00e-5",
      "–",
    ]);
    expect([duration(5), duration(75), duration(3725)]).toEqual(["0:05", "1:15", "1:02:05"]);
  });

  it("shows byte sizes with decimal units", () => {
    expect([byteSize(0), byteSize(512), byteSize(4_194_304), byteSize(548_105_171)]).toEqual([
      "0 B",
      "512 B",
      "4.19 MB",
      "548 MB",
    ]);
  });
});
