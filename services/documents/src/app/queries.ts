/**
 * Reading documents: one by id, a search, an attachment's bytes, a document's history, and the one
 * security command over them (who holds a grant on a document). Every read goes through visibility
 * first: a document the caller may not see answers NOT_FOUND exactly as a missing one, and a list never
 * holds nor counts it.
 */
import {
  AUDIT_COLLECTION,
  type AuditRecord,
  FailedPrecondition,
  FieldChecks,
  type Identity,
  type KeysetPage,
  keysetPage,
  type PageRequest,
  PermissionDenied,
  type Role,
} from "@ministry/platform";
import type { Document } from "mongodb";
import { MAX_ID_LENGTH } from "../domain/limits.js";
import { documentNotFound } from "../domain/visibility.js";
import type { OpenedAttachment, StoredAttachment } from "../store/attachments.js";
import { type DocumentSearchQuery, searchDocuments } from "../store/document-search.js";
import type { DocumentRecord } from "../store/document-store.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { withSearchFields } from "./document-change.js";

/** Who may say who reads a document: the Chief of the Office (the ministry's security officer) and administrators. */
const SECURITY_ROLES: readonly Role[] = ["office_chief", "admin"];
/** Far more people than ever read one classified document. */
export const MAX_GRANTS = 200;

export interface DocumentWithAttachments {
  document: DocumentRecord;
  attachments: StoredAttachment[];
}

export interface GrantRequest {
  requestId?: string;
  id: string;
  personId: string;
  revoke: boolean;
}

const ID = { vi: "Mã", en: "Id" };

function requiredId(checks: FieldChecks, field: string, value: string): string {
  const v = value.trim();
  if (!v) checks.add(field, "Bắt buộc", "Required");
  checks.length(field, v, MAX_ID_LENGTH, ID);
  return v;
}

export class DocumentQueries {
  /** Public: the consumers and the seed work with the same context. */
  constructor(readonly app: AppContext) {}

  /** The document and every version's attachments, if the caller may see it. */
  async get(identity: Identity, id: string): Promise<DocumentWithAttachments> {
    const document = await this.app.documents.visible(identity, id);
    const attachments = await this.app.attachments.list(document._id);
    return { document, attachments };
  }

  /** A page of what the caller may see and the query matches, newest first, with the count of them all. */
  async search(identity: Identity, query: DocumentSearchQuery, page: PageRequest): Promise<KeysetPage<Omit<DocumentRecord, "searchText">>> {
    return searchDocuments(this.app.documents.collection, identity, query, page, { now: this.app.clock.now(), policy: this.app.policy });
  }

  /** An attachment's bytes, once the document is known to be visible (the download itself is audited by the store). */
  async openAttachment(identity: Identity, documentId: string, attachmentId: string): Promise<OpenedAttachment> {
    const document = await this.app.documents.visible(identity, documentId);
    return this.app.attachments.open(attachmentId, { documentId: document._id, reader: actorOf(identity) });
  }

  /**
   * The document's audit records, newest first. Downloads are recorded on the attachment (target type
   * "attachment"), so they are read by the attachments' ids as well.
   */
  async history(identity: Identity, id: string, page: PageRequest): Promise<KeysetPage<AuditRecord>> {
    const document = await this.app.documents.visible(identity, id);
    const attachments = await this.app.attachments.list(document._id);
    const audit = this.app.db.collection<Document>(AUDIT_COLLECTION);
    const filter = {
      $or: [
        { "target.type": "document", "target.id": document._id },
        ...(attachments.length > 0 ? [{ "target.type": "attachment", "target.id": { $in: attachments.map((a) => a.id) } }] : []),
      ],
    };
    const result = await keysetPage(
      audit,
      { list: "documents.history", filter, sort: [["at", -1]], fingerprint: { document: document._id } },
      page,
      { now: this.app.clock.now() },
    );
    return result as unknown as KeysetPage<AuditRecord>;
  }

  /**
   * Grants (or revokes) a person's reading of a document. The security officer decides who reads a
   * classified document without being a reader of it, so the document is read by id, not through the
   * caller's visibility; everyone else is refused before the document is looked at, so nobody learns
   * whether an id exists by asking.
   */
  async grantAccess(identity: Identity, r: GrantRequest): Promise<string[]> {
    if (!identity.roles.some((role) => SECURITY_ROLES.includes(role))) {
      throw new PermissionDenied(
        "Chỉ Chánh Văn phòng hoặc quản trị hệ thống được cấp quyền đọc văn bản / Only the Chief of the Office or an administrator may grant access to a document",
      );
    }
    const checks = new FieldChecks();
    const id = requiredId(checks, "id", r.id);
    const personId = requiredId(checks, "person_id", r.personId);
    checks.check();
    const saved = await this.app.once(
      "documents.GrantAccess",
      identity,
      { requestId: r.requestId, target: `document:${id}`, body: { id, personId, revoke: r.revoke } },
      documentCodec<DocumentRecord>(),
      async (session) => {
        const read = await this.app.documents.get(id, session);
        if (!read) throw documentNotFound();
        const grants = read.grants ?? [];
        const held = grants.includes(personId);
        if (r.revoke ? !held : held) return read;
        if (!r.revoke && grants.length >= MAX_GRANTS) {
          throw new FailedPrecondition(
            `Văn bản đã có ${MAX_GRANTS} người được cấp quyền đọc / The document has ${MAX_GRANTS} grants already`,
            "TOO_MANY_GRANTS",
          );
        }
        const next = r.revoke ? grants.filter((g) => g !== personId) : [...grants, personId];
        const at = this.app.clock.now();
        const saved = await this.app.documents.save(read, withSearchFields({ ...read, grants: next, updatedAt: at }), session);
        await this.app.record(
          session,
          actorOf(identity),
          r.revoke ? "document.access_revoked" : "document.access_granted",
          { type: "document", id },
          {
            person_id: personId,
          },
        );
        return saved;
      },
    );
    return [...(saved.grants ?? [])];
  }
}
