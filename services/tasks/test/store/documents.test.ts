import { describe, expect, it } from "vitest";
import { taskFromDocument, taskToDocument, withoutEmpty } from "../../src/store/documents.js";
import { makeTask } from "../domain/fixtures.js";

/** What taskFromDocument gave when it copied the whole document (withoutEmpty, then the stored-only fields out). */
function reference(doc: Record<string, unknown>) {
  const { _id, search: _s, doneAt: _d, deadlineAlertedAt: _a, ...rest } = withoutEmpty(doc);
  return { id: _id, ...rest, authority: doc.authority ?? null };
}

describe("taskFromDocument", () => {
  it("reads what it always read: nulls dropped at every depth, the stored-only fields left out, a null authority kept", () => {
    const at = new Date("2020-03-01T02:00:00Z");
    const doc = {
      ...taskToDocument(makeTask({ id: "t-1" }), { createdAt: at, updatedAt: at }),
      authority: null,
      assignee: null,
      deadlineAlertedAt: at,
      statusHistory: [
        { status: "not_started", at, by: null },
        { status: "in_progress", at, by: "u1", note: undefined },
      ],
      deadlineRequests: [{ id: "dcr-1", status: "pending", requestedAt: at, decision: { by: null, at: null } }],
      source: { type: "programme", ref: null },
      coordinatingUnits: ["PC", "TCCB"],
    };
    const read = taskFromDocument(doc);
    expect(read).toEqual(reference(doc));
    expect(read).not.toHaveProperty("search");
    expect(read).not.toHaveProperty("doneAt");
    expect(read).not.toHaveProperty("deadlineAlertedAt");
    expect(read).not.toHaveProperty("assignee");
    expect(read.authority).toBeNull();
    expect((read as unknown as { source: object }).source).toEqual({ type: "programme" });
    // members with nothing to drop are not copied; the ones with a null are, and the document is unchanged
    expect(read.coordinatingUnits).toBe(doc.coordinatingUnits);
    expect((read as unknown as { deadlineRequests: unknown[] }).deadlineRequests).not.toBe(doc.deadlineRequests);
    expect(doc.deadlineRequests[0].decision).toEqual({ by: null, at: null });
    expect(doc.source.ref).toBeNull();
  });
});
