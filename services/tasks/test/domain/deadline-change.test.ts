import { describe, expect, it } from "vitest";
import { InvalidArgument, NotFound, PermissionDenied } from "@ministry/platform";
import { decideDeadlineChange, pendingDeadlineRequest, requestDeadlineChange, transition, type Task } from "../../src/domain/index.js";
import { makeTask, reasonOf } from "./fixtures.js";

const askedAt = new Date("2020-03-10T02:00:00Z");
const decidedAt = new Date("2020-03-12T02:00:00Z");

function withPending(): Task {
  return requestDeadlineChange(makeTask(), "Quý II/2020", "Chờ ý kiến thẩm định của Bộ Tư pháp", "u-pc", askedAt).task;
}

describe("requestDeadlineChange", () => {
  it("adds a pending request and leaves the deadline as it is", () => {
    const task = makeTask();
    const { task: next, request } = requestDeadlineChange(task, "30/06/2020", " Chờ ý kiến ", "u-pc", askedAt);
    expect(request).toEqual({
      id: "dcr-1",
      status: "pending",
      currentSpec: { kind: "quarter", year: 2020, quarter: 1 },
      currentDeadline: new Date("2020-03-31T16:59:59.999Z"),
      requestedSpec: { kind: "date", date: "2020-06-30" },
      requestedDeadline: new Date("2020-06-30T16:59:59.999Z"),
      reason: "Chờ ý kiến",
      requestedBy: "u-pc",
      requestedAt: askedAt,
    });
    expect(next.deadline).toEqual(task.deadline);
    expect(next.deadlineRequests).toEqual([request]);
    expect(pendingDeadlineRequest(next)).toEqual(request);
    expect(task.deadlineRequests).toEqual([]);
  });

  it("accepts a spec as the new deadline", () => {
    const { request } = requestDeadlineChange(makeTask(), { kind: "month", year: 2020, month: 5 }, "r", "u", askedAt);
    expect(request.requestedDeadline.toISOString()).toBe("2020-05-31T16:59:59.999Z");
  });

  it("requires a reason, a requester and a valid new deadline, all reported together", () => {
    try {
      requestDeadlineChange(makeTask(), "31/04/2020", "  ", "", askedAt);
      throw new Error("expected InvalidArgument");
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgument);
      expect((e as InvalidArgument).violations.map((v) => v.field)).toEqual(["new_deadline", "reason", "by"]);
    }
  });

  it("requires the new deadline to differ (by instant, whatever the wording)", () => {
    expect(() => requestDeadlineChange(makeTask(), "Quý I/2020", "r", "u", askedAt)).toThrow(InvalidArgument);
    expect(() => requestDeadlineChange(makeTask(), "31/03/2020", "r", "u", askedAt)).toThrow(InvalidArgument);
    expect(() => requestDeadlineChange(makeTask(), "Tháng 3/2020", "r", "u", askedAt)).toThrow(/trùng thời hạn hiện tại/);
  });

  it("refuses a new deadline already in the past", () => {
    expect(() => requestDeadlineChange(makeTask(), "01/03/2020", "r", "u", askedAt)).toThrow(/already passed/);
  });

  it("allows one pending request at a time", () => {
    expect(reasonOf(() => requestDeadlineChange(withPending(), "Quý III/2020", "r", "u", askedAt))).toBe("DEADLINE_REQUEST_PENDING");
  });

  it("numbers later requests after earlier decisions", () => {
    const refused = decideDeadlineChange(withPending(), "dcr-1", false, "u-m", ["minister"], decidedAt).task;
    const { request } = requestDeadlineChange(refused, "Quý III/2020", "r", "u", decidedAt);
    expect(request.id).toBe("dcr-2");
  });

  it("refuses requests on submitted, completed or withdrawn tasks", () => {
    expect(reasonOf(() => requestDeadlineChange(makeTask({}, { status: "submitted" }), "Quý II/2020", "r", "u", askedAt))).toBe(
      "TASK_SUBMITTED",
    );
    expect(reasonOf(() => requestDeadlineChange(makeTask({}, { status: "completed" }), "Quý II/2020", "r", "u", askedAt))).toBe(
      "TASK_COMPLETED",
    );
    expect(reasonOf(() => requestDeadlineChange(makeTask({}, { status: "withdrawn" }), "Quý II/2020", "r", "u", askedAt))).toBe(
      "TASK_WITHDRAWN",
    );
  });

  it("allows a request on an overdue task", () => {
    const overdueAt = new Date("2020-04-05T02:00:00Z");
    expect(requestDeadlineChange(makeTask(), "Quý II/2020", "r", "u", overdueAt).request.status).toBe("pending");
  });
});

describe("decideDeadlineChange", () => {
  it("approval moves the deadline and keeps the old one in history", () => {
    const task = withPending();
    const r = decideDeadlineChange(task, "dcr-1", true, "u-deputy", ["deputy_minister"], decidedAt, "Đồng ý");
    expect(r.task.deadlineSpec).toEqual({ kind: "quarter", year: 2020, quarter: 2 });
    expect(r.task.deadline.toISOString()).toBe("2020-06-30T16:59:59.999Z");
    expect(r.request).toMatchObject({ status: "approved", decidedBy: "u-deputy", decidedAt, note: "Đồng ý" });
    expect(r.entry).toEqual({
      type: "deadline",
      from: { kind: "quarter", year: 2020, quarter: 1 },
      to: { kind: "quarter", year: 2020, quarter: 2 },
      fromDeadline: new Date("2020-03-31T16:59:59.999Z"),
      toDeadline: new Date("2020-06-30T16:59:59.999Z"),
      at: decidedAt,
      by: "u-deputy",
      reason: "Chờ ý kiến thẩm định của Bộ Tư pháp",
      requestId: "dcr-1",
      requestedBy: "u-pc",
    });
    expect(r.task.history.at(-1)).toEqual(r.entry);
    expect(pendingDeadlineRequest(r.task)).toBeUndefined();
    // The approved deadline now decides on-time-ness.
    const submitted = transition(r.task, "submitted", { at: new Date("2020-05-01T02:00:00Z"), by: "u" }).task;
    expect(submitted.onTime).toBe(true);
  });

  it("refusal leaves the deadline and history as they were", () => {
    const task = withPending();
    const r = decideDeadlineChange(task, "dcr-1", false, "u-chief", ["office_chief"], decidedAt, "Không đồng ý");
    expect(r.task.deadline).toEqual(task.deadline);
    expect(r.task.deadlineSpec).toEqual(task.deadlineSpec);
    expect(r.task.history).toEqual(task.history);
    expect(r.request.status).toBe("rejected");
    expect(r.entry).toBeUndefined();
  });

  it("lets only the configured roles decide", () => {
    const task = withPending();
    for (const roles of [["unit_head"], ["staff", "clerk"], []]) {
      expect(() => decideDeadlineChange(task, "dcr-1", true, "u", roles, decidedAt)).toThrow(PermissionDenied);
    }
    expect(decideDeadlineChange(task, "dcr-1", true, "u", ["staff", "minister"], decidedAt).request.status).toBe("approved");
    // Configured list: unit heads may decide, the office chief may not.
    expect(decideDeadlineChange(task, "dcr-1", true, "u", ["unit_head"], decidedAt, undefined, ["unit_head"]).request.status).toBe(
      "approved",
    );
    expect(() => decideDeadlineChange(task, "dcr-1", true, "u", ["office_chief"], decidedAt, undefined, ["unit_head"])).toThrow(
      PermissionDenied,
    );
  });

  it("refuses unknown and already decided requests", () => {
    const task = withPending();
    expect(() => decideDeadlineChange(task, "dcr-9", true, "u", ["minister"], decidedAt)).toThrow(NotFound);
    const decided = decideDeadlineChange(task, "dcr-1", true, "u", ["minister"], decidedAt).task;
    expect(reasonOf(() => decideDeadlineChange(decided, "dcr-1", false, "u", ["minister"], decidedAt))).toBe("REQUEST_ALREADY_DECIDED");
  });

  it("cannot decide a request that lapsed when the task was submitted", () => {
    const submitted = transition(withPending(), "submitted", { at: decidedAt, by: "u" }).task;
    expect(reasonOf(() => decideDeadlineChange(submitted, "dcr-1", true, "u", ["minister"], decidedAt))).toBe("REQUEST_ALREADY_DECIDED");
  });

  it("requires a decider and a valid time", () => {
    expect(() => decideDeadlineChange(withPending(), "dcr-1", true, " ", ["minister"], decidedAt)).toThrow(InvalidArgument);
    expect(() => decideDeadlineChange(withPending(), "dcr-1", true, "u", ["minister"], new Date(NaN))).toThrow(InvalidArgument);
  });
});
