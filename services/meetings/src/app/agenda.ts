/**
 * The agenda: ordered items replaced as a whole before the meeting ends (an item that keeps its id
 * keeps its frozen report and timing), a report of the tasks service frozen into an item, and the item
 * under discussion (whose time is counted while it is current).
 */
import { createHash } from "node:crypto";
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  decodeStatusDetails,
  FailedPrecondition,
  FieldChecks,
  GrpcStatusError,
  InvalidArgument,
  isDomainError,
  NotFound,
  PermissionDenied,
  type Identity,
} from "@ministry/platform";
import type { ClientSession } from "mongodb";
import { Report, type GetReportRequest, type ReportSnapshot } from "@ministry/proto/ministry/tasks/v1/tasks";
import { assertInProgress, assertReportAttachable } from "../domain/agenda-rules.js";
import { assertPlannable } from "../domain/lifecycle.js";
import {
  FIELDS,
  MAX_AGENDA_ITEMS,
  MAX_DESCRIPTION_LENGTH,
  MAX_DOCUMENT_ID_LENGTH,
  MAX_ID_LENGTH,
  MAX_ITEM_DOCUMENTS,
  MAX_ITEM_ID_LENGTH,
  MAX_PLANNED_MINUTES,
  MAX_TITLE_LENGTH,
  MIN_PLANNED_MINUTES,
} from "../domain/limits.js";
import type { AgendaItem, FrozenReport, Meeting, PersonRef } from "../domain/model.js";
import { requiredId } from "../grpc/request.js";
import type { Standing } from "./access.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { changeMeeting, type ChangeContext, type MeetingChange, type MeetingMutation } from "./meeting-change.js";
import { closeCurrentItem } from "./meetings.js";
import { block, oneLine } from "./text.js";

export interface NewAgendaDocumentInput {
  documentId: string;
  title: string;
}

export interface NewAgendaItemInput {
  /** Empty: the item's position, "1", "2", ... */
  id: string;
  title: string;
  presenterId: string;
  plannedMinutes: number;
  documents: NewAgendaDocumentInput[];
  description: string;
}

export interface AttachReportInput {
  requestId?: string;
  meetingId: string;
  itemId: string;
  report?: GetReportRequest;
  title: string;
}

export interface CurrentItemInput {
  requestId?: string;
  meetingId: string;
  /** Empty: no item is current. */
  itemId: string;
}

/** A changed meeting and what the caller is to it (for `my_permissions`). */
export interface MeetingResult {
  meeting: Meeting;
  standing: Standing;
  myPermissions: string[];
}

function resultOf(app: AppContext, meeting: Meeting, standing: Standing): MeetingResult {
  return { meeting, standing, myPermissions: app.access.myPermissions(standing) };
}

/** Letters, digits, ".", "_" and "-": ids people type ("1", "2a", "II.1"), safe in paths and files. */
const ITEM_ID = /^[\p{L}\p{N}._-]+$/u;
const AGENDA_WORDS = { vi: "chương trình họp", en: "the agenda" };

/**
 * `changeMeeting`, answering with the caller's standing as the change read it (or, for a retry the
 * request log answered, as it is now).
 */
export async function changeWithStanding(
  app: AppContext,
  method: string,
  identity: Identity,
  m: MeetingMutation,
  apply: (c: ChangeContext) => Promise<MeetingChange> | MeetingChange,
): Promise<MeetingResult> {
  let seen: Standing | undefined;
  const meeting = await changeMeeting(app, method, identity, m, (c) => {
    seen = c.standing;
    return apply(c);
  });
  return resultOf(app, meeting, seen ?? (await app.standing(identity, meeting)));
}

/** The agenda item `itemId` of `m`, or INVALID_ARGUMENT on `field`. */
export function agendaItem(m: Meeting, itemId: string, field = "item_id"): AgendaItem {
  const item = m.agenda.find((i) => i.id === itemId);
  if (!item)
    throw new InvalidArgument([
      { field, description: `Không có mục "${itemId}" trong chương trình họp / No item "${itemId}" on the agenda` },
    ]);
  return item;
}

/** An item id as given: required, within MAX_ITEM_ID_LENGTH (violations in `checks`). */
export function checkItemId(checks: FieldChecks, field: string, value: string | undefined, required: boolean): string {
  const v = oneLine(value);
  if (v === "") {
    if (required) checks.add(field, "Bắt buộc", "Required");
    return v;
  }
  if (checks.length(field, v, MAX_ITEM_ID_LENGTH, FIELDS.id) && !ITEM_ID.test(v))
    checks.add(field, "Mã mục chỉ gồm chữ, số và . _ -", "An item id holds only letters, digits and . _ -");
  return v;
}

interface CheckedItem {
  id: string;
  title: string;
  presenterId: string;
  plannedMinutes: number;
  documents: { documentId: string; title: string }[];
  description: string;
}

export class AgendaCommands {
  constructor(private readonly app: AppContext) {}

  /** The agenda, replaced as a whole by managers before the meeting ends. */
  async setAgenda(identity: Identity, m: MeetingMutation, items: readonly NewAgendaItemInput[]): Promise<MeetingResult> {
    const checks = new FieldChecks();
    const checked = checks.count("items", items, MAX_AGENDA_ITEMS, FIELDS.agenda) ? this.checkItems(checks, items) : [];
    const presenters = await this.presenters(checks, checked);
    checks.check();
    return changeWithStanding(this.app, "SetAgenda", identity, m, ({ read, standing }) => {
      this.app.access.assertManage(standing);
      assertPlannable(read, AGENDA_WORDS);
      const ids = new Set(checked.map((i) => i.id));
      if (read.currentItemId && !ids.has(read.currentItemId))
        throw new FailedPrecondition(
          `Không thể bỏ mục "${read.currentItemId}" đang thảo luận; hãy chuyển sang mục khác trước / The item "${read.currentItemId}" is under discussion and cannot be removed; move to another item first`,
          "CURRENT_ITEM_REMOVED",
          { item_id: read.currentItemId },
        );
      const before = new Map(read.agenda.map((i) => [i.id, i]));
      const agenda: AgendaItem[] = checked.map((c) => {
        const kept = before.get(c.id);
        const item: AgendaItem = {
          id: c.id,
          title: c.title,
          description: c.description,
          plannedMinutes: c.plannedMinutes,
          documents: c.documents,
          elapsedSeconds: kept?.elapsedSeconds ?? 0,
        };
        const presenter = c.presenterId ? presenters.get(c.presenterId) : undefined;
        if (presenter) item.presenter = presenter;
        // What happened to the item stays with it: its frozen report and its time under discussion.
        if (kept?.report) item.report = kept.report;
        if (kept?.startedAt) item.startedAt = kept.startedAt;
        if (kept?.endedAt) item.endedAt = kept.endedAt;
        return item;
      });
      return {
        meeting: { ...read, agenda },
        action: "meeting.agenda_set",
        change: {
          items: agenda.map((i) => i.id),
          removed: read.agenda.filter((i) => !ids.has(i.id)).map((i) => i.id),
          plannedMinutes: agenda.reduce((sum, i) => sum + i.plannedMinutes, 0),
        },
      };
    });
  }

  private checkItems(checks: FieldChecks, items: readonly NewAgendaItemInput[]): CheckedItem[] {
    const firstAt = new Map<string, number>();
    return items.map((input, i) => {
      const at = `items[${i}]`;
      const given = oneLine(input.id);
      const id = given === "" ? String(i + 1) : checkItemId(checks, `${at}.id`, given, true);
      const prior = firstAt.get(id);
      if (prior === undefined) firstAt.set(id, i);
      else
        checks.add(
          `${at}.id`,
          `Mã mục "${id}" trùng với mục thứ ${prior + 1}${given === "" ? " (mã mặc định theo thứ tự)" : ""}`,
          `The item id "${id}" is the same as item ${prior + 1}'s${given === "" ? " (the default id, by position)" : ""}`,
        );
      const title = oneLine(input.title);
      if (title === "") checks.add(`${at}.title`, "Thiếu tên mục", "The item's title is required");
      checks.length(`${at}.title`, title, MAX_TITLE_LENGTH, FIELDS.title);
      const minutes = input.plannedMinutes;
      if (!Number.isInteger(minutes) || minutes < MIN_PLANNED_MINUTES || minutes > MAX_PLANNED_MINUTES)
        checks.add(
          `${at}.planned_minutes`,
          `Thời lượng dự kiến từ ${MIN_PLANNED_MINUTES} đến ${MAX_PLANNED_MINUTES} phút`,
          `Planned minutes from ${MIN_PLANNED_MINUTES} to ${MAX_PLANNED_MINUTES}`,
        );
      const description = block(input.description);
      checks.length(`${at}.description`, description, MAX_DESCRIPTION_LENGTH, FIELDS.description);
      const documents: CheckedItem["documents"] = [];
      if (checks.count(`${at}.documents`, input.documents, MAX_ITEM_DOCUMENTS, FIELDS.documents)) {
        const seen = new Set<string>();
        for (const [j, d] of input.documents.entries()) {
          const field = `${at}.documents[${j}]`;
          const documentId = oneLine(d.documentId);
          if (documentId === "") checks.add(`${field}.document_id`, "Thiếu mã văn bản", "The document id is required");
          else if (checks.length(`${field}.document_id`, documentId, MAX_DOCUMENT_ID_LENGTH, FIELDS.id) && seen.has(documentId))
            checks.add(`${field}.document_id`, "Văn bản đã có trong mục", "The document is listed twice");
          seen.add(documentId);
          const docTitle = oneLine(d.title);
          checks.length(`${field}.title`, docTitle, MAX_TITLE_LENGTH, FIELDS.title);
          documents.push({ documentId, title: docTitle });
        }
      }
      const presenterId = oneLine(input.presenterId);
      checks.length(`${at}.presenter_id`, presenterId, MAX_ID_LENGTH, FIELDS.id);
      return { id, title, presenterId, plannedMinutes: minutes, documents, description };
    });
  }

  /** The presenters named, each asked of the directory once; a violation per item naming an unknown one. */
  private async presenters(checks: FieldChecks, items: readonly CheckedItem[]): Promise<Map<string, PersonRef>> {
    const ids = [...new Set(items.map((i) => i.presenterId).filter((id) => id !== "" && id.length <= MAX_ID_LENGTH))];
    const found = await Promise.all(ids.map(async (id) => [id, await this.app.directory.person(id)] as const));
    const people = new Map<string, PersonRef>();
    for (const [id, p] of found) if (p) people.set(id, p);
    for (const [i, item] of items.entries()) {
      const id = item.presenterId;
      if (id === "" || id.length > MAX_ID_LENGTH || people.has(id)) continue;
      checks.add(`items[${i}].presenter_id`, `Không có người "${id}" trong danh bạ`, `No person "${id}" in the directory`);
    }
    return people;
  }

  /**
   * Freezes the tasks service's report into an item. The tasks service is called (with the caller's
   * token, from the caller's request scope) before the transaction and not at all for a retry the
   * request log answers; the request id it gets is derived from the caller's, so it deduplicates too.
   */
  async attachReportSnapshot(identity: Identity, input: AttachReportInput): Promise<MeetingResult> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const itemId = checkItemId(checks, "item_id", input.itemId, true);
    const title = oneLine(input.title);
    checks.length("title", title, MAX_TITLE_LENGTH, FIELDS.title);
    if (!input.report) checks.add("report", "Thiếu báo cáo cần lưu", "The report to freeze is required");
    checks.check();
    const report = input.report as GetReportRequest;
    // Refused before the tasks service is asked: a hidden meeting, a caller who may not manage it, a
    // closed meeting or an unknown item never costs a snapshot.
    const allowed = async (session?: ClientSession) => {
      const seen = await this.app.visibleMeeting(identity, meetingId, session);
      this.app.access.assertManage(seen.standing);
      assertReportAttachable(seen.meeting);
      agendaItem(seen.meeting, itemId);
      return seen;
    };
    let standing: Standing | undefined;
    const meeting = await this.app.oncePrepared(
      "AttachReportSnapshot",
      identity,
      { requestId: input.requestId, target: `meeting:${meetingId}`, body: { ...input, meetingId, itemId, title } },
      documentCodec<Meeting>(),
      async () => {
        await allowed();
        return this.snapshot(identity, input.requestId, { meetingId, itemId, report, title });
      },
      async (session, snapshot) => {
        const seen = await allowed(session);
        standing = seen.standing;
        const read = seen.meeting;
        const at = this.app.clock.now();
        const frozen: FrozenReport = {
          snapshotId: snapshot.id,
          title: snapshot.title || title,
          // Without its lines: the meeting shows the figures; the tasks service keeps the snapshot's tasks.
          report: Report.toJSON({ ...(snapshot.report ?? Report.fromPartial({})), lines: [] }),
          frozenAt: snapshot.createdAt ?? at,
        };
        const next: Meeting = {
          ...read,
          agenda: read.agenda.map((i) => (i.id === itemId ? { ...i, report: frozen } : i)),
          version: read.version + 1,
          updatedAt: at,
        };
        await this.app.store.saveMeeting(next, read.version, session);
        await this.app.record(
          session,
          actorOf(identity),
          "meeting.report_attached",
          { type: "meeting", id: meetingId },
          {
            itemId,
            snapshotId: frozen.snapshotId,
            replaced: read.agenda.find((i) => i.id === itemId)?.report?.snapshotId,
          },
        );
        return next;
      },
    );
    return resultOf(this.app, meeting, standing ?? (await this.app.standing(identity, meeting)));
  }

  private async snapshot(
    identity: Identity,
    requestId: string | undefined,
    r: { meetingId: string; itemId: string; report: GetReportRequest; title: string },
  ): Promise<ReportSnapshot> {
    try {
      return await this.app.reports.createSnapshot({
        requestId: tasksRequestId(identity, requestId, r.meetingId, r.itemId),
        report: r.report,
        title: r.title,
        meetingId: r.meetingId,
      });
    } catch (err) {
      throw fromTasksError(err);
    }
  }

  /** The item under discussion now (empty: none); the previous one's time is counted. */
  async setCurrentItem(identity: Identity, input: CurrentItemInput): Promise<MeetingResult> {
    const checks = new FieldChecks();
    const meetingId = requiredId(input.meetingId, "meeting_id", MAX_ID_LENGTH, checks);
    const itemId = checkItemId(checks, "item_id", input.itemId, false);
    checks.check();
    const m: MeetingMutation = { requestId: input.requestId || undefined, id: meetingId, body: { ...input, meetingId, itemId } };
    return changeWithStanding(this.app, "SetCurrentItem", identity, m, ({ read, standing, at }) => {
      this.app.access.assertManage(standing);
      assertInProgress(read);
      if (itemId) agendaItem(read, itemId);
      const agenda = closeCurrentItem(read, at).map((item) => {
        if (item.id !== itemId) return item;
        const current: AgendaItem = { ...item, startedAt: item.startedAt ?? at };
        // Under discussion again: it has not ended (yet).
        delete current.endedAt;
        return current;
      });
      const next: Meeting = { ...read, agenda, currentItemId: itemId };
      if (itemId) next.currentItemSince = at;
      else delete next.currentItemSince;
      return { meeting: next, action: "meeting.current_item_set", change: { from: read.currentItemId, to: itemId, at } };
    });
  }
}

/**
 * The request id the tasks service gets: derived from the caller's (and what it is for), so a retry
 * reaches the same snapshot; none without one (every call runs, as here). Hashed, so it stays within
 * the tasks service's limit whatever the caller's length.
 */
export function tasksRequestId(identity: Identity, requestId: string | undefined, meetingId: string, itemId: string): string {
  const id = requestId?.trim();
  if (!id) return "";
  const digest = createHash("sha256")
    .update(JSON.stringify([identity.userId, id, meetingId, itemId]))
    .digest("base64url");
  return `meetings-attach-${digest.slice(0, 32)}`;
}

/**
 * An error of the tasks service as this service's own: the same code for the caller (its field
 * violations kept: CreateReportSnapshotRequest's `report` and `title` are named as here), UNAVAILABLE
 * while it cannot be reached.
 */
export function fromTasksError(err: unknown): Error {
  if (isDomainError(err)) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e.code !== "number") return err instanceof Error ? err : new Error(String(err));
  const message = e.details || "Hệ thống nhiệm vụ từ chối yêu cầu / The tasks service refused the request";
  const details = e.metadata ? decodeStatusDetails(e as ServiceError) : undefined;
  switch (e.code) {
    case status.INVALID_ARGUMENT: {
      const violations = (details?.badRequest?.fieldViolations ?? []).map((v) => ({ field: v.field, description: v.description }));
      return new InvalidArgument(violations.length > 0 ? violations : [{ field: "report", description: message }]);
    }
    case status.PERMISSION_DENIED:
      return new PermissionDenied(message);
    case status.NOT_FOUND:
      return new NotFound(message);
    case status.FAILED_PRECONDITION:
      return new FailedPrecondition(message, details?.errorInfo?.reason || "REPORT_REFUSED", details?.errorInfo?.metadata ?? {});
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.RESOURCE_EXHAUSTED:
      return new GrpcStatusError(
        status.UNAVAILABLE,
        "Hệ thống nhiệm vụ tạm thời không trả lời; hãy thử lại / The tasks service is not answering; try again",
      );
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}
