/**
 * The incoming half of DocumentService: proto ↔ use case for receiving, registering, submitting,
 * directing, routing and handling incoming documents. Errors are the use cases' typed errors; bad input
 * is INVALID_ARGUMENT with snake_case field paths.
 */
import { FieldChecks, requireIdentity } from "@ministry/platform";
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import * as pb from "@ministry/proto/ministry/documents/v1/documents";
import { FIELDS, MAX_ID_LENGTH } from "../domain/limits.js";
import type { DueRecord } from "../store/document-store.js";
import type { DocumentRecord } from "../store/document-store.js";
import type { DocumentsRuntime } from "../service.js";
import { secrecyCodes, toProtoDocument, urgencyCodes } from "./mapping.js";

type Handlers = Pick<
  pb.DocumentServiceServer,
  "receiveDocument" | "registerDocument" | "submitToLeader" | "directDocument" | "routeDocument" | "recordHandling"
>;

const VIETNAM_OFFSET_MS = 7 * 3600_000;
const DAY_MS = 86_400_000;

function requiredId(checks: FieldChecks, value: string, field: string): string {
  const id = value.trim();
  if (!id) checks.add(field, "Bắt buộc", "Required");
  checks.length(field, id, MAX_ID_LENGTH, FIELDS.id);
  return id;
}

function step(r: { requestId: string; id: string; expectedVersion?: number | undefined }, checks: FieldChecks) {
  return {
    requestId: r.requestId || undefined,
    id: requiredId(checks, r.id, "id"),
    ...(r.expectedVersion !== undefined ? { expectedVersion: r.expectedVersion } : {}),
  };
}

/** Midnight in Vietnam of a calendar day, or undefined when it is not one. */
function vietnamMidnight(y: number, m: number, d: number): Date | undefined {
  const utc = Date.UTC(y, m - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  return new Date(utc - VIETNAM_OFFSET_MS);
}

function endOfDay(y: number, m: number, d: number): Date | undefined {
  const start = vietnamMidnight(y, m, d);
  return start ? new Date(start.getTime() + DAY_MS - 1) : undefined;
}

/**
 * A Deadline as given → its canonical spec and its last instant in Vietnam: a day ("YYYY-MM-DD", or
 * written "dd/MM/yyyy"), a month, a quarter. Undefined when absent; a violation on `field` when unreadable.
 */
export function resolveDeadline(d: Deadline | undefined, field: string, checks: FieldChecks): DueRecord | undefined {
  const spec = d?.spec;
  if (!spec) return undefined;
  const bad = () => {
    checks.add(
      field,
      "Thời hạn không hợp lệ (YYYY-MM-DD, dd/MM/yyyy, tháng hoặc quý)",
      "Not a valid deadline (YYYY-MM-DD, dd/MM/yyyy, a month or a quarter)",
    );
    return undefined;
  };
  const day = (y: number, m: number, dd: number): DueRecord | undefined => {
    const dueAt = endOfDay(y, m, dd);
    if (!dueAt) return bad();
    const value = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(dd).padStart(2, "0")}`;
    return { spec: Deadline.toJSON({ spec: { $case: "date", value } }), dueAt };
  };
  const lastDayOfMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  switch (spec.$case) {
    case "date": {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(spec.value.trim());
      return m ? day(+m[1], +m[2], +m[3]) : bad();
    }
    case "text": {
      const text = spec.value.trim();
      const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      if (iso) return day(+iso[1], +iso[2], +iso[3]);
      const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
      if (vn) return day(+vn[3], +vn[2], +vn[1]);
      return bad();
    }
    case "month": {
      const { year, month } = spec.value;
      if (month < 1 || month > 12 || year < 1900 || year > 9999) return bad();
      return { spec: Deadline.toJSON({ spec }), dueAt: endOfDay(year, month, lastDayOfMonth(year, month))! };
    }
    case "quarter": {
      const { year, quarter } = spec.value;
      if (quarter < 1 || quarter > 4 || year < 1900 || year > 9999) return bad();
      const month = quarter * 3;
      return { spec: Deadline.toJSON({ spec }), dueAt: endOfDay(year, month, lastDayOfMonth(year, month))! };
    }
    default:
      return bad();
  }
}

export function incomingHandlers(runtime: DocumentsRuntime): Handlers {
  const { app, incoming } = runtime;

  const answer = async (d: DocumentRecord): Promise<{ document: pb.Document }> => ({
    document: toProtoDocument(d, await app.attachments.list(d._id)),
  });

  return {
    receiveDocument: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const checks = new FieldChecks();
      const urgency = r.urgency === pb.Urgency.URGENCY_UNSPECIFIED ? "normal" : urgencyCodes.fromProto(r.urgency);
      const secrecy = r.secrecy === pb.Secrecy.SECRECY_UNSPECIFIED ? "none" : secrecyCodes.fromProto(r.secrecy);
      if (!urgency) checks.add("urgency", "Độ khẩn không hợp lệ", "Unknown urgency");
      if (!secrecy) checks.add("secrecy", "Độ mật không hợp lệ", "Unknown secrecy");
      if (!r.sender) checks.add("sender", "Cần cơ quan gửi", "The sender is required");
      const due = resolveDeadline(r.due, "due", checks);
      checks.check();
      const doc = await incoming.receive(identity, {
        requestId: r.requestId || undefined,
        type: r.type,
        number: r.number,
        sender: { code: r.sender?.code ?? "", name: r.sender?.name ?? "" },
        ...(r.issuedDate ? { issuedDate: r.issuedDate } : {}),
        summary: r.summary,
        urgency: urgency!,
        secrecy: secrecy!,
        ...(due ? { due } : {}),
      });
      return answer(doc);
    },
    registerDocument: async (call) => {
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const m = step(call.request, checks);
      checks.check();
      return answer(await incoming.register(identity, m));
    },
    submitToLeader: async (call) => {
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const m = step(call.request, checks);
      const leaderId = requiredId(checks, call.request.leaderId, "leader_id");
      checks.check();
      return answer(await incoming.submitToLeader(identity, { ...m, leaderId }));
    },
    directDocument: async (call) => {
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const m = step(call.request, checks);
      checks.check();
      return answer(await incoming.direct(identity, { ...m, direction: call.request.direction }));
    },
    routeDocument: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const checks = new FieldChecks();
      const m = step(r, checks);
      const leadUnitId = requiredId(checks, r.leadUnitId, "lead_unit_id");
      const deadline = resolveDeadline(r.deadline, "deadline", checks);
      if (!r.deadline?.spec) checks.add("deadline", "Cần hạn xử lý", "A handling deadline is required");
      r.directiveTasks.forEach((t, i) => {
        if (t.deadline?.spec) resolveDeadline(t.deadline, `directive_tasks[${i}].deadline`, checks);
      });
      checks.check();
      const doc = await incoming.route(identity, {
        ...m,
        leadUnitId,
        coordinatingUnitIds: r.coordinatingUnitIds,
        deadline: deadline as DueRecord & { dueAt: Date },
        directiveTasks: r.directiveTasks,
      });
      return answer(doc);
    },
    recordHandling: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const checks = new FieldChecks();
      const m = step(r, checks);
      checks.check();
      return answer(await incoming.recordHandling(identity, { ...m, progress: r.progress, done: r.done, replyNumber: r.replyNumber }));
    },
  };
}
