/**
 * Commands on tasks. Each runs in one transaction: the task's new state, its audit record (who, when,
 * why) and its events in the outbox commit together or not at all.
 */
import { randomUUID } from "node:crypto";
import { InvalidArgument, type Identity, type OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { ClientSession } from "mongodb";
import { formatVietnamDate, type DeadlineSpec } from "../domain/deadline.js";
import { decideDeadlineChange, requestDeadlineChange } from "../domain/deadline-change.js";
import { recordProgress, transition } from "../domain/lifecycle.js";
import { assertAcceptsTasks } from "../domain/programme.js";
import { DOCUMENT_RELATIONS, validateNewTask, type DocumentLink, type NewTaskInput, type Task } from "../domain/task.js";
import { taskSummary, toProtoDeadline } from "../contract.js";
import { TaskEvents } from "../events/definitions.js";
import type { StoredTask } from "../store/documents.js";
import { PROGRESS_NOTES } from "../store/indexes.js";
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

function cleanText(value: string | undefined, max: number, field: string): string {
  const text = (value ?? "").normalize("NFC").trim();
  if ([...text].length > max) throw new InvalidArgument([{ field, description: `Dài quá ${max} ký tự / Longer than ${max} characters` }]);
  return text;
}

function pastOrNow(at: Date | undefined, now: Date, field: string): Date {
  if (!at) return now;
  if (Number.isNaN(at.getTime())) throw new InvalidArgument([{ field, description: "Thời điểm không hợp lệ / Invalid time" }]);
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
    throw new InvalidArgument([{ field, description: "Thời điểm ở tương lai / The time is in the future" }]);
  return at;
}

function checkDocumentLink(
  link: { documentId: string; relation: string; number?: string } | undefined,
  field: string,
): DocumentLink | undefined {
  if (!link) return undefined;
  const documentId = link.documentId?.trim() ?? "";
  const violations = [];
  if (documentId === "") violations.push({ field: `${field}.documentId`, description: "Thiếu mã văn bản / Document id is required" });
  const relation = DOCUMENT_RELATIONS.find((r) => r === link.relation);
  if (!relation) violations.push({ field: `${field}.relation`, description: "Thiếu quan hệ văn bản / Relation is required" });
  if (violations.length > 0 || !relation) throw new InvalidArgument(violations);
  const number = link.number?.trim();
  return number ? { documentId, relation, number } : { documentId, relation };
}

function withLink(task: Task, link: DocumentLink | undefined): Task {
  if (!link || task.documentLinks.some((l) => l.documentId === link.documentId && l.relation === link.relation)) return task;
  return { ...task, documentLinks: [...task.documentLinks, link] };
}

export class TaskCommands {
  constructor(private readonly app: AppContext) {}

  private async change(
    method: string,
    identity: Identity,
    m: Mutation,
    authorize: (task: StoredTask) => void,
    apply: (task: StoredTask, at: Date) => Change,
  ): Promise<StoredTask> {
    return this.app.once(method, identity, m.requestId, storedTaskCodec, async (session) => {
      const task = await this.app.tasks.require(m.id, session);
      authorize(task);
      if (m.expectedVersion !== undefined && m.expectedVersion !== task.version) throw versionConflict(task.id, task.version);
      const at = this.app.clock.now();
      const c = apply(task, at);
      const saved = await this.app.tasks.save(task, c.task, at, session);
      const actor = actorOf(identity, this.app.vocabulary);
      await c.also?.(session, saved, actor);
      await this.app.record(session, actor, c.action, { type: "task", id: saved.id }, c.change, c.events?.(saved, actor) ?? []);
      return saved;
    });
  }

  private summary(task: Task) {
    return taskSummary(task, this.app.vocabulary);
  }

  async create(identity: Identity, input: Omit<NewTaskInput, "id"> & { requestId?: string }): Promise<StoredTask> {
    this.app.access.assertMayCreateTasks(identity);
    const id = randomUUID();
    const code = input.code?.trim() || `NV-${id.slice(0, 8).toUpperCase()}`;
    const task = validateNewTask({ ...input, id, code, source: input.source ?? { type: "ad_hoc" } }, this.app.vocabulary);
    this.app.access.assertCreate(identity, task.leadUnit);
    return this.app.once("CreateTask", identity, input.requestId, storedTaskCodec, async (session) => {
      const programme = await this.app.programmes.require(task.programmeId, session);
      assertAcceptsTasks(programme);
      const at = this.app.clock.now();
      const saved = await this.app.tasks.insert(task, at, session);
      const actor = actorOf(identity, this.app.vocabulary);
      await this.app.record(session, actor, "task.created", { type: "task", id: saved.id }, { code: saved.code, title: saved.title }, [
        TaskEvents.created.of(saved.id, { task: this.summary(saved), actor }),
      ]);
      return saved;
    });
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
      (task) => this.app.access.assertAssign(identity, task, changesUnits(task)),
      (task) => {
        const assignee = cleanText(m.assignee, 200, "assignee");
        const leadUnit = m.leadUnit?.trim() || task.leadUnit;
        const coordinatingUnits = m.coordinatingUnits ?? task.coordinatingUnits.filter((u) => u !== leadUnit);
        // Re-validating through the domain checks the units exist and the lead is not also coordinating.
        validateNewTask(
          {
            id: task.id,
            programmeId: task.programmeId,
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
    return this.change(
      "RecordProgress",
      identity,
      m,
      (task) => this.app.access.assertChange(identity, task),
      (task, at) => {
        const note = cleanText(m.note, 4000, "note");
        const attachments = (m.attachments ?? []).map((a, i) => {
          const documentId = a.documentId?.trim() ?? "";
          if (documentId === "")
            throw new InvalidArgument([
              { field: `attachments[${i}].documentId`, description: "Thiếu mã văn bản / Document id is required" },
            ]);
          return { documentId, title: a.title?.trim() ?? "" };
        });
        if (m.percent === undefined && note === "" && attachments.length === 0)
          throw new InvalidArgument([
            { field: "note", description: "Cần tiến độ, ghi chú hoặc tệp đính kèm / Give a percentage, a note or an attachment" },
          ]);
        let next: Task = task;
        if (m.percent !== undefined) next = recordProgress(task, m.percent, { at, by: identity.userId }).task;
        // A note alone is welcome until the task is final; recordProgress(current) applies the same rule.
        else if (task.status === "completed" || task.status === "withdrawn")
          recordProgress(task, task.progress, { at, by: identity.userId });
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
      },
    );
  }

  submit(
    identity: Identity,
    m: Mutation & { at?: Date; document?: { documentId: string; relation: string; number?: string }; note?: string },
  ) {
    return this.change(
      "SubmitTask",
      identity,
      m,
      (task) => this.app.access.assertChange(identity, task),
      (task, now) => {
        const at = pastOrNow(m.at, now, "submittedAt");
        const link = checkDocumentLink(m.document, "document");
        const note = cleanText(m.note, 2000, "note");
        const moved = transition(withLink(task, link), "submitted", { at, by: identity.userId, reason: note || undefined });
        return {
          task: moved.task,
          action: "task.submitted",
          change: { submittedAt: at, onTime: moved.task.onTime, document: link?.documentId ?? null },
          events: (saved, actor) => [
            TaskEvents.submitted.of(saved.id, {
              task: this.summary(saved),
              actor,
              submittedAt: at,
              onTime: saved.onTime === true,
              documentId: link?.documentId ?? "",
            }),
          ],
        };
      },
    );
  }

  complete(
    identity: Identity,
    m: Mutation & { at?: Date; document?: { documentId: string; relation: string; number?: string }; note?: string },
  ) {
    return this.change(
      "CompleteTask",
      identity,
      m,
      (task) => this.app.access.assertChange(identity, task),
      (task, now) => {
        const at = pastOrNow(m.at, now, "completedAt");
        const link = checkDocumentLink(m.document, "document");
        const note = cleanText(m.note, 2000, "note");
        const moved = transition(withLink(task, link), "completed", { at, by: identity.userId, reason: note || undefined });
        return {
          task: moved.task,
          action: "task.completed",
          change: { completedAt: at, onTime: moved.task.onTime, document: link?.documentId ?? null },
          events: (saved, actor) => [
            TaskEvents.completed.of(saved.id, {
              task: this.summary(saved),
              actor,
              completedAt: at,
              onTime: saved.onTime === true,
              documentId: link?.documentId ?? "",
            }),
          ],
        };
      },
    );
  }

  withdraw(identity: Identity, m: Mutation & { reason?: string }) {
    return this.change(
      "WithdrawTask",
      identity,
      m,
      () => this.app.access.assertWithdraw(identity),
      (task, at) => {
        const reason = cleanText(m.reason, 2000, "reason");
        if (reason === "")
          throw new InvalidArgument([{ field: "reason", description: "Rút nhiệm vụ phải nêu lý do / A reason is required" }]);
        const moved = transition(task, "withdrawn", { at, by: identity.userId, reason, approvedBy: identity.userId });
        return {
          task: moved.task,
          action: "task.withdrawn",
          change: { reason, approvedBy: identity.userId, previousStatus: task.status },
          events: (saved, actor) => [
            TaskEvents.withdrawn.of(saved.id, { task: this.summary(saved), actor, reason, approvedBy: identity.userId }),
          ],
        };
      },
    );
  }

  linkDocument(identity: Identity, m: Mutation & { document?: { documentId: string; relation: string; number?: string } }) {
    return this.change(
      "LinkDocument",
      identity,
      m,
      (task) => this.app.access.assertChange(identity, task),
      (task) => {
        const link = checkDocumentLink(m.document, "document");
        if (!link) throw new InvalidArgument([{ field: "document", description: "Thiếu văn bản / Document is required" }]);
        return { task: withLink(task, link), action: "task.document_linked", change: { document: link } };
      },
    );
  }

  requestDeadlineChange(identity: Identity, m: Mutation & { newDeadline: string | DeadlineSpec; reason?: string }) {
    return this.change(
      "RequestDeadlineChange",
      identity,
      m,
      (task) => this.app.access.assertChange(identity, task),
      (task, at) => {
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
        };
      },
    );
  }

  decideDeadlineChange(identity: Identity, m: Mutation & { deadlineRequestId: string; approve: boolean; note?: string }) {
    return this.change(
      "DecideDeadlineChange",
      identity,
      m,
      (task) => {
        this.app.access.assertDecideDeadline(identity);
        this.app.access.assertRead(identity, task);
      },
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
        const entry = decided.entry;
        return {
          task: decided.task,
          action: m.approve ? "task.deadline_changed" : "task.deadline_change_rejected",
          change: {
            requestId: decided.request.id,
            approved: m.approve,
            note: decided.request.note ?? null,
            ...(entry ? { from: formatVietnamDate(entry.fromDeadline), to: formatVietnamDate(entry.toDeadline) } : {}),
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
                  }),
                ]
              : [],
        };
      },
    );
  }
}
