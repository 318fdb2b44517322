import { describe, expect, it } from "vitest";
import { FailedPrecondition, InvalidArgument } from "@ministry/platform";
import {
  approveStep,
  assertDraftEditable,
  assignNumber,
  completeHandling,
  currentApprover,
  type IncomingRecord,
  isOverdue,
  issueOutgoing,
  newIncoming,
  newOutgoing,
  type OutgoingRecord,
  recallOutgoing,
  recordDirection,
  registerIncoming,
  rejectIncoming,
  rejectStep,
  replaceOutgoing,
  returnIncoming,
  routeIncoming,
  signOutgoing,
  startHandling,
  submitForApproval,
  submitToLeader,
  withdrawFromApproval,
} from "../../src/domain/workflow.js";

const at = new Date("2020-03-10T02:00:00Z");
const deadline = new Date("2020-03-20T10:00:00Z");

function refused(f: () => unknown): FailedPrecondition {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FailedPrecondition);
    return e as FailedPrecondition;
  }
  throw new Error("expected FailedPrecondition");
}

const route = { leadUnit: "vu-tccb", coordinatingUnits: ["van-phong", "vu-phap-che"], deadline, by: "leader", at };

function routed(): IncomingRecord {
  let d = registerIncoming(newIncoming(at), { arrivalNumber: 12, at });
  d = submitToLeader(d, { leaderId: "minister", at });
  d = recordDirection(d, { by: "minister", text: " Giao Vụ TCCB chủ trì ", at });
  return routeIncoming(d, route);
}

describe("incoming", () => {
  it("goes from received to done", () => {
    let d = newIncoming(at);
    expect(d.status).toBe("received");
    d = registerIncoming(d, { arrivalNumber: 12, at });
    expect(d).toMatchObject({ status: "registered", arrivalNumber: 12 });
    d = submitToLeader(d, { leaderId: "minister", at });
    expect(d).toMatchObject({ status: "submitted", submittedTo: "minister" });
    d = recordDirection(d, { by: "minister", text: " Giao Vụ TCCB chủ trì ", at });
    expect(d.direction).toEqual({ by: "minister", text: "Giao Vụ TCCB chủ trì", at });
    d = routeIncoming(d, route);
    expect(d.routing).toEqual(route);
    d = startHandling(d, { at });
    expect(d.status).toBe("in_progress");
    d = completeHandling(d, { at, result: "Đã trả lời bằng Công văn 05/BNV-TCCB" });
    expect(d).toMatchObject({ status: "done", result: "Đã trả lời bằng Công văn 05/BNV-TCCB" });
  });

  it("can be rejected on arrival, and then nothing else", () => {
    const d = rejectIncoming(newIncoming(at), { by: "clerk", reason: "Gửi nhầm cơ quan", at });
    expect(d.status).toBe("rejected");
    const e = refused(() => registerIncoming(d, { arrivalNumber: 1, at }));
    expect(e.reason).toBe("INCOMING_REJECTED");
    expect(() => rejectIncoming(newIncoming(at), { by: "clerk", reason: " ", at })).toThrow(InvalidArgument);
  });

  it("is returned to the clerk with a reason and submitted again", () => {
    const d = returnIncoming(routed(), { by: "vu-tccb", reason: "Không thuộc thẩm quyền", at });
    expect(d.status).toBe("returned");
    expect(d.returns).toEqual([{ by: "vu-tccb", reason: "Không thuộc thẩm quyền", at, from: "routed" }]);
    expect(submitToLeader(d, { leaderId: "minister", at }).status).toBe("submitted");
    expect(refused(() => returnIncoming(newIncoming(at), { by: "x", reason: "y", at })).reason).toBe("INCOMING_NOT_RETURNABLE");
  });

  it.each([
    ["registering twice", (d: IncomingRecord) => registerIncoming(d, { arrivalNumber: 1, at }), "INCOMING_NOT_RECEIVED"],
    ["rejecting after registration", (d: IncomingRecord) => rejectIncoming(d, { by: "c", reason: "r", at }), "INCOMING_NOT_RECEIVED"],
    ["directing before submission", (d: IncomingRecord) => recordDirection(d, { by: "m", text: "t", at }), "INCOMING_NOT_SUBMITTED"],
    ["routing before direction", (d: IncomingRecord) => routeIncoming(d, route), "INCOMING_NOT_DIRECTED"],
    ["starting before routing", (d: IncomingRecord) => startHandling(d, { at }), "INCOMING_NOT_ROUTED"],
    ["completing before starting", (d: IncomingRecord) => completeHandling(d, { at }), "INCOMING_NOT_IN_PROGRESS"],
  ])("refuses %s", (_, step, reason) => {
    const registered = registerIncoming(newIncoming(at), { arrivalNumber: 1, at });
    const e = refused(() => step(registered));
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(/^Văn bản đến đã vào sổ: không thể .+ \/ An incoming document that is registered cannot be /);
    expect(e.metadata).toMatchObject({ status: "registered" });
  });

  it("a done document takes no further step", () => {
    const done = completeHandling(startHandling(routed(), { at }), { at });
    expect(refused(() => returnIncoming(done, { by: "x", reason: "y", at })).reason).toBe("INCOMING_DONE");
    expect(refused(() => startHandling(done, { at })).reason).toBe("INCOMING_DONE");
  });

  it("checks the routing", () => {
    const directed = recordDirection(submitToLeader(registerIncoming(newIncoming(at), { arrivalNumber: 1, at }), { leaderId: "m", at }), {
      by: "m",
      text: "t",
      at,
    });
    const bad = (patch: Partial<typeof route>) => {
      try {
        routeIncoming(directed, { ...route, ...patch });
      } catch (e) {
        return (e as InvalidArgument).violations.map((v) => v.field);
      }
      return [];
    };
    expect(bad({ coordinatingUnits: ["vu-tccb"] })).toEqual(["coordinating_units"]);
    expect(bad({ coordinatingUnits: ["a", "a"] })).toEqual(["coordinating_units"]);
    expect(bad({ deadline: new Date("2020-03-01T00:00:00Z") })).toEqual(["deadline"]);
    expect(bad({ leadUnit: "" })).toEqual(["lead_unit"]);
    expect(bad({ coordinatingUnits: Array.from({ length: 31 }, (_, i) => `u${i}`) })).toEqual(["coordinating_units"]);
    expect(() =>
      recordDirection(submitToLeader(registerIncoming(newIncoming(at), { arrivalNumber: 1, at }), { leaderId: "m", at }), {
        by: "m",
        text: "  ",
        at,
      }),
    ).toThrow(InvalidArgument);
  });

  it("is overdue only while being handled", () => {
    const after = new Date(deadline.getTime() + 1);
    expect(isOverdue(routed(), after)).toBe(true);
    expect(isOverdue(routed(), deadline)).toBe(false);
    expect(isOverdue(completeHandling(startHandling(routed(), { at }), { at }), after)).toBe(false);
  });
});

function inApproval(): OutgoingRecord {
  return submitForApproval(newOutgoing(), { approvers: ["vu-truong", "thu-truong"] });
}

describe("outgoing", () => {
  it("goes from drafting to issued through an ordered chain", () => {
    let d = inApproval();
    expect(currentApprover(d)).toBe("vu-truong");
    d = approveStep(d, { approverId: "vu-truong", comment: "Đồng ý", at });
    expect(d.status).toBe("in_approval");
    expect(currentApprover(d)).toBe("thu-truong");
    d = approveStep(d, { approverId: "thu-truong", at });
    expect(d.status).toBe("approved");
    expect(d.decisions.map((x) => x.decision)).toEqual(["approved", "approved"]);
    d = assignNumber(d, { number: 15, year: 2020, symbol: "15/QĐ-BNV", at });
    expect(d.numbering).toEqual({ number: 15, year: 2020, symbol: "15/QĐ-BNV", at });
    d = signOutgoing(d, { signerId: "thu-truong", prefix: "KT", at });
    expect(d.signature).toEqual({ signerId: "thu-truong", prefix: "KT", at });
    d = issueOutgoing(d, { at });
    expect(d).toMatchObject({ status: "issued", issuedAt: at });
    expect(recallOutgoing(d, { by: "vt", reason: "Sai đối tượng", at }).status).toBe("recalled");
    expect(replaceOutgoing(d, { by: "vt", replacementId: "doc-2", reason: "Sai nội dung", at }).replacement?.replacementId).toBe("doc-2");
  });

  it("a rejection needs a comment and returns the draft to drafting", () => {
    const d = approveStep(inApproval(), { approverId: "vu-truong", at });
    try {
      rejectStep(d, { approverId: "thu-truong", comment: "  ", at });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgument);
      expect((e as InvalidArgument).message).toBe("Từ chối phê duyệt cần ghi ý kiến / comment: A rejection needs a comment");
    }
    const back = rejectStep(d, { approverId: "thu-truong", comment: "Sửa Điều 2", at });
    expect(back.status).toBe("drafting");
    expect(back.decisions.at(-1)).toEqual({ approverId: "thu-truong", decision: "rejected", comment: "Sửa Điều 2", at });
    expect(() => assertDraftEditable(back)).not.toThrow();
    // The next round starts again from the first approver.
    expect(currentApprover(submitForApproval(back, { approvers: back.approvers }))).toBe("vu-truong");
  });

  it("only the current approver decides", () => {
    expect(refused(() => approveStep(inApproval(), { approverId: "thu-truong", at })).reason).toBe("NOT_APPROVERS_TURN");
    expect(refused(() => rejectStep(inApproval(), { approverId: "someone", comment: "x", at })).reason).toBe("NOT_AN_APPROVER");
  });

  it("checks the chain", () => {
    expect(() => submitForApproval(newOutgoing(), { approvers: [] })).toThrow(InvalidArgument);
    expect(() => submitForApproval(newOutgoing(), { approvers: ["a", "a"] })).toThrow(InvalidArgument);
    expect(() => submitForApproval(newOutgoing(), { approvers: Array.from({ length: 21 }, (_, i) => `a${i}`) })).toThrow(InvalidArgument);
  });

  it("the drafter can withdraw it from approval", () => {
    expect(withdrawFromApproval(inApproval()).status).toBe("drafting");
    expect(refused(() => withdrawFromApproval(newOutgoing())).reason).toBe("OUTGOING_NOT_IN_APPROVAL");
  });

  it.each([
    ["editing in approval", () => assertDraftEditable(inApproval()), "OUTGOING_NOT_DRAFTING"],
    ["submitting twice", () => submitForApproval(inApproval(), { approvers: ["a"] }), "OUTGOING_NOT_DRAFTING"],
    ["approving a draft", () => approveStep(newOutgoing(), { approverId: "a", at }), "OUTGOING_NOT_IN_APPROVAL"],
    [
      "numbering before approval",
      () => assignNumber(inApproval(), { number: 1, year: 2020, symbol: "01/QĐ-BNV", at }),
      "OUTGOING_NOT_APPROVED",
    ],
    ["signing before numbering", () => signOutgoing(newOutgoing(), { signerId: "m", prefix: "none", at }), "OUTGOING_NOT_NUMBERED"],
    ["issuing unsigned", () => issueOutgoing(newOutgoing(), { at }), "OUTGOING_NOT_SIGNED"],
    ["recalling a draft", () => recallOutgoing(newOutgoing(), { by: "v", reason: "r", at }), "OUTGOING_NOT_ISSUED"],
    ["replacing a draft", () => replaceOutgoing(newOutgoing(), { by: "v", replacementId: "d", reason: "r", at }), "OUTGOING_NOT_ISSUED"],
  ])("refuses %s", (_, step, reason) => {
    const e = refused(step);
    expect(e.reason).toBe(reason);
    expect(e.message).toMatch(/^Văn bản đi .+: không thể .+ \/ An outgoing document that is .+ cannot be /);
  });

  it("a recalled or replaced document takes no further step", () => {
    const issued: OutgoingRecord = { ...newOutgoing(), status: "issued" };
    const recalled = recallOutgoing(issued, { by: "v", reason: "r", at });
    expect(refused(() => recallOutgoing(recalled, { by: "v", reason: "r", at })).reason).toBe("OUTGOING_RECALLED");
    const replaced = replaceOutgoing(issued, { by: "v", replacementId: "d2", reason: "r", at });
    expect(refused(() => recallOutgoing(replaced, { by: "v", reason: "r", at })).reason).toBe("OUTGOING_REPLACED");
    expect(() => recallOutgoing(issued, { by: "v", reason: "", at })).toThrow(InvalidArgument);
    expect(() => replaceOutgoing(issued, { by: "v", replacementId: "", reason: "r", at })).toThrow(InvalidArgument);
  });
});
