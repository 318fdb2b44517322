/**
 * Commands on tasks. Each runs in one transaction: the task's new state, its audit record (who, when,
 * why) and its events in the outbox commit together or not at all.
 */
import { AlreadyExists, InvalidArgument, isDuplicateKeyError, type Identity, type OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import { formatVietnamDate, type DeadlineSpec } from "../domain/deadline.js";
import { decideDeadlineChange, requestDeadlineChange } from "../domain/deadline-change.js";
import { assertWorkRecordable, recordProgress, transition } from "../domain/lifecycle.js";
import { importedTaskId } from "../domain/ids.js";
import { assertAcceptsTasks, type Programme } from "../domain/programme.js";
import {
  FIELD_NAMES,
  FieldChecks,
  MAX_ASSIGNEE_LENGTH,
  MAX_ATTACHMENTS,
  MAX_ATTACHMENT_TITLE_LENGTH,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_NOTE_LENGTH,
  MAX_REMARK_LENGTH,
  type FieldName,
} from "../domain/limits.js";
import {
  checkDocumentLink,
  oneLineText,
  validateNewTask,
  withDocumentLink,
  type DocumentLink,
  type DocumentLinkInput,
  type NewTaskInput,
  type Task,
} from "../domain/task.js";
import { taskSummary, toProtoDeadline, toProtoDeadlineRequest } from "../contract.js";
import { TaskEvents } from "../events/definitions.js";
import type { StoredTask } from "../store/documents.js";
import { PROGRESS_NOTES, TASK_CODE_COUNTERS } from "../store/indexes.js";
import { versionConflict } from "../store/task-store.js";
import { actorOf, storedTaskCodec, type AppContext } from "./context.js";

/** Clocks differ a little between a client and the service: "now" from a client may be slightly ahead. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface Mutation {
  requestId?: string;
  id: string;
  expectedVersion?: number;
}

export interface DocumentRefInput {
  documentId: string;
  title?: string;
}

interface Change {
  task: Task;
  action: string;
  change: Record<string, unknown>;
  events?: (saved: StoredTask, actor: Actor) => OutgoingEvent<unknown>[];
  /** Extra writes in the same transaction (progress notes). */
  also?: (session: ClientSession, saved: StoredTask, actor: Actor) => Promise<void>;
}

/** A note or a reason as stored: NFC, trimmed (line breaks kept), within `max` characters. */
function remark(checks: FieldChecks, field: string, value: string | undefined, max: number, what: FieldName): string {
  const text = (value ?? "").normalize("NFC").trim();
  checks.length(field, text, max, what);
  return text;
}

function pastOrNow(checks: FieldChecks, at: Date | undefined, now: Date, field: string): Date {
  if (!at) return now;
  if (Number.isNaN(at.getTime())) checks.add(field, "Thời điểm không hợp lệ", "Invalid time");
  else if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) checks.add(field, "Thời điểm ở tương lai", "The time is in the future");
  return at;
}

function documentOf(checks: FieldChecks, link: DocumentLinkInput | undefined, field: string): DocumentLink | undefined {
  return link ? checkDocumentLink(link, field, checks) : undefined;
}

/** A progress note's attachments: at most MAX_ATTACHMENTS, each a document id and a title within their limits. */
function attachmentsOf(checks: FieldChecks, attachments: readonly DocumentRefInput[] | undefined): { documentId: string; title: string }[] {
  if (!checks.count("attachments", attachments, MAX_ATTACHMENTS, FIELD_NAMES.attachments)) return [];
  return (attachments ?? []).map((a, i) => {
    const documentId = oneLineText(a.documentId);
    const title = oneLineText(a.title);
    if (documentId === "") checks.add(`attachments[${i}].document_id`, "Thiếu mã văn bản", "Document id is required");
    else checks.length(`attachments[${i}].document_id`, documentId, MAX_EXTERNAL_ID_LENGTH, FIELD_NAMES.documentId);
    checks.length(`attachments[${i}].title`, title, MAX_ATTACHMENT_TITLE_LENGTH, FIELD_NAMES.attachmentTitle);
    return { documentId, title };
  });
}

/** How many allocated numbers a CreateTask tries before giving up (each one an import had used). */
const MAX_CODE_ATTEMPTS = 1000;

/** What a CreateTask inserts into: the programme, read before the transaction, and the code. */
interface NewTaskTarget {
  programme: Programme;
  code: string;
  /** Whether the code came from the counter (taken: try the next) rather than the caller (taken: refuse). */
  allocated: boolean;
}

/** The allocated code is some task's already (an import used it): the create goes on with the next number. */
class AllocatedCodeTaken extends Error {
  constructor(readonly code: string) {
    super(`allocated code ${code} is taken`);
  }
}

export class TaskCommands {
  constructor(private readonly app: AppContext) {}

  /**
   * One change of one task: `mayAttempt` (the caller's roles only) before anything is looked up, then
   * the task if the caller sees it (a hidden one answers as a missing one), then `authorize` on it.
   */
  private async change(
    method: string,
    identity: Identity,
    m: Mutation,
    access: { mayAttempt: () => void; authorize?: (task: StoredTask) => void; recordsWork?: boolean },
    apply: (task: StoredTask, at: Date) => Change,
  ): Promise<StoredTask> {
    access.mayAttempt();
    return this.app.once(
      method,
      identity,
      { requestId: m.requestId, target: `task:${m.id}`, body: m },
      storedTaskCodec,
      async (session) => {
        const task = await this.app.visibleTask(identity, m.id, session);
        access.authorize?.(task);
        if (m.expectedVersion !== undefined && m.expectedVersion !== task.version) throw versionConflict(task);
        const at = this.app.clock.now();
        const c = apply(task, at);
        // After the request's own checks: bad input is INVALID_ARGUMENT whatever the programme's state.
        if (access.recordsWork) assertWorkRecordable(await this.app.programmes.require(task.programmeId, session));
        const saved = await this.app.tasks.save(task, c.task, at, session);
        const actor = actorOf(identity, this.app.vocabulary);
        await c.also?.(session, saved, actor);
        await this.app.record(session, actor, c.action, { type: "task", id: saved.id }, c.change, c.events?.(saved, actor) ?? []);
        return saved;
      },
    );
  }

  /** Progress, submission, completion, documents, deadline requests: some unit's people, then the task's lead unit. */
  private mayChange(identity: Identity) {
    return {
      mayAttempt: () => this.app.access.assertMayChangeTasks(identity),
      authorize: (task: StoredTask) => this.app.access.assertChange(identity, task),
    };
  }

  /** Progress, submission, completion: doing the work, which a draft programme's task does not take yet. */
  private mayRecordWork(identity: Identity) {
    return { ...this.mayChange(identity), recordsWork: true };
  }

  private summary(task: Task) {
    return taskSummary(task, this.app.vocabulary);
  }

  /**
   * A new task, with an id from its programme and code as an imported task has (`bnv-2020-vb-061`),
   * so codes are unique in a programme ignoring case. Without a code the programme's next `NV-<n>` is
   * allocated (a counter per programme, so two creates never take one); a number an import has used
   * already is passed over.
   *
   * Round trips: the programme and the number are fetched before the transaction, together; the
   * insert itself is the check that the code is free (the task's `_id` and `programme_code_unique`).
   */
  async create(identity: Identity, input: Omit<NewTaskInput, "id"> & { requestId?: string }): Promise<StoredTask> {
    this.app.access.assertMayCreateTasks(identity);
    const givenCode = oneLineText(input.code);
    // Validated with a stand-in id and code: the id comes from the code, which may be allocated later.
    const draft = validateNewTask(
      { ...input, id: "new", code: givenCode || "NV-0", source: input.source ?? { type: "ad_hoc" } },
      this.app.vocabulary,
    );
    this.app.access.assertCreate(identity, draft.leadUnit);
    const request = { requestId: input.requestId, target: `programme:${draft.programmeId}`, body: input };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.app.oncePrepared(
          "CreateTask",
          identity,
          request,
          storedTaskCodec,
          () => this.prepareCreate(draft.programmeId, givenCode ? draft.code : undefined),
          (session, target) => this.insertTask(identity, draft, target, session),
        );
      } catch (err) {
        // A task has the allocated code already (an import or a caller gave it; the counter does not see
        // given codes): the next number, in a new transaction, since the duplicate key aborted this one.
        // Bounded, so a programme whose numbers an import has used by the thousand fails loudly.
        if (!(err instanceof AllocatedCodeTaken)) throw err;
        if (attempt >= MAX_CODE_ATTEMPTS)
          throw new Error(`no free NV code in programme ${draft.programmeId} after ${MAX_CODE_ATTEMPTS} numbers (last ${err.code})`);
      }
    }
  }

  /**
   * The programme (accepting tasks) and the code, before the transaction and concurrently: a read
   * inside the transaction would not hold off a concurrent status change either, and the counter is
   * outside transactions on purpose (see takeNumber).
   */
  private async prepareCreate(programmeId: string, givenCode: string | undefined): Promise<NewTaskTarget> {
    const [programme, number] = await Promise.all([
      this.app.programmes.require(programmeId),
      givenCode ? undefined : this.takeNumber(programmeId, false),
    ]);
    assertAcceptsTasks(programme);
    if (givenCode) return { programme, code: givenCode, allocated: false };
    // The programme's first code-less task: its counter is made only now that the programme is known to
    // exist, so a request naming no programme leaves no counter behind.
    const n = number ?? (await this.takeNumber(programmeId, true));
    return { programme, code: `NV-${String(n).padStart(3, "0")}`, allocated: true };
  }

  private async insertTask(identity: Identity, draft: Task, target: NewTaskTarget, session: ClientSession): Promise<StoredTask> {
    const { programme, code } = target;
    const task: Task = { ...draft, id: importedTaskId(programme.id, code), code };
    const at = this.app.clock.now();
    const saved = await this.app.tasks.insertIfFree(task, at, session);
    if (!saved) {
      if (target.allocated) throw new AllocatedCodeTaken(code);
      throw new AlreadyExists(
        `Chương trình ${programme.id} đã có nhiệm vụ mã ${code} (không phân biệt chữ hoa, chữ thường) / Programme ${programme.id} already has a task ${code} (ignoring case)`,
        "TASK_CODE_EXISTS",
        { programme_id: programme.id, code },
      );
    }
    const actor = actorOf(identity, this.app.vocabulary);
    await this.app.record(session, actor, "task.created", { type: "task", id: saved.id }, { code: saved.code, title: saved.title }, [
      TaskEvents.created.of(saved.id, { task: this.summary(saved), actor }),
    ]);
    return saved;
  }

  /**
   * The programme's next number for `NV-<n>`; undefined when it has no counter yet and `create` is
   * false. The counter is taken outside any transaction on purpose, like the outbox's sequence: inside
   * one, every code-less CreateTask of a programme would write the same document and conflict with
   * every other (at 32 in flight, most of them retried). A transaction that aborts leaves its number
   * unused: codes may skip, never repeat (the task's id is unique).
   */
  private async takeNumber(programmeId: string, create: boolean): Promise<number | undefined> {
    const counters = this.app.deps.db.collection<{ _id: string; last: number }>(TASK_CODE_COUNTERS);
    for (;;) {
      try {
        const counter = await counters.findOneAndUpdate(
          { _id: programmeId },
          { $inc: { last: 1 } },
          { upsert: create, returnDocument: "after" },
        );
        return counter?.last;
      } catch (err) {
        // two first-ever upserts of a programme's counter can race on the new document: the loser increments it
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
  }

  assign(
    identity: Identity,
    m: Mutation & { assignee?: string; leadUnit?: string; coordinatingUnits?: readonly string[] },
  ): Promise<StoredTask> {
    // Naming the units a task already has is not a change of units.
    const changesUnits = (task: Task) =>
      (Boolean(m.leadUnit?.trim()) && m.leadUnit?.trim() !== task.leadUnit) ||
      (m.coordinatingUnits !== undefined &&
        [...new Set(m.coordinatingUnits.map((u) => u.trim()))].sort().join(",") !== [...task.coordinatingUnits].sort().join(","));
    return this.change(
      "AssignTask",
      identity,
      m,
      {
        mayAttempt: () => this.app.access.assertMayAssign(identity),
        authorize: (task) => this.app.access.assertAssign(identity, task, changesUnits(task)),
      },
      (task) => {
        const checks = new FieldChecks();
        const assignee = oneLineText(m.assignee);
        checks.length("assignee", assignee, MAX_ASSIGNEE_LENGTH, FIELD_NAMES.assignee);
        checks.check();
        const leadUnit = m.leadUnit?.trim() || task.leadUnit;
        const coordinatingUnits = m.coordinatingUnits ?? task.coordinatingUnits.filter((u) => u !== leadUnit);
        // Re-validating through the domain checks the units exist and the lead is not also coordinating.
        validateNewTask(
          {
            id: task.id,
            programmeId: task.programmeId,
            code: task.code,
            title: task.title,
            kind: task.kind,
            authority: task.authority,
            leadUnit,
            coordinatingUnits,
            deadline: task.deadlineSpec,
            priority: task.priority,
            source: task.source,
          },
          this.app.vocabulary,
        );
        const next: Task = { ...task, leadUnit, coordinatingUnits: [...new Set(coordinatingUnits.map((u) => u.trim()))] };
        if (assignee) next.assignee = assignee;
        else delete next.assignee;
        return {
          task: next,
          action: "task.assigned",
          change: {
            assignee: { from: task.assignee ?? null, to: next.assignee ?? null },
            leadUnit: { from: task.leadUnit, to: next.leadUnit },
            coordinatingUnits: { from: task.coordinatingUnits, to: next.coordinatingUnits },
          },
          events: (saved, actor) => [
            TaskEvents.assigned.of(saved.id, {
              task: this.summary(saved),
              actor,
              previousAssignee: task.assignee ?? "",
              previousLeadUnit: task.leadUnit,
            }),
          ],
        };
      },
    );
  }

  recordProgress(
    identity: Identity,
    m: Mutation & { percent?: number; note?: string; attachments?: readonly DocumentRefInput[] },
  ): Promise<StoredTask> {
    return this.change("RecordProgress", identity, m, this.mayRecordWork(identity), (task, at) => {
      const checks = new FieldChecks();
      const note = remark(checks, "note", m.note, MAX_NOTE_LENGTH, FIELD_NAMES.note);
      const attachments = attachmentsOf(checks, m.attachments);
      checks.check();
      if (m.percent === undefined && note === "" && attachments.length === 0)
        throw new InvalidArgument([
          { field: "note", description: "Cần tiến độ, ghi chú hoặc tệp đính kèm / Give a percentage, a note or an attachment" },
        ]);
      let next: Task = task;
      if (m.percent !== undefined) next = recordProgress(task, m.percent, { at, by: identity.userId }).task;
      // A note alone is welcome until the task is final; recordProgress(current) applies the same rule.
      else if (task.status === "completed" || task.status === "withdrawn") recordProgress(task, task.progress, { at, by: identity.userId });
      return {
        task: next,
        action: "task.progressed",
        change: { percent: m.percent ?? null, note, attachments, status: { from: task.status, to: next.status } },
        events: (saved, actor) => [
          TaskEvents.progressed.of(saved.id, { task: this.summary(saved), actor, percent: m.percent, note, attachments }),
        ],
        also: async (session, saved, actor) => {
          await this.app.deps.db
            .collection(PROGRESS_NOTES)
            .insertOne(
              { taskId: saved.id, at, by: actor, percent: m.percent ?? null, note, attachments, version: saved.version },
              { session },
            );
        },
      };
    });
  }

  submit(identity: Identity, m: Mutation & { at?: Date; document?: DocumentLinkInput; note?: string }) {
    return this.change("SubmitTask", identity, m, this.mayRecordWork(identity), (task, now) => {
      const checks = new FieldChecks();
      const at = pastOrNow(checks, m.at, now, "submitted_at");
      const link = documentOf(checks, m.document, "document");
      const note = remark(checks, "note", m.note, MAX_REMARK_LENGTH, FIELD_NAMES.note);
      checks.check();
      const moved = transition(withDocumentLink(task, link), "submitted", { at, by: identity.userId, reason: note || undefined });
      return {
        task: moved.task,
        action: "task.submitted",
        change: { submittedAt: at, onTime: moved.task.onTime, document: link?.documentId ?? null, note },
        events: (saved, actor) => [
          TaskEvents.submitted.of(saved.id, {
            task: this.summary(saved),
            actor,
            submittedAt: at,
            onTime: saved.onTime === true,
            documentId: link?.documentId ?? "",
            note,
          }),
        ],
      };
    });
  }

  complete(identity: Identity, m: Mutation & { at?: Date; document?: DocumentLinkInput; note?: string }) {
    return this.change("CompleteTask", identity, m, this.mayRecordWork(identity), (task, now) => {
      const checks = new FieldChecks();
      const at = pastOrNow(checks, m.at, now, "completed_at");
      const link = documentOf(checks, m.document, "document");
      const note = remark(checks, "note", m.note, MAX_REMARK_LENGTH, FIELD_NAMES.note);
      checks.check();
      const moved = transition(withDocumentLink(task, link), "completed", { at, by: identity.userId, reason: note || undefined });
      return {
        task: moved.task,
        action: "task.completed",
        change: {
          completedAt: at,
          onTime: moved.task.onTime,
          // Whether on-time was settled by an earlier submission rather than by this completion.
          afterSubmission: task.submittedAt !== undefined,
          document: link?.documentId ?? null,
          note,
        },
        events: (saved, actor) => [
          TaskEvents.completed.of(saved.id, {
            task: this.summary(saved),
            actor,
            completedAt: at,
            onTime: saved.onTime === true,
            documentId: link?.documentId ?? "",
            note,
          }),
        ],
      };
    });
  }

  withdraw(identity: Identity, m: Mutation & { reason?: string }) {
    return this.change("WithdrawTask", identity, m, { mayAttempt: () => this.app.access.assertWithdraw(identity) }, (task, at) => {
      const checks = new FieldChecks();
      const reason = remark(checks, "reason", m.reason, MAX_REMARK_LENGTH, FIELD_NAMES.reason);
      if (reason === "") checks.add("reason", "Rút nhiệm vụ phải nêu lý do", "A reason is required");
      checks.check();
      const moved = transition(task, "withdrawn", { at, by: identity.userId, reason, approvedBy: identity.userId });
      return {
        task: moved.task,
        action: "task.withdrawn",
        change: { reason, approvedBy: identity.userId, previousStatus: task.status },
        events: (saved, actor) => [
          TaskEvents.withdrawn.of(saved.id, { task: this.summary(saved), actor, reason, approvedBy: identity.userId }),
        ],
      };
    });
  }

  linkDocument(identity: Identity, m: Mutation & { document?: DocumentLinkInput }) {
    return this.change("LinkDocument", identity, m, this.mayChange(identity), (task) => {
      const checks = new FieldChecks();
      if (!m.document) checks.add("document", "Thiếu văn bản", "Document is required");
      const link = documentOf(checks, m.document, "document");
      checks.check();
      return { task: withDocumentLink(task, link), action: "task.document_linked", change: { document: link } };
    });
  }

  requestDeadlineChange(identity: Identity, m: Mutation & { newDeadline: string | DeadlineSpec; reason?: string }) {
    return this.change("RequestDeadlineChange", identity, m, this.mayChange(identity), (task, at) => {
      const { task: next, request } = requestDeadlineChange(task, m.newDeadline, m.reason ?? "", identity.userId, at);
      return {
        task: next,
        action: "task.deadline_change_requested",
        change: {
          requestId: request.id,
          from: formatVietnamDate(request.currentDeadline),
          to: formatVietnamDate(request.requestedDeadline),
          reason: request.reason,
        },
        events: (saved, actor) => [
          TaskEvents.deadlineChangeRequested.of(saved.id, {
            task: this.summary(saved),
            actor,
            request: toProtoDeadlineRequest(request),
            // The roles, not people: the notifications service resolves who holds them.
            deciderRoles: [...this.app.access.deadlineDeciderRoles],
          }),
        ],
      };
    });
  }

  decideDeadlineChange(identity: Identity, m: Mutation & { deadlineRequestId: string; approve: boolean; note?: string }) {
    return this.change(
      "DecideDeadlineChange",
      identity,
      m,
      { mayAttempt: () => this.app.access.assertDecideDeadline(identity) },
      (task, at) => {
        const decided = decideDeadlineChange(
          task,
          m.deadlineRequestId?.trim() ?? "",
          m.approve,
          identity.userId,
          identity.roles,
          at,
          m.note,
          this.app.access.deadlineDeciderRoles,
        );
        const { entry, request } = decided;
        const note = request.note ?? "";
        return {
          task: decided.task,
          action: m.approve ? "task.deadline_changed" : "task.deadline_change_rejected",
          change: {
            requestId: request.id,
            approved: m.approve,
            note: request.note ?? null,
            reason: request.reason,
            requestedBy: request.requestedBy,
            // The deadline asked to be left and the one asked for, whether it moved or not.
            from: formatVietnamDate(request.currentDeadline),
            to: formatVietnamDate(request.requestedDeadline),
          },
          events: (saved, actor) =>
            entry
              ? [
                  TaskEvents.deadlineChanged.of(saved.id, {
                    task: this.summary(saved),
                    actor,
                    previousDeadline: toProtoDeadline(entry.from, entry.fromDeadline),
                    reason: entry.reason,
                    requestedBy: entry.requestedBy,
                    decisionNote: note,
                    deadlineRequestId: request.id,
                  }),
                ]
              : [
                  TaskEvents.deadlineChangeRejected.of(saved.id, {
                    task: this.summary(saved),
                    actor,
                    request: toProtoDeadlineRequest(request),
                    note,
                    requestedBy: request.requestedBy,
                  }),
                ],
        };
      },
    );
  }
}
