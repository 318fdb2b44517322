/**
 * Reading a request's common parts: ids within their limits, and a mutation's request id, target and
 * expected version.
 */
import { FieldChecks } from "@ministry/platform";
import { FIELDS, MAX_ID_LENGTH } from "../domain/limits.js";
import type { MeetingMutation } from "../app/meeting-change.js";

/** A required id within `max` characters; INVALID_ARGUMENT naming `field` otherwise. */
export function requiredId(value: string | undefined, field: string, max = MAX_ID_LENGTH, checks?: FieldChecks): string {
  const own = checks ?? new FieldChecks();
  const v = (value ?? "").trim();
  if (v === "") own.add(field, "Bắt buộc", "Required");
  else own.length(field, v, max, FIELDS.id);
  if (!checks) own.check();
  return v;
}

/** A mutation of a meeting: its id (`id` or `meeting_id`), request id and expected version, bound to the whole request. */
export function mutationOf(r: { requestId?: string; expectedVersion?: number }, id: string, field = "id"): MeetingMutation {
  return { requestId: r.requestId || undefined, id: requiredId(id, field), expectedVersion: r.expectedVersion, body: r };
}

/** An optional enum: 0 (unspecified) is undefined; a value the contract does not know is a violation on `field`. */
export function optionalCode<D>(
  checks: FieldChecks,
  field: string,
  value: number,
  codes: { fromProto(p: number): D | undefined },
): D | undefined {
  if (!value) return undefined;
  const d = codes.fromProto(value);
  if (d === undefined) checks.add(field, "Giá trị không hợp lệ", "Unknown value");
  return d;
}
