/**
 * Outgoing documents (Decree 30/2020, Điều 15–18): a draft and its versions, the check-out that keeps two
 * people from overwriting each other, the ordered approval chain, the number taken from the document's
 * series in the numbering transaction, the signature's record, the issue (the DocumentIssued event the
 * tasks service consumes, and the edXML package for agencies outside the ministry, queued in the same
 * transaction), the recall or replacement, and the recipients' read receipts.
 *
 * Every transition is workflow.ts's; every change goes through changeDocument (visibility first, then the
 * step, then record + audit + events in one transaction, once per request id).
 */
import { randomUUID } from "node:crypto";
import {
  AlreadyExists,
  FailedPrecondition,
  FieldChecks,
  hasRole,
  type Identity,
  InvalidArgument,
  PermissionDenied,
  type Role,
} from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import {
  FIELDS,
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_RECIPIENT_LENGTH,
  MAX_RECIPIENTS,
  MAX_SUMMARY_LENGTH,
  MAX_TITLE_LENGTH,
} from "../domain/limits.js";
import { formatSymbol, numberingYear, numberSeries } from "../domain/numbering.js";
import {
  approveStep,
  assertDraftEditable,
  assertOutgoingStep,
  assignNumber,
  issueOutgoing,
  newOutgoing,
  recallOutgoing,
  rejectStep,
  replaceOutgoing,
  signOutgoing,
  submitForApproval as submitChain,
} from "../domain/workflow.js";
import { DELIVERED_STATUSES } from "../domain/visibility.js";
import {
  type DocumentTypeDef,
  documentType,
  isClassified,
  type Secrecy,
  type SigningPrefix,
  SIGNING_PREFIXES,
  type Urgency,
} from "../domain/vocabulary.js";
import {
  buildPackage,
  documentIdOf,
  type EdxmlAttachment,
  formatEdxmlDate,
  formatEdxmlDateTime,
  isOrganId,
  priorityOfUrgency,
} from "../exchange/edxml/index.js";
import type { BusinessDocType, EdxmlPackage } from "../exchange/edxml/types.js";
import { packageIdempotencyKey } from "../exchange/protocol.js";
import type { StoredAttachment } from "../store/attachments.js";
import type { DocumentRecord, Organization, SignerRecord } from "../store/document-store.js";
import { DocumentEvents } from "../events/definitions.js";
import { documentSummaryOf } from "../events/summary.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { changeDocument, withSearchFields } from "./document-change.js";

const LEADERS: readonly Role[] = ["minister", "deputy_minister", "office_chief"];
const UNIT_PEOPLE: readonly Role[] = ["unit_head", "staff", "clerk"];
/** Task and meeting ids a draft names: far more than a document answers in practice. */
const MAX_LINKS = 100;
/** An organ or unit code among the recipients. */
const MAX_CODE_LENGTH = 64;

export interface DraftInput {
  requestId?: string;
  /** The vocabulary's type code ("QUYET_DINH"). */
  type: string;
  summary: string;
  /** The Office and leaders may draft for a unit; others draft for their own. */
  draftingUnitId?: string;
  secrecy: Secrecy;
  urgency: Urgency;
  recipients: Organization[];
  taskIds: string[];
  meetingIds: string[];
}

export interface UploadInput {
  requestId?: string;
  documentId: string;
  fileName: string;
  contentType: string;
}

export interface SignerInput {
  /** "TM.", "KT."…, or "" for none. */
  prefix: string;
  authority: string;
  position: string;
  fullName: string;
  personId: string;
}

export interface Mutation {
  requestId?: string;
  id: string;
  expectedVersion?: number;
}

function isOffice(app: AppContext, identity: Identity): boolean {
  return identity.unitId === app.settings.officeUnitId;
}

function isOfficeClerk(app: AppContext, identity: Identity): boolean {
  return hasRole(identity, "clerk") && isOffice(app, identity);
}

function isLeader(identity: Identity): boolean {
  return hasRole(identity, ...LEADERS);
}

/** Who may change a draft: whoever created it and the people of the unit drafting it. */
function isDrafter(identity: Identity, d: DocumentRecord): boolean {
  if (d.createdBy === identity.userId) return true;
  return hasRole(identity, ...UNIT_PEOPLE) && identity.unitId !== undefined && identity.unitId === d.draftingUnit;
}

function requireOutgoing(d: DocumentRecord): NonNullable<DocumentRecord["outgoing"]> {
  if (d.direction !== "outgoing" || !d.outgoing) {
    throw new FailedPrecondition("Đây không phải văn bản đi / This is not an outgoing document", "NOT_OUTGOING", {});
  }
  return d.outgoing;
}

function requireDrafter(identity: Identity, d: DocumentRecord): void {
  if (!isDrafter(identity, d)) {
    throw new PermissionDenied(
      "Chỉ người soạn thảo và đơn vị soạn thảo được làm việc này / Only the drafter and the drafting unit may do this",
    );
  }
}

function requireOfficeClerk(app: AppContext, identity: Identity): void {
  if (!isOfficeClerk(app, identity)) {
    throw new PermissionDenied("Chỉ văn thư Văn phòng Bộ được làm việc này / Only the Office's clerks may do this");
  }
}

/** "dd/MM/yyyy HH:mm" in Vietnam time (UTC+7 all year). */
export function vietnamDateTime(at: Date): string {
  const v = new Date(at.getTime() + 7 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(v.getUTCDate())}/${p(v.getUTCMonth() + 1)}/${v.getUTCFullYear()} ${p(v.getUTCHours())}:${p(v.getUTCMinutes())}`;
}

/** The check-out still in force at `now`, if any. */
export function activeCheckout(d: DocumentRecord, now: Date): DocumentRecord["checkout"] {
  return d.checkout && d.checkout.until.getTime() > now.getTime() ? d.checkout : undefined;
}

function checkedOutByOther(d: DocumentRecord, identity: Identity, now: Date): FailedPrecondition | undefined {
  const held = activeCheckout(d, now);
  if (!held || held.by === identity.userId) return undefined;
  const until = vietnamDateTime(held.until);
  return new FailedPrecondition(
    `Dự thảo đang được ${held.name} giữ để sửa đến ${until} / The draft is checked out by ${held.name} until ${until}`,
    "DRAFT_CHECKED_OUT",
    { holder_id: held.by, holder_name: held.name, until: held.until.toISOString() },
  );
}

/** The ministry's own units among the recipients: codes that are not exchange organ ids. */
function recipientUnitsOf(recipients: readonly Organization[]): string[] {
  return recipients.filter((r) => !isOrganId(r.code)).map((r) => r.code);
}

/** Agencies outside the ministry, reached through the exchange. */
function outsideRecipients(recipients: readonly Organization[]): Organization[] {
  return recipients.filter((r) => isOrganId(r.code));
}

function typeOf(d: DocumentRecord): DocumentTypeDef {
  const type = documentType(d.type);
  if (!type) throw new Error(`document ${d._id} has an unknown type ${d.type}`);
  return type;
}

/** The signer block's prefix from "KT." / "KT" / "" (none). */
function signingPrefix(text: string, checks: FieldChecks): SigningPrefix {
  const code = text.trim().replace(/\.$/u, "").toUpperCase();
  if (code === "" || code === "NONE") return "none";
  if (Object.hasOwn(SIGNING_PREFIXES, code)) return code as SigningPrefix;
  checks.add("signer.prefix", "Tiền tố ký phải là TM., Q., KT., TL. hoặc TUQ.", "The signing prefix must be TM., Q., KT., TL. or TUQ.");
  return "none";
}

/** Renames a violation's field (the domain's name → the contract's). */
function renamed<T>(f: () => T, from: string, to: string): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof InvalidArgument) {
      throw new InvalidArgument(
        err.violations.map((v) =>
          v.field === from || v.field.startsWith(`${from}[`) ? { ...v, field: to + v.field.slice(from.length) } : v,
        ),
      );
    }
    throw err;
  }
}

/** "01/QĐ-BNV" → ["01", "QĐ-BNV"]; "15/2020/TT-BNV" → ["15", "2020/TT-BNV"]. */
function splitSymbol(symbol: string): [string, string] {
  const slash = symbol.indexOf("/");
  return [symbol.slice(0, slash), symbol.slice(slash + 1)];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(parts);
}

export class OutgoingCommands {
  constructor(private readonly app: AppContext) {}

  // ------------------------------------------------------------ drafting

  async createDraft(identity: Identity, input: DraftInput): Promise<DocumentRecord> {
    const app = this.app;
    const office = isOffice(app, identity);
    const leader = isLeader(identity);
    const unitPerson = hasRole(identity, "unit_head", "staff") && identity.unitId !== undefined;
    if (!office && !leader && !unitPerson) {
      throw new PermissionDenied(
        "Chỉ lãnh đạo, Văn phòng và cán bộ các đơn vị được soạn văn bản đi / Only leaders, the Office and units' people may draft outgoing documents",
      );
    }
    const checks = new FieldChecks();
    const type = documentType(input.type.trim());
    if (!input.type.trim()) checks.add("type", "Cần loại văn bản", "The document type is required");
    else if (!type) checks.add("type", "Loại văn bản không có trong danh mục", "Unknown document type");
    else if (!type.issuedByMinistry) checks.add("type", "Bộ không ban hành loại văn bản này", "The ministry does not issue this type");
    const summary = input.summary.trim();
    if (!summary) checks.add("summary", "Cần trích yếu", "The summary is required");
    checks.length("summary", summary, MAX_SUMMARY_LENGTH, FIELDS.summary);
    const asked = input.draftingUnitId?.trim() || undefined;
    checks.length("drafting_unit_id", asked, MAX_CODE_LENGTH, FIELDS.id);
    let draftingUnit = identity.unitId;
    if (asked && asked !== identity.unitId) {
      if (office || leader) draftingUnit = asked;
      else checks.add("drafting_unit_id", "Chỉ soạn thảo cho đơn vị của mình", "You may only draft for your own unit");
    }
    draftingUnit ??= app.settings.officeUnitId;
    const recipients = this.checkRecipients(checks, input.recipients);
    checks.texts("task_ids", input.taskIds, MAX_LINKS, MAX_ID_LENGTH, FIELDS.id);
    checks.texts("meeting_ids", input.meetingIds, MAX_LINKS, MAX_ID_LENGTH, FIELDS.id);
    checks.check();

    const actor = actorOf(identity);
    const body = { ...input, draftingUnitId: draftingUnit };
    return app.once(
      "CreateDraft",
      identity,
      { requestId: input.requestId, target: "documents", body },
      documentCodec<DocumentRecord>(),
      async (session) => {
        const at = app.clock.now();
        const doc = withSearchFields({
          _id: randomUUID(),
          direction: "outgoing",
          status: "drafting",
          secrecy: input.secrecy,
          // A classified draft: only clearance + grant reads it, so its drafter is granted from the start.
          grants: isClassified(input.secrecy) ? [identity.userId] : [],
          draftingUnit,
          approvers: [],
          recipientUnits: recipientUnitsOf(recipients),
          createdBy: identity.userId,
          type: (type as DocumentTypeDef).code,
          issuingBody: app.settings.issuingBody,
          documentDate: at,
          searchText: "",
          summary,
          content: "",
          issuingBodyName: app.settings.issuingBodyName,
          place: app.settings.place,
          recipients,
          urgency: input.urgency,
          taskIds: [...new Set(input.taskIds)],
          meetingIds: [...new Set(input.meetingIds)],
          outgoing: newOutgoing(),
          readBy: [],
          draftVersion: 0,
          version: 1,
          createdAt: at,
          updatedAt: at,
          createdByActor: actor,
        } satisfies DocumentRecord);
        await app.documents.insert(doc, session);
        await app.record(
          session,
          actor,
          "document.drafted",
          { type: "document", id: doc._id },
          { type: doc.type, drafting_unit: draftingUnit, secrecy: doc.secrecy },
          [
            DocumentEvents.drafted.of(doc._id, {
              document: documentSummaryOf(doc),
              draftingUnit: { id: draftingUnit, name: draftingUnit },
              actor,
            }),
          ],
        );
        return doc;
      },
    );
  }

  private checkRecipients(checks: FieldChecks, recipients: readonly Organization[]): Organization[] {
    if (!checks.count("recipients", recipients, MAX_RECIPIENTS, FIELDS.recipients)) return [];
    const seen = new Set<string>();
    const out: Organization[] = [];
    for (const [i, r] of recipients.entries()) {
      const code = r.code.trim();
      const name = r.name.trim();
      if (!code) checks.add(`recipients[${i}].code`, "Cần mã nơi nhận", "The recipient's code is required");
      else if (checks.length(`recipients[${i}].code`, code, MAX_CODE_LENGTH, FIELDS.id) && seen.has(code))
        checks.add(`recipients[${i}].code`, "Nơi nhận bị trùng", "A recipient is listed twice");
      checks.length(`recipients[${i}].name`, name, MAX_RECIPIENT_LENGTH, FIELDS.recipients);
      seen.add(code);
      out.push({ code, name: name || code });
    }
    return out;
  }

  /**
   * A new version of the draft: the version number is taken first (a transaction that also checks the
   * draft, its holder and the caller), then the bytes are streamed into it. A retry of the same request
   * answers the file it stored; an upload that fails leaves its version empty (never reused).
   */
  async uploadVersion(identity: Identity, input: UploadInput, bytes: AsyncIterable<Buffer>): Promise<StoredAttachment> {
    const app = this.app;
    const checks = new FieldChecks();
    if (!input.documentId.trim()) checks.add("header.document_id", "Cần mã văn bản", "The document id is required");
    checks.length("header.document_id", input.documentId, MAX_ID_LENGTH, FIELDS.id);
    if (!input.fileName.trim()) checks.add("header.file_name", "Cần tên tệp", "The file name is required");
    if (!input.contentType.trim()) checks.add("header.content_type", "Cần kiểu tệp", "The content type is required");
    checks.check();
    const reserved = await changeDocument(
      app,
      "UploadVersion",
      identity,
      { requestId: input.requestId, id: input.documentId, body: { fileName: input.fileName, contentType: input.contentType } },
      ({ read, at }) => {
        requireOutgoing(read);
        requireDrafter(identity, read);
        assertDraftEditable(requireOutgoing(read));
        const held = checkedOutByOther(read, identity, at);
        if (held) throw held;
        const draftVersion = (read.draftVersion ?? 0) + 1;
        return {
          document: { ...read, draftVersion },
          action: "document.version.uploaded",
          change: { version: draftVersion, file_name: input.fileName, content_type: input.contentType },
        };
      },
    );
    const version = reserved.draftVersion ?? 1;
    try {
      return await app.attachments.upload(bytes, {
        documentId: reserved._id,
        version,
        fileName: input.fileName,
        declaredType: input.contentType,
        uploadedBy: identity.userId,
      });
    } catch (err) {
      // The same request again, after the file was stored: answer it (the bytes sent again are dropped).
      if (err instanceof AlreadyExists && input.requestId) {
        const stored = (await app.attachments.list(reserved._id)).find((a) => a.version === version && a.uploadedBy === identity.userId);
        if (stored) return stored;
      }
      throw err;
    }
  }

  /** One holder at a time, for `minutes` (default and maximum from configuration); the holder may extend. */
  checkOut(identity: Identity, m: Mutation & { minutes: number }): Promise<DocumentRecord> {
    const { checkoutDefaultMinutes, checkoutMaxMinutes } = this.app.settings;
    const checks = new FieldChecks();
    if (!Number.isInteger(m.minutes) || m.minutes < 0 || m.minutes > checkoutMaxMinutes)
      checks.add("minutes", `Thời gian giữ từ 1 đến ${checkoutMaxMinutes} phút`, `Minutes must be from 1 to ${checkoutMaxMinutes}`);
    checks.check();
    const minutes = m.minutes || checkoutDefaultMinutes;
    return changeDocument(this.app, "CheckOutDraft", identity, { requestId: m.requestId, id: m.id, body: { minutes } }, ({ read, at }) => {
      requireDrafter(identity, read);
      assertDraftEditable(requireOutgoing(read));
      const held = checkedOutByOther(read, identity, at);
      if (held) throw held;
      const until = new Date(at.getTime() + Math.min(minutes, checkoutMaxMinutes) * 60_000);
      return {
        document: { ...read, checkout: { by: identity.userId, name: identity.name || identity.userId, until } },
        action: "document.checked_out",
        change: { until },
      };
    });
  }

  /** The holder gives the draft back (an expired check-out is given back by anyone who may edit). */
  release(identity: Identity, m: Mutation): Promise<DocumentRecord> {
    return changeDocument(this.app, "ReleaseDraft", identity, { requestId: m.requestId, id: m.id, body: {} }, ({ read, at }) => {
      requireOutgoing(read);
      requireDrafter(identity, read);
      const held = checkedOutByOther(read, identity, at);
      if (held) throw held;
      const { checkout: _released, ...rest } = read;
      return { document: rest, action: "document.released", change: {} };
    });
  }

  // ------------------------------------------------------------ approval

  submitForApproval(identity: Identity, m: Mutation & { approverIds: string[] }): Promise<DocumentRecord> {
    const checks = new FieldChecks();
    if (m.approverIds.length === 0) checks.add("approver_ids", "Cần ít nhất một người phê duyệt", "At least one approver is required");
    checks.check();
    const approvers = m.approverIds.map((a) => a.trim());
    return changeDocument(
      this.app,
      "SubmitForApproval",
      identity,
      { requestId: m.requestId, id: m.id, expectedVersion: m.expectedVersion, body: { approvers } },
      ({ read }) => {
        const outgoing = requireOutgoing(read);
        requireDrafter(identity, read);
        const next = renamed(() => submitChain(outgoing, { approvers }), "approvers", "approver_ids");
        const everyone = [...new Set([...(read.approvers ?? []), ...approvers])];
        const document: DocumentRecord = { ...read, outgoing: next, status: next.status, approvers: everyone };
        // A classified draft: its approvers read it by grant; the check-out ends with the draft.
        if (isClassified(read.secrecy)) document.grants = [...new Set([...(read.grants ?? []), ...approvers])];
        delete document.checkout;
        return { document, action: "document.submitted_for_approval", change: { approvers } };
      },
    );
  }

  decideApproval(identity: Identity, m: Mutation & { approve: boolean; comment: string }): Promise<DocumentRecord> {
    return changeDocument(
      this.app,
      "DecideApproval",
      identity,
      { requestId: m.requestId, id: m.id, expectedVersion: m.expectedVersion, body: { approve: m.approve, comment: m.comment } },
      ({ read, actor, at }) => {
        const outgoing = requireOutgoing(read);
        const e = { approverId: identity.userId, comment: m.comment, at };
        const next = m.approve ? approveStep(outgoing, e) : rejectStep(outgoing, e);
        const document: DocumentRecord = { ...read, outgoing: next, status: next.status };
        const events =
          next.status === "approved" ? [DocumentEvents.approved.of(read._id, { document: documentSummaryOf(document), actor })] : [];
        return {
          document,
          action: m.approve ? "document.approved" : "document.rejected",
          change: { order: outgoing.nextApprover + 1, comment: m.comment.trim(), status: next.status },
          events,
        };
      },
    );
  }

  // ------------------------------------------------------------ number, sign, issue

  /**
   * The next number of the document's series (numbering.ts) for the year in Vietnam now, taken in the
   * transaction that records it: the number and the record commit together, so none is reused or skipped.
   */
  numberDocument(identity: Identity, m: Mutation): Promise<DocumentRecord> {
    requireOfficeClerk(this.app, identity);
    const { settings } = this.app;
    return changeDocument(
      this.app,
      "NumberDocument",
      identity,
      { requestId: m.requestId, id: m.id, expectedVersion: m.expectedVersion, body: {} },
      async ({ read, at, session }) => {
        const outgoing = requireOutgoing(read);
        assertOutgoingStep(outgoing, "number");
        const type = typeOf(read);
        const year = numberingYear(at);
        const series = numberSeries(type, read.secrecy);
        const number = await this.app.issueNumbers.next(session, { body: settings.issuingBody, year, series });
        const symbol = formatSymbol({ number, type, issuerAbbrev: settings.issuingBody, draftingUnitAbbrev: read.draftingUnit, year });
        const next = assignNumber(outgoing, { number, year, symbol, at });
        return {
          document: { ...read, outgoing: next, status: next.status, symbol },
          action: "document.numbered",
          change: { number, year, series: series.kind, symbol },
        };
      },
    );
  }

  /**
   * The signature's record: the caller signs (a leader, or one of the document's approvers); the
   * digital signature itself is out of scope.
   */
  signDocument(identity: Identity, m: Mutation & { signer: SignerInput }): Promise<DocumentRecord> {
    const checks = new FieldChecks();
    const s = m.signer;
    const prefix = signingPrefix(s.prefix, checks);
    const personId = s.personId.trim() || identity.userId;
    if (personId !== identity.userId)
      checks.add("signer.person_id", "Người ký tự ký văn bản của mình", "The signer signs in person (person_id must be the caller)");
    const position = s.position.trim();
    if (!position) checks.add("signer.position", "Cần chức vụ người ký", "The signer's position is required");
    checks.length("signer.position", position, MAX_TITLE_LENGTH, FIELDS.title);
    const authority = s.authority.trim();
    if (prefix !== "none" && !authority)
      checks.add("signer.authority", "Cần thẩm quyền ký", "The signing authority is required with a prefix");
    checks.length("signer.authority", authority, MAX_TITLE_LENGTH, FIELDS.title);
    const fullName = s.fullName.trim() || identity.name;
    checks.length("signer.full_name", fullName, MAX_NAME_LENGTH, FIELDS.name);
    checks.check();
    const signer: SignerRecord = { prefix, authority, position, fullName, personId };
    return changeDocument(
      this.app,
      "SignDocument",
      identity,
      { requestId: m.requestId, id: m.id, expectedVersion: m.expectedVersion, body: { signer } },
      ({ read, at }) => {
        const outgoing = requireOutgoing(read);
        assertOutgoingStep(outgoing, "sign");
        if (!isLeader(identity) && !outgoing.approvers.includes(identity.userId)) {
          throw new PermissionDenied(
            "Chỉ lãnh đạo hoặc người phê duyệt văn bản được ký / Only a leader or the document's approver may sign it",
          );
        }
        const next = signOutgoing(outgoing, { signerId: personId, prefix, at });
        return {
          document: { ...read, outgoing: next, status: next.status, signer, issuedDate: at },
          action: "document.signed",
          change: { signer: personId, prefix },
        };
      },
    );
  }

  /**
   * Issued: DocumentIssued (read by the tasks service) and, for agencies outside the ministry, the edXML
   * package queued in the same transaction. The latest version's files are read before the transaction
   * (nothing can upload once the draft left drafting).
   */
  async issueDocument(identity: Identity, m: Mutation): Promise<DocumentRecord> {
    requireOfficeClerk(this.app, identity);
    const app = this.app;
    const current = await app.documents.visible(identity, m.id);
    const attachments = outsideRecipients(current.recipients).length > 0 ? await this.latestFiles(current, actorOf(identity)) : [];
    return changeDocument(
      app,
      "IssueDocument",
      identity,
      { requestId: m.requestId, id: m.id, expectedVersion: m.expectedVersion, body: {} },
      ({ read, actor, at }) => {
        const outgoing = requireOutgoing(read);
        const next = issueOutgoing(outgoing, { at });
        const issuedDate = read.issuedDate ?? at;
        let document: DocumentRecord = { ...read, outgoing: next, status: next.status, issuedDate, documentDate: issuedDate };
        const type = typeOf(read);
        const signer = read.signer;
        const event = DocumentEvents.issued.of(read._id, {
          documentId: read._id,
          number: read.symbol ?? "",
          documentType: type.abbrev ?? "CV",
          subject: isClassified(read.secrecy) ? "" : read.summary,
          issuedAt: at,
          signer: signer ? { userId: signer.personId ?? "", displayName: signer.fullName, roles: [] } : actor,
          draftingUnit: read.draftingUnit ? { id: read.draftingUnit, name: read.draftingUnit } : undefined,
          recipients: read.recipients.map((r) => ({ code: r.code, name: r.name })),
          taskIds: [...read.taskIds],
        });
        const outside = outsideRecipients(read.recipients);
        let also: ((session: ClientSession) => Promise<void>) | undefined;
        if (outside.length > 0) {
          const pkg = this.packageOf(document, outside, at, { docType: 0 }, attachments);
          document = { ...document, edxmlDocumentId: pkg.header.documentId };
          const bytes = buildPackage(pkg);
          also = async (session) => {
            await app.exchangeQueue.enqueue(session, {
              packageBytes: bytes,
              documentId: read._id,
              edxmlDocumentId: pkg.header.documentId,
              to: outside.map((o) => o.code),
              kind: "package",
            });
          };
        }
        return {
          document,
          action: "document.issued",
          change: { number: read.symbol, edxml_document_id: document.edxmlDocumentId ?? null },
          events: [event],
          also,
        };
      },
    );
  }

  /** The files of the draft's latest version that has any, with their bytes (each chunk verified). */
  private async latestFiles(d: DocumentRecord, reader: Actor): Promise<EdxmlAttachment[]> {
    const all = await this.app.attachments.list(d._id);
    const latest = Math.max(0, ...all.map((a) => a.version));
    const files = all.filter((a) => a.version === latest);
    const out: EdxmlAttachment[] = [];
    for (const [i, a] of files.entries()) {
      const opened = await this.app.attachments.open(a.id, { documentId: d._id, reader });
      out.push({ contentId: `cid:${i + 1}`, name: a.fileName, contentType: a.contentType, bytes: await readAll(opened.stream) });
    }
    return out;
  }

  private packageOf(
    d: DocumentRecord,
    to: readonly Organization[],
    at: Date,
    business: { docType: BusinessDocType; reason?: string },
    attachments: EdxmlAttachment[],
  ): EdxmlPackage {
    const { settings } = this.app;
    const symbol = d.symbol ?? "";
    const [number, notation] = splitSymbol(symbol);
    const date = formatEdxmlDate(d.issuedDate ?? at);
    const type = typeOf(d);
    const signer = d.signer;
    return {
      header: {
        from: { organId: settings.organId, organName: settings.issuingBodyName },
        to: to.map((o) => ({ organId: o.code, organName: o.name })),
        documentId: documentIdOf(settings.organId, date, number, notation),
        code: { codeNumber: number, codeNotation: notation },
        promulgationInfo: { place: d.place, promulgationDate: date },
        documentType: { type: type.abbrev ?? type.code, typeName: type.vi },
        subject: d.summary,
        signerInfo: signer
          ? {
              competence: [SIGNING_PREFIXES[signer.prefix].label, signer.authority].filter(Boolean).join(" "),
              position: signer.position,
              fullName: signer.fullName,
            }
          : undefined,
        toPlaces: to.map((o) => o.name),
        otherInfo: { priority: priorityOfUrgency(d.urgency), appendixes: [] },
        responseFor: [],
      },
      trace: {
        traceHeaders: [{ organId: settings.organId, timestamp: formatEdxmlDateTime(at) }],
        business: { docType: business.docType, ...(business.reason ? { reason: business.reason } : {}) },
      },
      attachments,
    };
  }

  // ------------------------------------------------------------ recall, read

  /**
   * The Office or a leader takes an issued document back (Điều 18), or replaces it (`replacedBy`).
   * Agencies that received it by the exchange get a package of the same DocumentId with business type 1
   * (recall) or 3 (replace), as QCVN 102 has the sender do; status 13 is left for taking back a document
   * the receiver has not yet processed, which the contract does not offer.
   */
  recallDocument(identity: Identity, m: Mutation & { reason: string; replacedBy: string }): Promise<DocumentRecord> {
    if (!isLeader(identity) && !isOffice(this.app, identity)) {
      throw new PermissionDenied("Chỉ lãnh đạo và Văn phòng Bộ được thu hồi văn bản / Only leaders and the Office may recall a document");
    }
    const app = this.app;
    const replacedBy = m.replacedBy.trim();
    return changeDocument(
      app,
      "RecallDocument",
      identity,
      { requestId: m.requestId, id: m.id, expectedVersion: m.expectedVersion, body: { reason: m.reason, replacedBy } },
      async ({ read, actor, at, session }) => {
        const outgoing = requireOutgoing(read);
        let replacement: DocumentRecord | null = null;
        if (replacedBy) {
          assertOutgoingStep(outgoing, "replace");
          replacement = replacedBy === read._id ? null : await app.documents.get(replacedBy, session);
          if (replacement?.direction !== "outgoing") {
            throw new InvalidArgument([
              { field: "replaced_by", description: "Văn bản thay thế không tồn tại / The replacement document does not exist" },
            ]);
          }
        }
        const next = replacedBy
          ? renamed(
              () => replaceOutgoing(outgoing, { by: identity.userId, replacementId: replacedBy, reason: m.reason, at }),
              "replacement_id",
              "replaced_by",
            )
          : recallOutgoing(outgoing, { by: identity.userId, reason: m.reason, at });
        const document: DocumentRecord = { ...read, outgoing: next, status: next.status };
        const reason = (next.recall?.reason ?? next.replacement?.reason ?? m.reason).trim();
        const outside = outsideRecipients(read.recipients);
        let also: ((session: ClientSession) => Promise<void>) | undefined;
        if (read.edxmlDocumentId && outside.length > 0) {
          const docType: BusinessDocType = replacedBy ? 3 : 1;
          const why = replacement?.symbol ? `${reason} (thay thế bằng văn bản số ${replacement.symbol})` : reason;
          const pkg = this.packageOf(read, outside, at, { docType, reason: why }, []);
          const bytes = buildPackage(pkg);
          const to = outside.map((o) => o.code);
          also = async (s) => {
            await app.exchangeQueue.enqueue(s, {
              packageBytes: bytes,
              documentId: read._id,
              edxmlDocumentId: pkg.header.documentId,
              to,
              kind: "package",
              // A second delivery of the same DocumentId to the same agencies: a key of its own.
              idempotencyKey: `${docType === 1 ? "recall" : "replace"}-${packageIdempotencyKey(pkg.header.documentId, to).slice(4)}`,
            });
          };
        }
        return {
          document,
          action: replacedBy ? "document.replaced" : "document.recalled",
          change: { reason, replaced_by: replacedBy || null },
          events: [DocumentEvents.recalled.of(read._id, { document: documentSummaryOf(document), reason, replacedBy, actor })],
          also,
        };
      },
    );
  }

  /**
   * A reader of an issued document confirms reading it: recorded once (a second confirmation answers the
   * first time, writing nothing).
   */
  async confirmRead(identity: Identity, m: { requestId?: string; id: string }): Promise<Date> {
    const current = await this.app.documents.visible(identity, m.id);
    const earlier = current.readBy?.find((r) => r.personId === identity.userId);
    if (earlier) return earlier.at;
    const saved = await changeDocument(
      this.app,
      "ConfirmRead",
      identity,
      { requestId: m.requestId, id: m.id, body: {} },
      ({ read, at }) => {
        requireOutgoing(read);
        if (read.status !== "issued" && !DELIVERED_STATUSES.includes(read.status)) {
          throw new FailedPrecondition("Văn bản chưa được ban hành / The document has not been issued", "OUTGOING_NOT_ISSUED", {
            status: read.status,
          });
        }
        const readBy = read.readBy ?? [];
        if (readBy.some((r) => r.personId === identity.userId)) return { document: read, action: "document.read", change: {} };
        return { document: { ...read, readBy: [...readBy, { personId: identity.userId, at }] }, action: "document.read", change: { at } };
      },
    );
    const mine = saved.readBy.find((r) => r.personId === identity.userId);
    return mine?.at ?? this.app.clock.now();
  }
}
