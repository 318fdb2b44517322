/**
 * The documents collection: one record per document, incoming or outgoing, holding what access and
 * search read (visibility.ts, document-search.ts), the workflow's record (workflow.ts) and the
 * document's own fields. Saved with a version: a stale writer loses (ABORTED VERSION_CONFLICT).
 */
import { Aborted, type Identity } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession, Collection, Db } from "mongodb";
import type { SigningPrefix, Urgency } from "../domain/vocabulary.js";
import { documentNotFound, visibleOrNotFound, type AccessPolicy } from "../domain/visibility.js";
import type { IncomingRecord, OutgoingRecord } from "../domain/workflow.js";
import type { SearchRecord } from "./document-search.js";
import { DOCUMENTS } from "./indexes.js";

export interface Organization {
  /** The exchange's organ code ("000.00.00.G22"), or the body's own code ("BNV"). */
  code: string;
  name: string;
}

export interface SignerRecord {
  prefix: SigningPrefix;
  /** "BỘ TRƯỞNG" */
  authority: string;
  /** "THỨ TRƯỞNG" */
  position: string;
  fullName: string;
  personId?: string;
}

/** The deadline as the common Deadline's proto JSON, with its resolved instant. */
export interface DueRecord {
  spec: unknown;
  dueAt?: Date;
}

export interface DocumentRecord extends SearchRecord {
  /** "Trích yếu". */
  summary: string;
  /** Body text the search also reads (an incoming package's Content, a draft's text); may be empty. */
  content: string;
  issuingBodyName: string;
  place: string;
  /** The date the document bears ("ngày … tháng … năm …"). */
  issuedDate?: Date;
  signer?: SignerRecord;
  recipients: Organization[];
  /** Incoming: who sent it. */
  sender?: Organization;
  urgency: Urgency;
  due?: DueRecord;
  taskIds: string[];
  meetingIds: string[];
  incoming?: IncomingRecord;
  outgoing?: OutgoingRecord;
  /** Who holds the draft checked out, until when. */
  checkout?: { by: string; name: string; until: Date };
  /** Recipients who confirmed they read it: person id → when. */
  readBy: { personId: string; at: Date }[];
  /** The handling reminders published, "due_soon:<deadline ms>" / "overdue:<deadline ms>" (once each). */
  reminders?: string[];
  /** The edXML DocumentId it travelled (or will travel) under. */
  edxmlDocumentId?: string;
  /** Outgoing: the draft's latest version number (attachments' `version`); each upload takes the next. */
  draftVersion?: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  createdByActor: Actor;
}

export function versionConflict(current: Pick<DocumentRecord, "version">): Aborted {
  return new Aborted(
    `Văn bản đã được người khác thay đổi (phiên bản ${current.version}); hãy tải lại / The document was changed by someone else (version ${current.version}); reload it`,
    "VERSION_CONFLICT",
    { current_version: String(current.version) },
  );
}

export class DocumentStore {
  readonly collection: Collection<DocumentRecord>;

  constructor(
    db: Db,
    private readonly policy: AccessPolicy,
  ) {
    this.collection = db.collection<DocumentRecord>(DOCUMENTS);
  }

  get(id: string, session?: ClientSession): Promise<DocumentRecord | null> {
    return this.collection.findOne({ _id: id }, { session });
  }

  /** The document if the caller may see it; otherwise NOT_FOUND, exactly as for a missing one. */
  async visible(identity: Identity, id: string, session?: ClientSession): Promise<DocumentRecord> {
    const doc = await this.get(id, session);
    if (!doc) throw documentNotFound();
    return visibleOrNotFound(identity, doc, this.policy);
  }

  async insert(doc: DocumentRecord, session: ClientSession): Promise<void> {
    await this.collection.insertOne(doc, { session });
  }

  /** Writes `next` if the stored version is still `read.version`; else ABORTED with the current version. */
  async save(read: DocumentRecord, next: DocumentRecord, session: ClientSession): Promise<DocumentRecord> {
    const saved: DocumentRecord = { ...next, version: read.version + 1 };
    const r = await this.collection.replaceOne({ _id: read._id, version: read.version }, saved, { session });
    if (r.matchedCount === 0) {
      const current = await this.get(read._id, session);
      if (!current) throw documentNotFound();
      throw versionConflict(current);
    }
    return saved;
  }
}
