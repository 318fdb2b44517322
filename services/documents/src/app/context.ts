/**
 * What every use case works with: the stores (documents, numbers, attachments, the exchange's queue), the
 * clock, the outbox and audit, the request log, and the service's settings.
 */
import { inTransaction, UseCaseContext, type Identity, type ResultCodec, type UseCaseDeps } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { AccessPolicy } from "../domain/visibility.js";
import { OutgoingQueue } from "../exchange/outgoing-queue.js";
import { AttachmentStore } from "../store/attachments.js";
import { ATTACHMENT_TYPES } from "../store/content-type.js";
import { DocumentStore } from "../store/document-store.js";
import { ATTACHMENTS_BUCKET } from "../store/indexes.js";
import { ArrivalNumbers, IssueNumbers } from "../store/number-sequences.js";

export interface DocumentsSettings {
  issuingBody: string;
  issuingBodyName: string;
  organId: string;
  governmentOfficeOrganId: string;
  place: string;
  officeUnitId: string;
  attachmentMaxBytes: number;
  packageMaxBytes: number;
  checkoutDefaultMinutes: number;
  checkoutMaxMinutes: number;
}

export interface AppDeps extends UseCaseDeps {
  settings: DocumentsSettings;
}

export class AppContext extends UseCaseContext<AppDeps> {
  readonly documents: DocumentStore;
  readonly issueNumbers: IssueNumbers;
  readonly arrivalNumbers: ArrivalNumbers;
  readonly attachments: AttachmentStore;
  readonly exchangeQueue: OutgoingQueue;
  readonly policy: AccessPolicy;

  constructor(deps: AppDeps) {
    super(deps);
    this.policy = { officeUnitId: deps.settings.officeUnitId };
    this.documents = new DocumentStore(deps.db, this.policy);
    this.issueNumbers = new IssueNumbers(deps.db);
    this.arrivalNumbers = new ArrivalNumbers(deps.db);
    this.attachments = new AttachmentStore(deps.db, {
      bucketName: ATTACHMENTS_BUCKET,
      maxBytes: deps.settings.attachmentMaxBytes,
      allowedTypes: ATTACHMENT_TYPES.map((t) => t.mime),
      // A download is a read, in no command's transaction: its audit record gets one of its own.
      onDownload: (entry) => inTransaction(deps.client, (session) => deps.audit.record(session, entry)),
    });
    this.exchangeQueue = new OutgoingQueue({ db: deps.db, maxPackageBytes: deps.settings.packageMaxBytes });
  }

  get settings(): DocumentsSettings {
    return this.deps.settings;
  }
}

/** Results kept by the request log are plain documents already. */
export function documentCodec<T extends object>(): ResultCodec<T> {
  return { toDocument: (t) => ({ ...t }), fromDocument: (d) => d as unknown as T };
}

export function actorOf(identity: Identity): Actor {
  const actor: Actor = { userId: identity.userId, displayName: identity.name || identity.userId, roles: [...identity.roles] };
  if (identity.unitId) actor.unit = { id: identity.unitId, name: identity.unitId };
  return actor;
}

export function systemActor(displayName = "documents"): Actor {
  return { userId: "system", displayName, roles: [] };
}
