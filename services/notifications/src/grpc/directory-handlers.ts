/**
 * The gRPC handlers of DirectoryService: request checks (lengths, selector count), proto ↔ stored
 * mapping, and the call into the directory's use cases (which check the caller's role).
 */
import { FieldChecks, requireIdentity } from "@ministry/platform";
import type { DirectoryServiceServer } from "@ministry/proto/ministry/notifications/v1/notifications";
import type { Directory } from "../app/directory.js";
import { FIELDS, MAX_ID_LENGTH, MAX_ROLE_LENGTH, MAX_SEARCH_LENGTH, MAX_SELECTORS, MAX_UNIT_ID_LENGTH } from "../domain/limits.js";
import type { Selector } from "../domain/model.js";
import { personInputFromProto, selectorFromProto, selectorToProto, toProtoPerson, toProtoUnit } from "./directory-mapping.js";

function requiredId(checks: FieldChecks, value: string | undefined, field: string, max = MAX_ID_LENGTH): string {
  const v = (value ?? "").trim();
  if (v === "") checks.add(field, "Bắt buộc", "Required");
  else checks.length(field, v, max, FIELDS.id);
  return v;
}

function requireId(value: string | undefined, field = "id", max = MAX_ID_LENGTH): string {
  const checks = new FieldChecks();
  const v = requiredId(checks, value, field, max);
  checks.check();
  return v;
}

function page(p: { nextPageToken: string; totalSize: number }) {
  return { nextPageToken: p.nextPageToken, totalSize: String(p.totalSize) };
}

export function directoryHandlers(d: Directory): DirectoryServiceServer {
  return {
    getPerson: async (call) => {
      const person = await d.getPerson(requireIdentity(), requireId(call.request.id));
      return { person: toProtoPerson(person, await d.unitNames()) };
    },
    listPeople: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const checks = new FieldChecks();
      checks.length("unit_id", r.unitId.trim(), MAX_UNIT_ID_LENGTH, FIELDS.unit);
      checks.length("role", r.role.trim(), MAX_ROLE_LENGTH, FIELDS.roles);
      checks.length("query", r.query, MAX_SEARCH_LENGTH, FIELDS.search);
      checks.check();
      const result = await d.listPeople(
        identity,
        { unitId: r.unitId.trim() || undefined, role: r.role.trim() || undefined, query: r.query, includeInactive: r.includeInactive },
        r.page ?? {},
      );
      const names = await d.unitNames();
      return { people: result.items.map((p) => toProtoPerson(p, names)), page: page(result) };
    },
    getUnit: async (call) => {
      const unit = await d.getUnit(requireIdentity(), requireId(call.request.id, "id", MAX_UNIT_ID_LENGTH));
      return { unit: toProtoUnit(unit) };
    },
    listUnits: async (call) => {
      const result = await d.listUnits(requireIdentity(), call.request.page ?? {});
      return { units: result.items.map(toProtoUnit), page: page(result) };
    },
    resolveRecipients: async (call) => {
      const identity = requireIdentity();
      const checks = new FieldChecks();
      const selectors: Selector[] = [];
      if (checks.count("selectors", call.request.selectors, MAX_SELECTORS, FIELDS.selectors)) {
        for (const [i, s] of call.request.selectors.entries()) {
          const selector = selectorFromProto(s);
          if (!selector) checks.add(`selectors[${i}]`, "Trống", "Empty");
          else if (requiredId(checks, selector.value, `selectors[${i}]`) !== "") selectors.push(selector);
        }
      }
      checks.check();
      const result = await d.resolve(identity, selectors);
      const names = await d.unitNames();
      return { people: result.people.map((p) => toProtoPerson(p, names)), unresolved: result.unresolved.map(selectorToProto) };
    },
    upsertPerson: async (call) => {
      const r = call.request;
      const result = await d.upsertPerson(requireIdentity(), personInputFromProto(r.person), {
        expectedVersion: r.expectedVersion,
        requestId: r.requestId,
      });
      return { person: toProtoPerson(result.person, await d.unitNames()), created: result.created };
    },
    deactivatePerson: async (call) => {
      const identity = requireIdentity();
      const person = await d.deactivatePerson(identity, requireId(call.request.id), call.request.requestId);
      return { person: toProtoPerson(person, await d.unitNames()) };
    },
    upsertUnit: async (call) => {
      const r = call.request;
      const result = await d.upsertUnit(requireIdentity(), { id: r.id, name: r.name, nameEn: r.nameEn }, r.requestId);
      return { unit: toProtoUnit(result.unit), created: result.created };
    },
    importDirectory: async (call) => {
      const r = call.request;
      // The file name's length is checked by the use case, after the caller's role.
      const result = await d.importDirectory(requireIdentity(), {
        content: r.content,
        fileName: r.fileName,
        dryRun: r.dryRun,
        requestId: r.requestId,
      });
      return {
        created: result.created,
        updated: result.updated,
        unchanged: result.unchanged,
        rows: result.rows,
        errors: result.errors.map((e) => ({ line: e.line, column: e.column, message: `${e.vi} / ${e.en}` })),
      };
    },
  };
}
