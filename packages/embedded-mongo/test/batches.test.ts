/** Batches: mongod's 16 MiB cap per batch, with the sizes of stored documents remembered between reads. */
import type { Document } from "bson";
import { describe, expect, it } from "vitest";
import { takeBatch } from "../src/cursors.js";

describe("batches", () => {
  it("cut before 16 MiB of documents, the same on every read of the same stored documents", () => {
    const big = "x".repeat(5 * 1024 * 1024);
    const stored: Document[] = Array.from({ length: 7 }, (_, i) => ({ _id: i, big }));
    for (let read = 0; read < 2; read++) {
      const source = {
        iterator: stored[Symbol.iterator](),
        pending: undefined as Document | undefined,
        remaining: Number.POSITIVE_INFINITY,
      };
      const sizes: number[] = [];
      for (;;) {
        const batch = takeBatch(source, undefined);
        sizes.push(batch.docs.length);
        if (batch.exhausted) break;
      }
      expect(sizes).toEqual([3, 3, 1]);
    }
  });

  it("always returns a document larger than the cap on its own", () => {
    const huge = { _id: 1, big: "y".repeat(17 * 1024 * 1024) };
    const source = {
      iterator: [huge, { _id: 2 }][Symbol.iterator](),
      pending: undefined as Document | undefined,
      remaining: Number.POSITIVE_INFINITY,
    };
    expect(takeBatch(source, undefined).docs.map((d) => d._id)).toEqual([1]);
    expect(takeBatch(source, undefined).docs.map((d) => d._id)).toEqual([2]);
  });
});
