/**
 * The exchange as operators and the Office's clerks see it: the packages sent (the outgoing queue's
 * records) and received (the poller's inbox records), each with the status packets exchanged about it,
 * and the import of a package that reached the ministry some other way (an .edxml file), handled exactly
 * as if the exchange had delivered it.
 *
 * An import is parsed before anything is written: a hostile or broken file (DOCTYPE/ENTITY, wrong
 * namespace, oversized, a manifest without its attachment...) is INVALID_ARGUMENT and leaves nothing
 * stored. A file already imported answers ALREADY_EXISTS; an import with a request id is done once.
 */
import { createHash } from "node:crypto";
import {
  AlreadyExists,
  FieldChecks,
  type Identity,
  InvalidArgument,
  type KeysetPage,
  NotFound,
  pageSizeOf,
  type PageRequest,
  PermissionDenied,
  type Role,
} from "@ministry/platform";
import { Binary, type Collection, type Filter, ObjectId } from "mongodb";
import { canSee } from "../domain/visibility.js";
import {
  DEFAULT_EDXML_LIMITS,
  type EdxmlStatus,
  EdxmlInvalid,
  looksLikeStatus,
  parseEdxmlDateTime,
  parsePackage,
  parseStatus,
  STATUS_CODES,
  type StatusCode,
} from "../exchange/edxml/index.js";
import { EXCHANGE_INCOMING, type IncomingRecord as InboxRecord, type ReadableItem } from "../exchange/incoming-poller.js";
import type { OutgoingRecord as QueueRecord } from "../exchange/outgoing-queue.js";
import type { DocumentRecord, Organization } from "../store/document-store.js";
import { documentCodec, type AppContext } from "./context.js";
import type { IncomingCommands } from "./incoming.js";

const VIEWERS: readonly Role[] = ["ops", "admin", "clerk", "office_chief"];
const IMPORTERS: readonly Role[] = ["ops", "admin", "clerk"];

export type PackageDirection = "incoming" | "outgoing";

export interface PackageStatusView {
  code: string;
  label: { vi: string; en: string };
  at?: Date;
  description: string;
  direction: PackageDirection;
}

export interface PackageView {
  /** "out:<queue record id>" or "in:<inbox item id>". */
  id: string;
  direction: PackageDirection;
  edxmlDocumentId: string;
  from?: Organization;
  to: Organization[];
  /** The service's document, when the caller may see it. */
  documentId: string;
  state: string;
  attempts: number;
  lastError: string;
  /** Last first. */
  statuses: PackageStatusView[];
  createdAt: Date;
}

export interface ImportResult {
  package: PackageView;
  document?: DocumentRecord;
}

interface PageKey {
  /** createdAt, ms. */
  t: number;
  d: PackageDirection;
  id: string;
}

function encodeKey(k: PageKey): string {
  return Buffer.from(JSON.stringify(k)).toString("base64url");
}

function decodeKey(token: string): PageKey {
  try {
    const k = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageKey;
    if (typeof k.t === "number" && (k.d === "incoming" || k.d === "outgoing") && typeof k.id === "string") return k;
  } catch {
    // refused below
  }
  throw new InvalidArgument([{ field: "page.page_token", description: "Mã trang không hợp lệ / Not a valid page token" }]);
}

function requireRole(identity: Identity, roles: readonly Role[], what: { vi: string; en: string }): void {
  if (!identity.roles.some((r) => roles.includes(r))) throw new PermissionDenied(`${what.vi} / ${what.en}`);
}

const OUTGOING_STATE: Record<QueueRecord["state"], string> = { queued: "queued", sending: "queued", sent: "sent", failed: "failed" };
const INCOMING_STATE: Record<InboxRecord["state"], string> = {
  handled: "received",
  retrying: "received",
  refused: "rejected",
  failed: "failed",
};

function statusView(s: EdxmlStatus, direction: PackageDirection): PackageStatusView {
  return {
    code: s.statusCode,
    label: STATUS_CODES[s.statusCode as StatusCode] ?? { vi: s.statusCode, en: s.statusCode },
    at: parseEdxmlDateTime(s.timestamp),
    description: s.description ?? "",
    direction,
  };
}

export class ExchangeAdmin {
  private readonly inbox: Collection<InboxRecord>;

  constructor(
    private readonly app: AppContext,
    private readonly incoming: IncomingCommands,
  ) {
    this.inbox = app.db.collection<InboxRecord>(EXCHANGE_INCOMING);
  }

  private get queue(): Collection<QueueRecord> {
    return this.app.exchangeQueue.records;
  }

  /** Packages sent and received, newest first; `direction` undefined lists both. */
  async listPackages(identity: Identity, q: { direction?: PackageDirection; page: PageRequest }): Promise<KeysetPage<PackageView>> {
    requireRole(identity, VIEWERS, {
      vi: "Chỉ vận hành và văn thư được xem gói tin liên thông",
      en: "Only operators and clerks may read the exchange's packages",
    });
    const size = pageSizeOf(q.page.pageSize);
    const after = q.page.pageToken ? decodeKey(q.page.pageToken) : undefined;
    const wants = (d: PackageDirection) => q.direction === undefined || q.direction === d;

    const outFilter: Filter<QueueRecord> = { kind: "package" };
    const inFilter: Filter<InboxRecord> = { kind: "package" };
    const outPage: Filter<QueueRecord>[] = [outFilter];
    const inPage: Filter<InboxRecord>[] = [inFilter];
    if (after) {
      const at = new Date(after.t);
      // the order is (createdAt desc, direction desc, id desc): at one instant outgoing ones come first
      outPage.push({
        $or: [
          { createdAt: { $lt: at } },
          ...(after.d === "outgoing" && ObjectId.isValid(after.id) ? [{ createdAt: at, _id: { $lt: new ObjectId(after.id) } }] : []),
        ],
      });
      inPage.push({
        $or: [{ firstSeenAt: { $lt: at } }, after.d === "outgoing" ? { firstSeenAt: at } : { firstSeenAt: at, _id: { $lt: after.id } }],
      });
    }
    const [outs, ins, outCount, inCount] = await Promise.all([
      wants("outgoing")
        ? this.queue
            .find({ $and: outPage }, { projection: { bytes: 0 } })
            .sort({ createdAt: -1, _id: -1 })
            .limit(size + 1)
            .toArray()
        : Promise.resolve([]),
      wants("incoming")
        ? this.inbox
            .find({ $and: inPage }, { projection: { bytes: 0 } })
            .sort({ firstSeenAt: -1, _id: -1 })
            .limit(size + 1)
            .toArray()
        : Promise.resolve([]),
      wants("outgoing") ? this.queue.countDocuments(outFilter) : Promise.resolve(0),
      wants("incoming") ? this.inbox.countDocuments(inFilter) : Promise.resolve(0),
    ]);
    const merged: { key: PageKey; load: () => Promise<PackageView> }[] = [
      ...outs.map((r) => ({
        key: { t: r.createdAt.getTime(), d: "outgoing" as const, id: r._id.toHexString() },
        load: () => this.outgoingView(identity, r as QueueRecord),
      })),
      ...ins.map((r) => ({
        key: { t: r.firstSeenAt.getTime(), d: "incoming" as const, id: r._id },
        load: () => this.incomingView(identity, r),
      })),
    ].sort((a, b) => b.key.t - a.key.t || (a.key.d === b.key.d ? (a.key.id < b.key.id ? 1 : -1) : a.key.d === "outgoing" ? -1 : 1));
    const page = merged.slice(0, size);
    const last = page[page.length - 1];
    return {
      items: await Promise.all(page.map((p) => p.load())),
      nextPageToken: merged.length > size && last ? encodeKey(last.key) : "",
      totalSize: outCount + inCount,
    };
  }

  async getPackage(identity: Identity, id: string): Promise<PackageView> {
    requireRole(identity, VIEWERS, {
      vi: "Chỉ vận hành và văn thư được xem gói tin liên thông",
      en: "Only operators and clerks may read the exchange's packages",
    });
    const notFound = () => new NotFound(`Không tìm thấy gói tin ${id} / Package ${id} not found`);
    if (id.startsWith("out:")) {
      const raw = id.slice(4);
      if (!ObjectId.isValid(raw) || raw.length !== 24) throw notFound();
      const r = await this.queue.findOne({ _id: new ObjectId(raw), kind: "package" }, { projection: { bytes: 0 } });
      if (!r) throw notFound();
      return this.outgoingView(identity, r as QueueRecord);
    }
    if (id.startsWith("in:")) {
      const r = await this.inbox.findOne({ _id: id.slice(3), kind: "package" }, { projection: { bytes: 0 } });
      if (!r) throw notFound();
      return this.incomingView(identity, r);
    }
    throw notFound();
  }

  /**
   * An .edxml file (a package or a status packet) handled as if the exchange delivered it: its inbox
   * record and the incoming use case's work commit together.
   */
  async importPackage(identity: Identity, r: { requestId?: string; content: Buffer }): Promise<ImportResult> {
    requireRole(identity, IMPORTERS, {
      vi: "Chỉ vận hành và văn thư được nhập gói tin",
      en: "Only operators and clerks may import a package",
    });
    const content = r.content;
    const checks = new FieldChecks();
    if (content.length === 0) checks.add("content", "Tệp trống", "The file is empty");
    if (content.length > this.app.settings.packageMaxBytes)
      checks.add(
        "content",
        `Tệp vượt quá ${this.app.settings.packageMaxBytes} byte`,
        `The file exceeds ${this.app.settings.packageMaxBytes} bytes`,
      );
    checks.check();
    const item = this.parse(content);
    const sha256 = createHash("sha256").update(content).digest("hex");
    const recordId = `import:${sha256}`;
    const edxmlDocumentId = item.kind === "package" ? item.package.header.documentId : item.status.responseFor.documentId;
    const inboxId = await this.app.once(
      "documents.ImportPackage",
      identity,
      { requestId: r.requestId, target: `package:${sha256}`, body: { sha256 } },
      documentCodec<{ id: string }>(),
      async (session) => {
        if (await this.inbox.findOne({ _id: recordId }, { session, projection: { _id: 1 } })) {
          throw new AlreadyExists("Gói tin này đã được nhập / This package was imported already", "PACKAGE_IMPORTED", {
            package_id: `in:${recordId}`,
          });
        }
        const now = this.app.clock.now();
        const record: InboxRecord = {
          _id: recordId,
          organ: this.app.settings.organId,
          state: "handled",
          kind: item.kind,
          cursor: "",
          deliveredAt: now.toISOString(),
          edxmlDocumentId,
          size: content.length,
          sha256,
          failures: 0,
          firstSeenAt: now,
          settledAt: now,
        };
        if (item.kind === "status") record.bytes = new Binary(content);
        await this.inbox.insertOne(record, { session });
        const receipt = await this.incoming.receivePackage(item, session);
        // A package the service refused (its 02 queued) is shown as rejected, with why, not as received.
        if (receipt.refused) {
          await this.inbox.updateOne(
            { _id: recordId },
            { $set: { state: "refused", problems: [{ field: "content", description: receipt.refused }] } },
            { session },
          );
        }
        return { id: recordId };
      },
    );
    const stored = await this.inbox.findOne({ _id: inboxId.id }, { projection: { bytes: 0 } });
    if (!stored) throw new NotFound("Không tìm thấy gói tin vừa nhập / The imported package was not found");
    const view = await this.incomingView(identity, stored);
    const document = view.documentId ? ((await this.app.documents.get(view.documentId)) ?? undefined) : undefined;
    return { package: view, document };
  }

  /** The codec's reading of the bytes; every problem is INVALID_ARGUMENT on `content`, nothing stored. */
  private parse(content: Buffer): ReadableItem {
    const base = { id: "", cursor: "", deliveredAt: this.app.clock.now().toISOString(), bytes: content };
    try {
      if (looksLikeStatus(content)) return { ...base, kind: "status", status: parseStatus(content) };
      const limits = { ...DEFAULT_EDXML_LIMITS, maxPackageBytes: this.app.settings.packageMaxBytes };
      return { ...base, kind: "package", package: parsePackage(content, limits) };
    } catch (err) {
      if (err instanceof EdxmlInvalid) {
        throw new InvalidArgument(
          err.violations.map((v) => ({ field: v.field ? `content.${v.field}` : "content", description: v.description })),
        );
      }
      throw new InvalidArgument([
        { field: "content", description: "Không đọc được gói tin edXML / The file is not a readable edXML packet" },
      ]);
    }
  }

  private async documentFor(identity: Identity, filter: Filter<DocumentRecord>): Promise<DocumentRecord | undefined> {
    const doc = await this.app.documents.collection.findOne(filter, { projection: { searchText: 0 } });
    return doc && canSee(identity, doc, this.app.policy) ? (doc as DocumentRecord) : undefined;
  }

  private async statusesOf(edxmlDocumentId: string): Promise<PackageStatusView[]> {
    const [sent, received] = await Promise.all([
      this.queue.find({ kind: "status", edxmlDocumentId }).sort({ createdAt: -1 }).limit(100).toArray(),
      this.inbox.find({ kind: "status", edxmlDocumentId }).sort({ firstSeenAt: -1 }).limit(100).toArray(),
    ]);
    const views: PackageStatusView[] = [];
    for (const r of sent) {
      try {
        views.push(statusView(parseStatus(Buffer.from(r.bytes.buffer)), "outgoing"));
      } catch {
        // a record the queue accepted always parses; skip one that does not rather than fail the view
      }
    }
    for (const r of received) {
      let view: PackageStatusView | undefined;
      if (r.bytes) {
        try {
          view = statusView(parseStatus(Buffer.from(r.bytes.buffer)), "incoming");
        } catch {
          view = undefined;
        }
      }
      views.push(
        view ?? {
          code: "",
          label: { vi: "Gói trạng thái", en: "Status packet" },
          at: r.firstSeenAt,
          description: "",
          direction: "incoming",
        },
      );
    }
    return views.sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0));
  }

  private async outgoingView(
    identity: Identity,
    r: Omit<QueueRecord, "bytes"> & Partial<Pick<QueueRecord, "bytes">>,
  ): Promise<PackageView> {
    const doc = await this.documentFor(identity, { _id: r.documentId });
    const names = new Map((doc?.recipients ?? []).map((o) => [o.code, o.name]));
    const statuses = await this.statusesOf(r.edxmlDocumentId);
    const delivered = statuses.some((s) => s.direction === "incoming" && s.code !== "" && s.code !== "02");
    return {
      id: `out:${r._id.toHexString()}`,
      direction: "outgoing",
      edxmlDocumentId: r.edxmlDocumentId,
      from: { code: this.app.settings.organId, name: this.app.settings.issuingBodyName },
      to: r.to.map((code) => ({ code, name: names.get(code) ?? "" })),
      documentId: doc?._id ?? "",
      state: r.state === "sent" && delivered ? "delivered" : OUTGOING_STATE[r.state],
      attempts: r.attempts,
      lastError: r.failure?.message ?? r.lastError ?? "",
      statuses,
      createdAt: r.createdAt,
    };
  }

  private async incomingView(identity: Identity, r: InboxRecord): Promise<PackageView> {
    const doc = r.edxmlDocumentId
      ? await this.documentFor(identity, { direction: "incoming", edxmlDocumentId: r.edxmlDocumentId } as Filter<DocumentRecord>)
      : undefined;
    const registered = doc?.incoming && doc.incoming.status !== "received" && doc.incoming.status !== "rejected";
    return {
      id: `in:${r._id}`,
      direction: "incoming",
      edxmlDocumentId: r.edxmlDocumentId ?? "",
      from: doc?.sender,
      to: [{ code: r.organ, name: this.app.settings.issuingBodyName }],
      documentId: doc?._id ?? "",
      state:
        r.state === "handled" && registered ? "registered" : doc?.incoming?.status === "rejected" ? "rejected" : INCOMING_STATE[r.state],
      attempts: r.failures,
      lastError: r.lastError ?? (r.problems ?? []).map((p) => p.description).join("; "),
      statuses: r.edxmlDocumentId ? await this.statusesOf(r.edxmlDocumentId) : [],
      createdAt: r.firstSeenAt,
    };
  }
}
