import { describe, expect, it } from "vitest";
import { centerOn, fitTransform, panBy, zoomAt } from "./panZoom.ts";

describe("pan and zoom", () => {
  it("fits the content, centred, inside the margin", () => {
    const t = fitTransform({ width: 1000, height: 400 }, { width: 532, height: 432 }, 16);
    expect(t.k).toBeCloseTo(0.5);
    expect(t.x).toBeCloseTo(16);
    expect(t.y).toBeCloseTo(116);
  });

  it("zooms about the pointer: the world point under it stays there", () => {
    const t = { k: 0.5, x: 16, y: 116 };
    const z = zoomAt(t, 3, 200, 150, { min: 0.1, max: 10 });
    expect(z.k).toBeCloseTo(1.5);
    expect((200 - z.x) / z.k).toBeCloseTo((200 - t.x) / t.k);
    expect((150 - z.y) / z.k).toBeCloseTo((150 - t.y) / t.k);
    expect(zoomAt(t, 100, 0, 0, { min: 0.1, max: 2 }).k).toBe(2);
    expect(zoomAt(t, 0.01, 0, 0, { min: 0.1, max: 2 }).k).toBe(0.1);
  });

  it("pans by screen pixels and centres a world point", () => {
    expect(panBy({ k: 2, x: 1, y: 2 }, 10, -5)).toEqual({ k: 2, x: 11, y: -3 });
    const c = centerOn({ k: 2, x: 0, y: 0 }, 100, 50, { width: 800, height: 600 });
    expect(100 * c.k + c.x).toBe(400);
    expect(50 * c.k + c.y).toBe(300);
  });
});
