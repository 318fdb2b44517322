/**
 * Incoming documents ("văn bản đến", Decree 30/2020 Điều 19–24): received (keyed in by a clerk, or
 * delivered by the exchange as an edXML package), registered with an arrival number, submitted to a
 * leader, directed, routed to a lead unit with a handling deadline, handled. Each step of a document
 * that came by the exchange sends its sender the matching status packet (01 arrived, 03 accepted,
 * 04 assigned, 05 processing, 06 done; 02 for a package refused), queued in the step's transaction.
 *
 * Events: `documents.document.received` is "an incoming document was registered" (events.proto), so it
 * is published at registration, not at receipt; routing publishes another one only when it carries
 * directive tasks (the tasks service creates them, keyed by document and item, so it is harmless to
 * the tasks already made). Every status packet we queue is also a `documents.exchange.status_changed`.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  AlreadyExists,
  FieldChecks,
  type FieldViolation,
  hasRole,
  type Identity,
  InvalidArgument,
  type OutgoingEvent,
  PermissionDenied,
  type Role,
} from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import type { DirectiveTask, Organization as ProtoOrganization } from "@ministry/proto/ministry/documents/v1/events";
import type { ClientSession } from "mongodb";
import { FIELDS, MAX_COMMENT_LENGTH, MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_SUMMARY_LENGTH, MAX_SYMBOL_LENGTH } from "../domain/limits.js";
import { numberingYear } from "../domain/numbering.js";
import { normalizeDocumentText } from "../domain/search-text.js";
import {
  DOCUMENT_TYPES,
  documentType,
  documentTypeByAbbrev,
  isClassified,
  type Secrecy,
  type Urgency,
  URGENCIES,
} from "../domain/vocabulary.js";
import {
  completeHandling,
  type IncomingRecord,
  newIncoming,
  recordDirection,
  registerIncoming,
  routeIncoming,
  startHandling,
  submitToLeader,
} from "../domain/workflow.js";
import {
  buildStatus,
  documentIdOf,
  EdxmlInvalid,
  type EdxmlPackage,
  type EdxmlStatus,
  formatEdxmlDate,
  formatEdxmlDateTime,
  isEdxmlDate,
  isOrganId,
  parseDocumentId,
  parseEdxmlDate,
  parseEdxmlDateTime,
  STATUS_CODES,
  type StatusCode,
  urgencyOfPriority,
} from "../exchange/edxml/index.js";
import type { InvalidItem, ReadableItem } from "../exchange/incoming-poller.js";
import { DocumentEvents } from "../events/definitions.js";
import { documentSummaryOf } from "../events/summary.js";
import { type StoredAttachment, sanitizeFileName } from "../store/attachments.js";
import { attachmentType, canonicalType, SNIFF_BYTES, satisfies, sniffFamily, verifierFor } from "../store/content-type.js";
import type { DocumentRecord, DueRecord, Organization } from "../store/document-store.js";
import { actorOf, type AppContext, documentCodec, systemActor } from "./context.js";
import { changeDocument, type DocumentChange, withSearchFields } from "./document-change.js";

// ------------------------------------------------------------------------------------ configuration

/**
 * edXML DocumentType/TypeName → the vocabulary's code. Senders write the type's name, with or without
 * diacritics, in any case; every name of the vocabulary is read, plus the spellings below. Data, not
 * code: a new spelling seen in the wild is one more line. Anything else is a công văn.
 */
export const INCOMING_TYPE_ALIASES: Readonly<Record<string, string>> = {
  "cong van": "CONG_VAN",
  "van ban": "CONG_VAN",
  "cong dien": "CONG_DIEN",
  "nghi dinh": "NGHI_DINH",
  "thong tu": "THONG_TU",
  "thong tu lien tich": "THONG_TU_LIEN_TICH",
  "giay moi": "GIAY_MOI",
  "quyet dinh": "QUYET_DINH",
  "nghi quyet": "NGHI_QUYET",
  "chi thi": "CHI_THI",
  "thong bao": "THONG_BAO",
  "thong bao ket luan": "THONG_BAO",
  "bao cao": "BAO_CAO",
  "to trinh": "TO_TRINH",
  "ke hoach": "KE_HOACH",
  "huong dan": "HUONG_DAN",
};
export const UNKNOWN_INCOMING_TYPE = "CONG_VAN";

const TYPE_BY_NAME: ReadonlyMap<string, string> = new Map([
  ...DOCUMENT_TYPES.map((t) => [normalizeDocumentText(t.vi), t.code] as const),
  ...Object.entries(INCOMING_TYPE_ALIASES).map(([name, code]) => [normalizeDocumentText(name), code] as const),
]);

/** The vocabulary's type of a received package: its TypeName, else its notation's abbreviation, else a công văn. */
export function incomingTypeOf(pkg: EdxmlPackage): string {
  const name = pkg.header.documentType.typeName;
  const byName = name ? TYPE_BY_NAME.get(normalizeDocumentText(name)) : undefined;
  if (byName) return byName;
  // "15/QĐ-TTg": the letters before the first hyphen name the type; a công văn's notation has none of ours
  const abbrev = pkg.header.code.codeNotation.split("-")[0] ?? "";
  const byAbbrev = documentTypeByAbbrev(abbrev, { vbqppl: false, ignoreCase: true });
  return byAbbrev?.code ?? UNKNOWN_INCOMING_TYPE;
}

// ------------------------------------------------------------------------------------ inputs

export interface ReceiveInput {
  requestId?: string;
  type: string;
  number: string;
  sender: Organization;
  issuedDate?: Date;
  summary: string;
  urgency: Urgency;
  secrecy: Secrecy;
  due?: DueRecord;
}

interface Step {
  requestId?: string;
  id: string;
  expectedVersion?: number;
}

export interface RouteInput extends Step {
  leadUnitId: string;
  coordinatingUnitIds: string[];
  /** The handling deadline: the common Deadline's JSON and the instant it resolves to. */
  deadline: DueRecord & { dueAt: Date };
  directiveTasks: DirectiveTask[];
}

export interface HandlingInput extends Step {
  progress: string;
  done: boolean;
  replyNumber?: string;
}

/** What a package or status from the exchange became. */
export interface PackageReceipt {
  kind: "package" | "status";
  edxmlDocumentId: string;
  /** The incoming document (a package), or the outgoing one a status is about, when there is one. */
  document?: DocumentRecord;
  /** A package: created now (false when it had been received before, or was refused). */
  created: boolean;
  /** A package refused (status 02 sent when the sender can be answered): why. */
  refused?: string;
}

// ------------------------------------------------------------------------------------ roles

const LEADERS: readonly Role[] = ["minister", "deputy_minister", "office_chief"];
const UNIT_PEOPLE: readonly Role[] = ["unit_head", "staff", "clerk"];
const MAX_DIRECTIVE_TASKS = 100;
const MAX_ITEM_ID_LENGTH = 64;
const MAX_STATUS_DESCRIPTION = 1_000;
/** What a refused item's text is searched for its sender (its header comes first). */
const REFUSED_SCAN_BYTES = 256 * 1024;
const EXCHANGE_ACTOR = "exchange";

function denied(vi: string, en: string): PermissionDenied {
  return new PermissionDenied(`${vi} / ${en}`);
}

/** The Ministry Office's clerks ("văn thư"). */
function isOfficeClerk(identity: Identity, app: AppContext): boolean {
  return hasRole(identity, "clerk") && identity.unitId === app.settings.officeUnitId;
}

function isLeader(identity: Identity): boolean {
  return hasRole(identity, ...LEADERS);
}

function requireOfficeClerk(identity: Identity, app: AppContext): void {
  if (!isOfficeClerk(identity, app)) {
    throw denied("Chỉ văn thư Văn phòng Bộ được thực hiện", "Only the Ministry Office's clerks may do this");
  }
}

function requireIncoming(d: DocumentRecord): IncomingRecord {
  if (d.direction !== "incoming" || !d.incoming) {
    throw new InvalidArgument([{ field: "id", description: "Không phải văn bản đến / Not an incoming document" }]);
  }
  return d.incoming;
}

// ------------------------------------------------------------------------------------ the commands

export class IncomingCommands {
  constructor(private readonly app: AppContext) {}

  /** A clerk keys in a document received on paper, by email or by hand. */
  async receive(identity: Identity, input: ReceiveInput): Promise<DocumentRecord> {
    requireOfficeClerk(identity, this.app);
    const checked = checkReceive(input);
    return this.app.once(
      "ReceiveDocument",
      identity,
      { requestId: input.requestId, target: "document:new", body: input },
      documentCodec<DocumentRecord>(),
      async (session) => {
        const at = this.app.clock.now();
        const actor = actorOf(identity);
        const doc = withSearchFields(
          this.newIncomingRecord({
            id: randomUUID(),
            at,
            actor,
            createdBy: identity.userId,
            type: checked.type,
            symbol: checked.number,
            sender: checked.sender,
            issuedDate: input.issuedDate,
            summary: checked.summary,
            content: "",
            urgency: input.urgency,
            secrecy: input.secrecy,
            due: input.due,
            // a classified document is read only with a grant: the clerk who keys it in is the first
            grants: isClassified(input.secrecy) ? [identity.userId] : [],
          }),
        );
        await this.app.documents.insert(doc, session);
        await this.app.record(session, actor, "document.received", { type: "document", id: doc._id }, receivedChange(doc));
        return doc;
      },
    );
  }

  /** A package (or a status packet) from the exchange, in the poller's transaction (or ImportPackage's). */
  async receivePackage(item: ReadableItem, session: ClientSession): Promise<PackageReceipt> {
    if (item.kind === "status") return this.receiveStatus(item.status, session);
    const pkg = item.package;
    const header = pkg.header;
    const edxmlDocumentId = header.documentId;
    const id = incomingDocumentId(header.from.organId, edxmlDocumentId);
    const known = await this.app.documents.get(id, session);
    // the same package delivered again (another inbox item, an import of a file already received)
    if (known) return { kind: "package", edxmlDocumentId, document: known, created: false };

    const at = this.app.clock.now();
    const actor = systemActor("Trục liên thông / Exchange");
    const problem = this.attachmentProblem(pkg);
    if (problem) {
      await this.queueStatus(session, answerOf(pkg), "02", `Từ chối tiếp nhận: ${problem.vi} / Rejected: ${problem.en}`, at, "");
      await this.app.record(
        session,
        actor,
        "exchange.package_refused",
        { type: "exchange_package", id: edxmlDocumentId },
        {
          edxmlDocumentId,
          from: header.from.organId,
          reason: problem.en,
        },
      );
      return { kind: "package", edxmlDocumentId, created: false, refused: `${problem.vi} / ${problem.en}` };
    }

    const urgency = domainUrgency(header.otherInfo?.priority);
    const doc = withSearchFields(
      this.newIncomingRecord({
        id,
        at,
        actor,
        createdBy: EXCHANGE_ACTOR,
        type: incomingTypeOf(pkg),
        symbol: `${header.code.codeNumber}/${header.code.codeNotation}`,
        sender: { code: header.from.organId, name: header.from.organName ?? header.from.organizationInCharge ?? header.from.organId },
        issuedDate: parseEdxmlDate(header.promulgationInfo.promulgationDate),
        place: header.promulgationInfo.place,
        summary: header.subject,
        content: header.content ?? "",
        urgency,
        secrecy: "none",
        due: dueOfEdxml(header.dueDate),
        edxmlDocumentId,
        grants: [],
      }),
    );
    // GridFS writes are outside the transaction: the id is the package's own, so a transaction run again
    // (or a package redelivered after a failure) finds the files already stored and takes them as they are.
    const stored: StoredAttachment[] = [];
    for (const a of pkg.attachments) stored.push(await this.storeAttachment(id, a.name, a.contentType, a.bytes));
    await this.app.documents.insert(doc, session);
    const urgentNote = urgency === "normal" ? undefined : URGENCIES[urgency];
    const description = urgentNote
      ? `Đã đến; văn bản ${urgentNote.vi.toLowerCase()}, được chuyển xử lý ngay / Arrived; ${urgentNote.en.toLowerCase()} document, handled at once`
      : "Đã đến / Arrived";
    const status = await this.queueStatus(session, answerOf(pkg), "01", description, at, id);
    await this.app.record(
      session,
      actor,
      "document.received",
      { type: "document", id },
      { ...receivedChange(doc), edxmlDocumentId, attachments: stored.map((a) => a.fileName) },
      status ? [status] : [],
    );
    return { kind: "package", edxmlDocumentId, document: doc, created: true };
  }

  /**
   * A malformed item the poller refused: a package whose sender and document can still be read is
   * answered with a status 02 listing the problems (queued with the refusal's record).
   */
  async onRefused(item: InvalidItem, problems: FieldViolation[], session: ClientSession): Promise<void> {
    if (item.declaredKind !== "package") return;
    const answer = readableAnswer(item.bytes);
    if (!answer) return;
    const listed = problems
      .slice(0, 5)
      .map((p) => (p.field ? `${p.field}: ${p.description}` : p.description))
      .join("; ");
    const description = `Từ chối tiếp nhận: gói tin không hợp lệ / Rejected: malformed package — ${listed}`.slice(
      0,
      MAX_STATUS_DESCRIPTION,
    );
    const event = await this.queueStatus(session, answer, "02", description, this.app.clock.now(), "", `exchange-item:${item.id}`);
    if (!event) return;
    await this.app.record(
      session,
      systemActor("Trục liên thông / Exchange"),
      "exchange.package_refused",
      { type: "exchange_package", id: answer.documentId },
      { itemId: item.id, from: answer.organId, problems: problems.slice(0, 20) },
      [event],
    );
  }

  /** Clerks: the arrival number ("số đến") of the body's year; acknowledges receipt (03) to an exchange sender. */
  async register(identity: Identity, m: Step): Promise<DocumentRecord> {
    requireOfficeClerk(identity, this.app);
    return changeDocument(this.app, "RegisterDocument", identity, { ...m, body: m }, async ({ read, actor, at, session }) => {
      const incoming = requireIncoming(read);
      const arrivalNumber = await this.app.arrivalNumbers.next(session, { body: this.app.settings.issuingBody, year: numberingYear(at) });
      const next = registerIncoming(incoming, { arrivalNumber, at });
      const document: DocumentRecord = { ...read, incoming: next, status: next.status };
      const events: OutgoingEvent<unknown>[] = [
        DocumentEvents.received.of(read._id, {
          documentId: read._id,
          number: read.symbol ?? "",
          documentType: read.type,
          subject: isClassified(read.secrecy) ? "" : read.summary,
          sender: protoOrganization(read.sender),
          receivedAt: incoming.receivedAt,
          directiveTasks: [],
          actor,
        }),
        DocumentEvents.registered.of(read._id, { document: documentSummaryOf(document), arrivalNumber, actor }),
      ];
      return this.withStatus({ document, action: "document.registered", change: { arrivalNumber }, events }, read, "03", at, session);
    });
  }

  /** Clerks: to a leader for direction. */
  async submitToLeader(identity: Identity, m: Step & { leaderId: string }): Promise<DocumentRecord> {
    requireOfficeClerk(identity, this.app);
    return changeDocument(this.app, "SubmitToLeader", identity, { ...m, body: m }, ({ read, at }) => {
      const next = submitToLeader(requireIncoming(read), { leaderId: m.leaderId.trim(), at });
      const grants = isClassified(read.secrecy) ? withGrant(read.grants, m.leaderId.trim()) : read.grants;
      return {
        document: { ...read, incoming: next, status: next.status, ...(grants ? { grants } : {}) },
        action: "document.submitted",
        change: { leaderId: m.leaderId.trim() },
      };
    });
  }

  /** Leaders (the one it was submitted to, or any other): the direction ("ý kiến chỉ đạo"). */
  async direct(identity: Identity, m: Step & { direction: string }): Promise<DocumentRecord> {
    if (!isLeader(identity)) throw denied("Chỉ lãnh đạo được ghi ý kiến chỉ đạo", "Only a leader may direct a document");
    return changeDocument(this.app, "DirectDocument", identity, { ...m, body: m }, ({ read, at }) => {
      const next = recordDirection(requireIncoming(read), { by: identity.userId, text: m.direction, at });
      return {
        document: { ...read, incoming: next, status: next.status },
        action: "document.directed",
        change: { direction: next.direction?.text },
      };
    });
  }

  /** Leaders or the Office's clerks: one lead unit, coordinating units, a deadline, and the directive's tasks. */
  async route(identity: Identity, m: RouteInput): Promise<DocumentRecord> {
    if (!isLeader(identity) && !isOfficeClerk(identity, this.app)) {
      throw denied("Chỉ lãnh đạo hoặc Văn phòng Bộ được chuyển xử lý", "Only a leader or the Ministry Office may route a document");
    }
    const tasks = checkDirectiveTasks(m.directiveTasks);
    return changeDocument(this.app, "RouteDocument", identity, { ...m, body: m }, ({ read, actor, at, session }) => {
      const incoming = requireIncoming(read);
      const next = routeIncoming(incoming, {
        leadUnit: m.leadUnitId.trim(),
        coordinatingUnits: m.coordinatingUnitIds.map((u) => u.trim()),
        deadline: m.deadline.dueAt,
        by: identity.userId,
        at,
      });
      const routing = next.routing!;
      const document: DocumentRecord = {
        ...read,
        incoming: next,
        status: next.status,
        routing: { leadUnit: routing.leadUnit, coordinatingUnits: routing.coordinatingUnits },
      };
      const deadline = protoDeadline(m.deadline);
      const lead = { id: routing.leadUnit, name: routing.leadUnit };
      const coordinating = routing.coordinatingUnits.map((u) => ({ id: u, name: u }));
      const events: OutgoingEvent<unknown>[] = [
        DocumentEvents.routed.of(read._id, {
          document: documentSummaryOf(document),
          leadUnit: lead,
          coordinatingUnits: coordinating,
          deadline,
          direction: next.direction?.text ?? "",
          actor,
        }),
      ];
      if (tasks.length > 0) {
        // the tasks service turns these into tasks (services/tasks: intake.documentReceived)
        events.push(
          DocumentEvents.received.of(read._id, {
            documentId: read._id,
            number: read.symbol ?? "",
            documentType: read.type,
            subject: isClassified(read.secrecy) ? "" : read.summary,
            sender: protoOrganization(read.sender),
            receivedAt: incoming.receivedAt,
            directiveTasks: tasks.map((t) => ({
              ...t,
              leadUnit: t.leadUnit?.id ? t.leadUnit : lead,
              coordinatingUnits: t.leadUnit?.id ? t.coordinatingUnits : coordinating,
              deadline: t.deadline?.spec ? t.deadline : deadline,
            })),
            actor,
          }),
        );
      }
      const change = {
        leadUnit: routing.leadUnit,
        coordinatingUnits: routing.coordinatingUnits,
        deadline: routing.deadline,
        directiveTasks: tasks.length,
      };
      return this.withStatus({ document, action: "document.routed", change, events }, read, "04", at, session, routing.leadUnit);
    });
  }

  /** The lead unit's people: progress (in progress, 05) and completion (done, 06). */
  async recordHandling(identity: Identity, m: HandlingInput): Promise<DocumentRecord> {
    if (!hasRole(identity, ...UNIT_PEOPLE) || !identity.unitId) {
      throw denied("Chỉ cán bộ của đơn vị chủ trì được cập nhật xử lý", "Only the lead unit's people may record handling");
    }
    const progress = m.progress.trim();
    const replyNumber = (m.replyNumber ?? "").trim();
    const checks = new FieldChecks();
    if (!m.done && progress === "") checks.add("progress", "Cần nội dung tiến độ", "Progress is required unless done");
    checks.length("progress", progress, MAX_COMMENT_LENGTH, FIELDS.comment);
    checks.length("reply_number", replyNumber, MAX_SYMBOL_LENGTH, FIELDS.symbol);
    checks.check();
    return changeDocument(this.app, "RecordHandling", identity, { ...m, body: m }, async ({ read, at, session }) => {
      const incoming = requireIncoming(read);
      if (incoming.routing?.leadUnit !== identity.unitId) {
        throw denied("Chỉ cán bộ của đơn vị chủ trì được cập nhật xử lý", "Only the lead unit's people may record handling");
      }
      let next = incoming;
      const codes: StatusCode[] = [];
      // the first word from the unit starts the handling, whatever it says
      if (next.status === "routed") {
        next = startHandling(next, { at });
        codes.push("05");
      }
      if (m.done) {
        const result = [progress, replyNumber ? `Văn bản trả lời / Reply: ${replyNumber}` : ""].filter(Boolean).join(" — ");
        next = completeHandling(next, { at, ...(result ? { result } : {}) });
        codes.push("06");
      } else if (codes.length === 0 && next.status !== "in_progress") {
        startHandling(next, { at }); // throws the workflow's own refusal
      }
      const document: DocumentRecord = { ...read, incoming: next, status: next.status };
      const change: DocumentChange = {
        document,
        action: m.done ? "document.handled" : "document.progress_recorded",
        change: { progress, done: m.done, ...(replyNumber ? { replyNumber } : {}) },
        events: [],
      };
      for (const code of codes) await this.withStatus(change, read, code, at, session, progress);
      return change;
    });
  }

  // ---------------------------------------------------------------------------------- the exchange

  /** A status packet from another agency about one of our documents: recorded and published. */
  private async receiveStatus(status: EdxmlStatus, session: ClientSession): Promise<PackageReceipt> {
    const edxmlDocumentId = status.responseFor.documentId;
    const document = (await this.app.documents.collection.findOne({ edxmlDocumentId, direction: "outgoing" }, { session })) ?? undefined;
    const at = parseEdxmlDateTime(status.timestamp) ?? this.app.clock.now();
    const event = DocumentEvents.exchangeStatusChanged.of(edxmlDocumentId, {
      documentId: document?._id ?? "",
      edxmlDocumentId,
      code: status.statusCode,
      direction: "incoming",
      organ: { code: status.from.organId, name: status.from.organName ?? status.from.organId },
      description: status.description ?? "",
      at,
    });
    await this.app.record(
      session,
      systemActor("Trục liên thông / Exchange"),
      "exchange.status_received",
      document ? { type: "document", id: document._id } : { type: "exchange_package", id: edxmlDocumentId },
      { edxmlDocumentId, from: status.from.organId, code: status.statusCode, description: status.description ?? "" },
      [event],
    );
    return { kind: "status", edxmlDocumentId, document, created: false };
  }

  /** Adds the status packet of a step (and its event) to the change, when the document came by the exchange. */
  private async withStatus(
    change: DocumentChange,
    read: DocumentRecord,
    code: StatusCode,
    at: Date,
    session: ClientSession,
    detail?: string,
  ): Promise<DocumentChange> {
    const answer = exchangeAnswerOf(read);
    if (!answer) return change;
    const label = STATUS_CODES[code];
    const description = (detail ? `${label.vi} / ${label.en}: ${detail}` : `${label.vi} / ${label.en}`).slice(0, MAX_STATUS_DESCRIPTION);
    const event = await this.queueStatus(session, answer, code, description, at, read._id);
    if (event) change.events = [...(change.events ?? []), event];
    return change;
  }

  /**
   * Queues a status packet to the organ whose document it answers, in `session`'s transaction, and
   * returns its event; nothing (undefined) when that organ cannot be written to (a local organ id).
   */
  private async queueStatus(
    session: ClientSession,
    answer: Answer,
    code: StatusCode,
    description: string,
    at: Date,
    documentId: string,
    queueDocumentId = documentId || `exchange:${answer.documentId}`,
  ): Promise<OutgoingEvent<unknown> | undefined> {
    if (!isOrganId(answer.organId)) return undefined;
    const status: EdxmlStatus = {
      responseFor: { organId: answer.organId, code: answer.code, promulgationDate: answer.promulgationDate, documentId: answer.documentId },
      from: { organId: this.app.settings.organId, organName: this.app.settings.issuingBodyName },
      statusCode: code,
      description,
      timestamp: formatEdxmlDateTime(at),
    };
    let bytes: Buffer;
    try {
      bytes = buildStatus(status);
    } catch (err) {
      // what the sender wrote cannot be answered in a packet of the standard (its DocumentId, its code)
      if (err instanceof EdxmlInvalid) return undefined;
      throw err;
    }
    await this.app.exchangeQueue.enqueue(session, {
      kind: "status",
      packageBytes: bytes,
      documentId: queueDocumentId,
      edxmlDocumentId: answer.documentId,
      to: [answer.organId],
    });
    return DocumentEvents.exchangeStatusChanged.of(answer.documentId, {
      documentId,
      edxmlDocumentId: answer.documentId,
      code,
      direction: "outgoing",
      organ: { code: answer.organId, name: answer.organName ?? answer.organId },
      description,
      at,
    });
  }

  /** The first attachment the store would refuse, said why; checked before anything is stored. */
  private attachmentProblem(pkg: EdxmlPackage): { vi: string; en: string } | undefined {
    const names = new Set<string>();
    for (const a of pkg.attachments) {
      let fileName: string;
      try {
        fileName = sanitizeFileName(a.name);
      } catch {
        return { vi: `tên tệp đính kèm "${a.name}" không hợp lệ`, en: `attachment name "${a.name}" is not valid` };
      }
      if (names.has(fileName)) return { vi: `tệp đính kèm "${fileName}" trùng tên`, en: `attachment "${fileName}" is named twice` };
      names.add(fileName);
      const declared = canonicalType(a.contentType);
      const type = declared ? attachmentType(declared) : undefined;
      if (!type || !declared) {
        return {
          vi: `loại tệp "${a.contentType}" của "${fileName}" không được nhận`,
          en: `type "${a.contentType}" of "${fileName}" is not accepted`,
        };
      }
      if (a.bytes.length === 0 || a.bytes.length > this.app.settings.attachmentMaxBytes) {
        return { vi: `tệp "${fileName}" rỗng hoặc quá lớn`, en: `"${fileName}" is empty or too large` };
      }
      const dot = fileName.lastIndexOf(".");
      const extension = dot > 0 ? fileName.slice(dot).toLowerCase() : undefined;
      const family = sniffFamily(a.bytes.subarray(0, SNIFF_BYTES));
      const verifier = verifierFor(family);
      verifier.update(a.bytes);
      const detected = verifier.finish();
      if (
        (extension !== undefined && !type.extensions.includes(extension)) ||
        family !== type.family ||
        detected === undefined ||
        !satisfies(detected, declared)
      ) {
        return { vi: `nội dung tệp "${fileName}" không đúng loại ${type.label}`, en: `the content of "${fileName}" is not ${type.label}` };
      }
    }
    return undefined;
  }

  /** Stores an attachment of a received package, or takes the one stored by an earlier attempt. */
  private async storeAttachment(documentId: string, name: string, contentType: string, bytes: Buffer): Promise<StoredAttachment> {
    try {
      return await this.app.attachments.upload(bytes, {
        documentId,
        version: 1,
        fileName: name,
        declaredType: contentType,
        uploadedBy: EXCHANGE_ACTOR,
      });
    } catch (err) {
      if (!(err instanceof AlreadyExists)) throw err;
      const fileName = sanitizeFileName(name);
      const existing = (await this.app.attachments.list(documentId)).find((a) => a.version === 1 && a.fileName === fileName);
      if (!existing) throw err;
      return existing;
    }
  }

  private newIncomingRecord(d: {
    id: string;
    at: Date;
    actor: Actor;
    createdBy: string;
    type: string;
    symbol: string;
    sender: Organization;
    issuedDate?: Date;
    place?: string;
    summary: string;
    content: string;
    urgency: Urgency;
    secrecy: Secrecy;
    due?: DueRecord;
    edxmlDocumentId?: string;
    grants: string[];
  }): DocumentRecord {
    const incoming = newIncoming(d.at);
    return {
      _id: d.id,
      direction: "incoming",
      status: incoming.status,
      secrecy: d.secrecy,
      grants: d.grants,
      createdBy: d.createdBy,
      type: d.type,
      ...(d.symbol ? { symbol: d.symbol } : {}),
      issuingBody: d.sender.code,
      documentDate: d.issuedDate ?? d.at,
      searchText: "",
      summary: d.summary,
      content: d.content,
      issuingBodyName: d.sender.name,
      place: d.place ?? "",
      ...(d.issuedDate ? { issuedDate: d.issuedDate } : {}),
      recipients: [{ code: this.app.settings.organId, name: this.app.settings.issuingBodyName }],
      sender: d.sender,
      urgency: d.urgency,
      ...(d.due ? { due: d.due } : {}),
      taskIds: [],
      meetingIds: [],
      incoming,
      readBy: [],
      ...(d.edxmlDocumentId ? { edxmlDocumentId: d.edxmlDocumentId } : {}),
      version: 1,
      createdAt: d.at,
      updatedAt: d.at,
      createdByActor: d.actor,
    };
  }
}

// ------------------------------------------------------------------------------------ helpers

/** The document a status packet answers, and to whom it goes. */
interface Answer {
  organId: string;
  organName?: string;
  /** "number/notation" */
  code: string;
  /** "yyyy/MM/dd" */
  promulgationDate: string;
  documentId: string;
}

function answerOf(pkg: EdxmlPackage): Answer {
  const h = pkg.header;
  return {
    organId: h.from.organId,
    organName: h.from.organName,
    code: `${h.code.codeNumber}/${h.code.codeNotation}`,
    promulgationDate: h.promulgationInfo.promulgationDate,
    documentId: h.documentId,
  };
}

/** The answer of a document that came by the exchange (its DocumentId says the rest), else undefined. */
function exchangeAnswerOf(d: DocumentRecord): Answer | undefined {
  if (!d.edxmlDocumentId) return undefined;
  const parts = parseDocumentId(d.edxmlDocumentId, { received: true });
  const organId = d.sender?.code ?? parts?.organId;
  if (!organId) return undefined;
  return {
    organId,
    organName: d.sender?.name,
    code: parts ? `${parts.number}/${parts.notation}` : (d.symbol ?? ""),
    promulgationDate: parts?.date ?? (d.issuedDate ? formatEdxmlDate(d.issuedDate) : ""),
    documentId: d.edxmlDocumentId,
  };
}

/**
 * The sender and document of a package that did not parse, read from its text without an XML parser
 * (it may be hostile: no entity is expanded, a value holding a reference is not taken). The DocumentId
 * is composed from its parts when it is missing. Undefined unless every part is there.
 */
export function readableAnswer(bytes: Buffer): Answer | undefined {
  // the package's own header only: a ResponseFor or a trace names other documents and organs
  const text = bytes
    .subarray(0, REFUSED_SCAN_BYTES)
    .toString("utf8")
    .replace(/<(?:[\w.-]+:)?(ResponseFor|TraceHeaderList)[\s>][\s\S]*?<\/(?:[\w.-]+:)?\1\s*>/g, "");
  const from = elementText(text, "From");
  const organId = from ? elementText(from, "OrganId") : undefined;
  const organName = from ? elementText(from, "OrganName") : undefined;
  const codeNumber = elementText(text, "CodeNumber");
  const codeNotation = elementText(text, "CodeNotation");
  const promulgationDate = elementText(text, "PromulgationDate");
  if (!organId || !isOrganId(organId) || !codeNumber || !codeNotation || !promulgationDate || !isEdxmlDate(promulgationDate)) {
    return undefined;
  }
  const written = elementText(text, "DocumentId");
  const documentId = written && parseDocumentId(written) ? written : documentIdOf(organId, promulgationDate, codeNumber, codeNotation);
  if (!parseDocumentId(documentId)) return undefined;
  return { organId, organName, code: `${codeNumber}/${codeNotation}`, promulgationDate, documentId };
}

/** The text of the first element named `name` (any prefix), trimmed; undefined when absent or holding markup or a reference. */
function elementText(text: string, name: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}\\s*>`).exec(text);
  if (!m) return undefined;
  const inner = m[1];
  if (name === "From") return inner;
  if (/[<&]/.test(inner)) return undefined;
  const value = inner.trim();
  return value.length > 0 && value.length <= 300 ? value : undefined;
}

/** The document id of a received package: one per (sender, DocumentId), so it is never stored twice. */
export function incomingDocumentId(senderOrganId: string, edxmlDocumentId: string): string {
  return `in-${createHash("sha256").update(`${senderOrganId}\n${edxmlDocumentId}`, "utf8").digest("hex").slice(0, 32)}`;
}

function domainUrgency(priority: number | undefined): Urgency {
  if (priority === undefined) return "normal";
  const u = urgencyOfPriority(priority as 0 | 1 | 2 | 3 | 4);
  // "hỏa tốc hẹn giờ" is a hỏa tốc with a time: the decree's scale stops at hỏa tốc
  return u === "hoa_toc_hen_gio" ? "hoa_toc" : (u ?? "normal");
}

/** The package's due date ("yyyy/MM/dd", or with a time) as a deadline: the end of that day in Vietnam. */
function dueOfEdxml(text: string | undefined): DueRecord | undefined {
  if (!text) return undefined;
  const day = text.slice(0, 10);
  const start = parseEdxmlDate(day);
  if (!start) return undefined;
  const withTime = text.length > 10 ? parseEdxmlDateTime(text) : undefined;
  const date = day.replaceAll("/", "-");
  return { spec: Deadline.toJSON({ spec: { $case: "date", value: date } }), dueAt: withTime ?? new Date(start.getTime() + 86_400_000 - 1) };
}

function protoDeadline(d: DueRecord & { dueAt: Date }): Deadline {
  return { ...Deadline.fromJSON(d.spec), dueAt: d.dueAt };
}

function protoOrganization(o: Organization | undefined): ProtoOrganization | undefined {
  return o ? { code: o.code, name: o.name } : undefined;
}

function withGrant(grants: string[] | undefined, personId: string): string[] {
  return grants?.includes(personId) ? grants : [...(grants ?? []), personId];
}

function receivedChange(d: DocumentRecord): Record<string, unknown> {
  return { type: d.type, number: d.symbol ?? "", sender: d.sender?.code ?? "", urgency: d.urgency, secrecy: d.secrecy };
}

function checkReceive(input: ReceiveInput): { type: string; number: string; summary: string; sender: Organization } {
  const checks = new FieldChecks();
  const type = input.type.trim();
  if (!documentType(type)) checks.add("type", "Loại văn bản không có trong danh mục", "Not a document type of the vocabulary");
  const number = input.number.trim();
  checks.length("number", number, MAX_SYMBOL_LENGTH, FIELDS.symbol);
  const summary = input.summary.trim();
  if (summary === "") checks.add("summary", "Cần trích yếu", "A summary is required");
  checks.length("summary", summary, MAX_SUMMARY_LENGTH, FIELDS.summary);
  const sender = { code: input.sender.code.trim(), name: input.sender.name.trim() };
  if (sender.name === "") checks.add("sender.name", "Cần tên cơ quan gửi", "The sender's name is required");
  checks.length("sender.name", sender.name, MAX_NAME_LENGTH, FIELDS.name);
  checks.length("sender.code", sender.code, MAX_ID_LENGTH, FIELDS.id);
  checks.check();
  return { type, number, summary, sender };
}

function checkDirectiveTasks(tasks: readonly DirectiveTask[]): DirectiveTask[] {
  const checks = new FieldChecks();
  if (checks.count("directive_tasks", tasks, MAX_DIRECTIVE_TASKS, { vi: "Nhiệm vụ", en: "Tasks" })) {
    const seen = new Set<string>();
    tasks.forEach((t, i) => {
      const itemId = t.itemId.trim();
      if (itemId === "") checks.add(`directive_tasks[${i}].item_id`, "Thiếu mã mục", "Item id is required");
      checks.length(`directive_tasks[${i}].item_id`, itemId, MAX_ITEM_ID_LENGTH, FIELDS.id);
      if (seen.has(itemId)) checks.add(`directive_tasks[${i}].item_id`, "Mã mục bị trùng", "Item id is listed twice");
      seen.add(itemId);
      if (t.content.trim() === "") checks.add(`directive_tasks[${i}].content`, "Cần nội dung nhiệm vụ", "The task's content is required");
      checks.length(`directive_tasks[${i}].content`, t.content, MAX_COMMENT_LENGTH, FIELDS.comment);
    });
  }
  checks.check();
  return tasks.map((t) => ({ ...t, itemId: t.itemId.trim(), content: t.content.trim() }));
}
