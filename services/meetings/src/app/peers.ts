/**
 * What the meetings service asks other services by gRPC, on behalf of the caller (the caller's token is
 * forwarded): the directory resolves invitees and names people; the tasks service freezes a report.
 */
import { createClient, InvalidArgument, type Logger } from "@ministry/platform";
import { status, type ServiceError } from "@grpc/grpc-js";
import { DirectoryServiceClient, type Person, type RecipientSelector } from "@ministry/proto/ministry/notifications/v1/notifications";
import { ReportServiceClient, type CreateReportSnapshotRequest, type ReportSnapshot } from "@ministry/proto/ministry/tasks/v1/tasks";
import type { PersonRef } from "../domain/model.js";
import { sortName } from "../domain/names.js";

export type Selector = { kind: "person"; id: string } | { kind: "unit_head"; unitId: string } | { kind: "role"; role: string };

export interface ResolvedPeople {
  people: PersonRef[];
  /** The selectors that stand for nobody, as text ("unit_head:XYZ"). */
  unresolved: string[];
}

export interface Directory {
  resolve(selectors: readonly Selector[]): Promise<{ people: (PersonRef & { via: string })[]; unresolved: string[] }>;
  /** A person by id; undefined when the directory has no active person of that id. */
  person(id: string): Promise<PersonRef | undefined>;
}

export interface Reports {
  createSnapshot(req: CreateReportSnapshotRequest): Promise<ReportSnapshot>;
}

export function personRefOf(p: Person): PersonRef {
  const ref: PersonRef = { personId: p.id, fullName: p.fullName, position: p.position };
  if (p.unit?.id) ref.unit = { id: p.unit.id, name: p.unit.name };
  return ref;
}

export function selectorText(s: Selector): string {
  return s.kind === "person" ? `person:${s.id}` : s.kind === "unit_head" ? `unit_head:${s.unitId}` : `role:${s.role}`;
}

function toProto(s: Selector): RecipientSelector {
  if (s.kind === "person") return { selector: { $case: "personId", value: s.id } };
  if (s.kind === "unit_head") return { selector: { $case: "unitHead", value: s.unitId } };
  return { selector: { $case: "role", value: s.role } };
}

function call<T>(fn: (cb: (err: ServiceError | null, res: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

/** The directory resolves at most 100 selectors per call. */
const SELECTORS_PER_CALL = 100;

export function grpcDirectory(address: string, opts: { log: Logger; deadlineMs: number }): Directory & { close(): void } {
  const client = createClient(DirectoryServiceClient, address, {
    log: opts.log,
    defaultDeadlineMs: opts.deadlineMs,
    idempotent: ["resolveRecipients", "getPerson"],
  });
  return {
    async resolve(selectors) {
      const people: (PersonRef & { via: string })[] = [];
      const unresolved: string[] = [];
      const seen = new Set<string>();
      const add = (s: Selector, found: Person[]) => {
        if (found.length === 0) unresolved.push(selectorText(s));
        for (const p of found) {
          if (seen.has(p.id)) continue;
          seen.add(p.id);
          people.push({ ...personRefOf(p), via: selectorText(s) });
        }
      };
      const resolve = (part: readonly Selector[]) =>
        call<{ people: Person[] }>((cb) => client.resolveRecipients({ selectors: part.map(toProto) }, cb));
      // People by id in batches (each answers to its own id); a unit's head or a role's holders one
      // selector per call, so each selector is credited with exactly the people it stands for.
      const byId = selectors.filter((s): s is Extract<Selector, { kind: "person" }> => s.kind === "person");
      for (let i = 0; i < byId.length; i += SELECTORS_PER_CALL) {
        const part = byId.slice(i, i + SELECTORS_PER_CALL);
        const res = await resolve(part);
        for (const s of part)
          add(
            s,
            res.people.filter((p) => p.id === s.id),
          );
      }
      for (const s of selectors) if (s.kind !== "person") add(s, (await resolve([s])).people);
      return { people, unresolved };
    },
    async person(id) {
      try {
        const res = await call<{ person?: Person }>((cb) => client.getPerson({ id }, cb));
        return res.person?.active ? personRefOf(res.person) : undefined;
      } catch (err) {
        if ((err as ServiceError).code === status.NOT_FOUND) return undefined;
        if ((err as ServiceError).code === status.INVALID_ARGUMENT) return undefined;
        throw err;
      }
    },
    close: () => client.close(),
  };
}

export function grpcReports(address: string, opts: { log: Logger; deadlineMs: number }): Reports & { close(): void } {
  const client = createClient(ReportServiceClient, address, { log: opts.log, defaultDeadlineMs: opts.deadlineMs });
  return {
    async createSnapshot(req) {
      const res = await call<{ snapshot?: ReportSnapshot }>((cb) => client.createReportSnapshot(req, cb));
      if (!res.snapshot) throw new InvalidArgument([{ field: "report", description: "Không có báo cáo / No report" }]);
      return res.snapshot;
    },
    close: () => client.close(),
  };
}

export { sortName };
