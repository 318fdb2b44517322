/**
 * Tasks born from other services' events: a meeting's conclusions, a directive received from the
 * Government Office; and a task's document issued. Each runs inside the consumer's transaction (with
 * its inbox record), and keys its effect on the source (meeting and item, document and item), so a
 * redelivered or re-published event changes nothing.
 */
import { InvalidArgument, PermanentError, type OutgoingEvent } from "@ministry/platform";
import type { Actor } from "@ministry/proto/ministry/common/v1/common";
import type { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import type { DocumentIssued, DocumentReceived } from "@ministry/proto/ministry/documents/v1/events";
import type { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import type { ClientSession } from "mongodb";
import { fromProtoDeadline, taskSummary } from "../contract.js";
import { vietnamDay, type DeadlineSpec } from "../domain/deadline.js";
import { sourceTaskId } from "../domain/ids.js";
import { transition } from "../domain/lifecycle.js";
import {
  FIELD_NAMES,
  FieldChecks,
  MAX_ACTOR_ID_LENGTH,
  MAX_ACTOR_NAME_LENGTH,
  MAX_ACTOR_ROLES,
  MAX_DOCUMENT_NUMBER_LENGTH,
  MAX_EVENT_ITEMS,
  MAX_DOCUMENT_LINKS,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_ITEM_ID_LENGTH,
  MAX_TASK_ID_LENGTH,
  MAX_VOCABULARY_CODE_LENGTH,
} from "../domain/limits.js";
import { isFinal, validateNewTask, withDocumentLink, type DocumentLink, type Task } from "../domain/task.js";
import { TaskEvents } from "../events/definitions.js";
import type { StoredTask } from "../store/documents.js";
import { systemActor, type AppContext } from "./context.js";
import type { ProgrammeCommands } from "./programmes.js";

/** Authorities above the ministry: issuing the ministry's document for them is the submission. */
const HIGHER_AUTHORITIES = new Set(["QUOC_HOI", "UBTVQH", "CHINH_PHU", "THU_TUONG"]);

/** A conclusion without a deadline is due this many days after the meeting concluded. */
export const DEFAULT_CONCLUSION_DAYS = 30;

function vietnamYear(at: Date): number {
  return Number(vietnamDay(at).slice(0, 4));
}

function daysAfter(at: Date, days: number): DeadlineSpec {
  return { kind: "date", date: vietnamDay(new Date(at.getTime() + days * 24 * 3600_000)) };
}

/**
 * An actor another service's event names: its fields are copied into this service's events, so they
 * are bounded like a request's (an oversized one makes the event a dead letter, not a huge event).
 */
function checkActor(checks: FieldChecks, field: string, actor: Actor | undefined): void {
  if (!actor) return;
  checks.length(`${field}.user_id`, actor.userId, MAX_ACTOR_ID_LENGTH, FIELD_NAMES.actorId);
  checks.length(`${field}.display_name`, actor.displayName, MAX_ACTOR_NAME_LENGTH, FIELD_NAMES.actorName);
  checks.texts(`${field}.roles`, actor.roles, MAX_ACTOR_ROLES, MAX_ACTOR_ID_LENGTH, FIELD_NAMES.roles);
  checks.length(`${field}.unit.id`, actor.unit?.id, MAX_VOCABULARY_CODE_LENGTH, FIELD_NAMES.vocabularyCode);
  checks.length(`${field}.unit.name`, actor.unit?.name, MAX_ACTOR_NAME_LENGTH, FIELD_NAMES.actorName);
}

/** The document or meeting an event is about: its id and number are part of the tasks' codes. */
function checkSource(checks: FieldChecks, field: string, id: string, number = ""): void {
  checks.length(field, id, MAX_EXTERNAL_ID_LENGTH, FIELD_NAMES.id);
  checks.length("number", number, MAX_DOCUMENT_NUMBER_LENGTH, FIELD_NAMES.documentNumber);
}

/** The items an event carries (conclusions, directive tasks): how many, and their ids. */
function checkItems(checks: FieldChecks, field: string, items: readonly { itemId: string }[]): void {
  if (!checks.count(field, items, MAX_EVENT_ITEMS, FIELD_NAMES.items)) return;
  items.forEach((item, i) => {
    if (!item.itemId) checks.add(`${field}[${i}].item_id`, "Thiếu mã mục", "Item id is required");
    else checks.length(`${field}[${i}].item_id`, item.itemId, MAX_ITEM_ID_LENGTH, FIELD_NAMES.itemId);
  });
}

/** Names the event's item in every violation, so the dead letter says which item is wrong. */
function inItem(err: unknown, item: string): unknown {
  if (!(err instanceof InvalidArgument)) return err;
  return new InvalidArgument(err.violations.map((v) => ({ field: `${item}.${v.field}`, description: v.description })));
}

interface NewTaskFromSource {
  id: string;
  code: string;
  title: string;
  kind: string;
  leadUnit: string;
  coordinatingUnits: string[];
  assignee?: string;
  deadline: Deadline | undefined;
  defaultDeadline: DeadlineSpec;
  source: { type: "meeting_conclusion" | "directive"; ref: string };
  documentLinks?: DocumentLink[];
  year: number;
  item: string;
}

export class Intake {
  constructor(
    private readonly app: AppContext,
    private readonly programmes: ProgrammeCommands,
  ) {}

  /** One task per conclusion item, in the programme of the year the meeting concluded. */
  async meetingConcluded(event: MeetingConcluded, session: ClientSession): Promise<StoredTask[]> {
    if (!event.meetingId) throw new PermanentError("meeting concluded without a meeting id");
    const concludedAt = event.concludedAt ?? event.heldAt;
    if (!concludedAt) throw new PermanentError(`meeting ${event.meetingId} concluded without a time`);
    const checks = new FieldChecks();
    checkSource(checks, "meeting_id", event.meetingId);
    checkItems(checks, "items", event.items);
    checkActor(checks, "chair", event.chair);
    checkActor(checks, "actor", event.actor);
    checks.check();
    const actor = event.chair ?? event.actor ?? systemActor("meetings");
    const inputs = event.items.map((item, i) => ({
      id: sourceTaskId("kl", event.meetingId, item.itemId),
      code: `KL-${event.meetingId}-${item.itemId}`,
      title: item.content,
      kind: item.taskKind || "VAN_BAN_KHAC",
      leadUnit: item.leadUnit?.id ?? "",
      coordinatingUnits: item.coordinatingUnits.map((u) => u.id),
      assignee: item.assignee || undefined,
      deadline: item.deadline,
      defaultDeadline: daysAfter(concludedAt, DEFAULT_CONCLUSION_DAYS),
      source: { type: "meeting_conclusion" as const, ref: `${event.meetingId}#${item.itemId}` },
      year: vietnamYear(concludedAt),
      item: `items[${i}]`,
    }));
    return this.createAll(inputs, actor, session);
  }

  /** A directive's tasks, with the directive linked; other received documents assign nothing. */
  async documentReceived(event: DocumentReceived, session: ClientSession): Promise<StoredTask[]> {
    if (event.directiveTasks.length === 0) return [];
    if (!event.documentId) throw new PermanentError("document received without a document id");
    const checks = new FieldChecks();
    checkSource(checks, "document_id", event.documentId, event.number);
    checkItems(checks, "directive_tasks", event.directiveTasks);
    checkActor(checks, "actor", event.actor);
    checks.check();
    const receivedAt = event.receivedAt ?? this.app.clock.now();
    const actor = event.actor ?? systemActor("documents");
    const link: DocumentLink = event.number
      ? { documentId: event.documentId, relation: "directive", number: event.number }
      : { documentId: event.documentId, relation: "directive" };
    const inputs = event.directiveTasks.map((item, i) => ({
      id: sourceTaskId("cd", event.documentId, item.itemId),
      code: `${event.number || event.documentId}-${item.itemId}`,
      title: item.content,
      kind: item.taskKind || "VAN_BAN_KHAC",
      leadUnit: item.leadUnit?.id ?? "",
      coordinatingUnits: item.coordinatingUnits.map((u) => u.id),
      deadline: item.deadline,
      defaultDeadline: daysAfter(receivedAt, DEFAULT_CONCLUSION_DAYS),
      source: { type: "directive" as const, ref: event.documentId },
      documentLinks: [link],
      year: vietnamYear(receivedAt),
      item: `directive_tasks[${i}]`,
    }));
    return this.createAll(inputs, actor, session);
  }

  private async createAll(inputs: NewTaskFromSource[], actor: Actor, session: ClientSession): Promise<StoredTask[]> {
    // Validate every item first: one bad item makes the whole event a dead letter, so a meeting's
    // conclusions are never half turned into tasks.
    const tasks = inputs.map((input) => {
      try {
        const deadline = input.deadline?.spec ? fromProtoDeadline(input.deadline, "deadline") : input.defaultDeadline;
        return validateNewTask(
          {
            id: input.id,
            programmeId: "pending",
            code: input.code,
            title: input.title,
            kind: input.kind,
            authority: null,
            leadUnit: input.leadUnit,
            coordinatingUnits: input.coordinatingUnits,
            assignee: input.assignee,
            deadline,
            source: input.source,
            documentLinks: input.documentLinks,
          },
          this.app.vocabulary,
        );
      } catch (err) {
        throw inItem(err, input.item);
      }
    });
    // Ids are injective in (source, item): two items share one only by naming the same item twice,
    // which is the producer's mistake to report, not a second item to drop.
    const firstItem = new Map<string, string>();
    for (const [i, task] of tasks.entries()) {
      const first = firstItem.get(task.id);
      if (first !== undefined)
        throw new InvalidArgument([
          { field: `${inputs[i].item}.item_id`, description: `Trùng mã mục với ${first} / The same item id as ${first}` },
        ]);
      firstItem.set(task.id, inputs[i].item);
    }
    const created: StoredTask[] = [];
    const events: OutgoingEvent<unknown>[] = [];
    const at = this.app.clock.now();
    for (const [i, task] of tasks.entries()) {
      // Made by an earlier delivery of this event (or of the producer's re-publication of it).
      if (await this.app.tasks.get(task.id, session)) continue;
      const programme = await this.programmes.ensureForYear(session, inputs[i].year);
      await this.assertCodeFree(task, programme.id, inputs[i].item, session);
      const saved = await this.app.tasks.insert({ ...task, programmeId: programme.id }, at, session);
      created.push(saved);
      events.push(TaskEvents.created.of(saved.id, { task: taskSummary(saved, this.app.vocabulary), actor }));
      await this.app.deps.audit.record(session, {
        actor,
        action: "task.created",
        target: { type: "task", id: saved.id },
        change: { code: saved.code, title: saved.title, source: saved.source },
      });
    }
    if (events.length > 0) await this.app.deps.outbox.add(session, events);
    return created;
  }

  /**
   * A task's code is unique in its programme. Codes are built from other services' ids ("KL-<meeting>-
   * <item>") and two sources can build one code ("gb-x-a" and "1", "gb-x" and "a-1"): that is refused,
   * naming both, rather than left to fail on the index (a retried, unexplained error).
   */
  private async assertCodeFree(task: Task, programmeId: string, item: string, session: ClientSession): Promise<void> {
    const holder = await this.app.tasks.collection.findOne(
      { programmeId, code: task.code },
      { projection: { _id: 1, source: 1 }, session },
    );
    if (!holder || holder._id === task.id) return;
    const source = holder.source?.ref ? ` (${holder.source.ref})` : "";
    throw new InvalidArgument([
      {
        field: `${item}.item_id`,
        description: `Mã nhiệm vụ "${task.code}" (${task.source.ref}) đã là mã của nhiệm vụ ${holder._id}${source} / The task code "${task.code}" (${task.source.ref}) is already task ${holder._id}'s${source}`,
      },
    ]);
  }

  /**
   * The tasks the document was drafted for (named in the event, or linked to the document) become
   * submitted — a task for the National Assembly, the Government or the Prime Minister is done when
   * the ministry submits — or completed, for a task the ministry finishes itself; whether it was on
   * time is recorded as of the issue date.
   */
  async documentIssued(event: DocumentIssued, session: ClientSession): Promise<StoredTask[]> {
    if (!event.documentId) throw new PermanentError("document issued without a document id");
    const checks = new FieldChecks();
    checkSource(checks, "document_id", event.documentId, event.number);
    checks.texts("task_ids", event.taskIds, MAX_EVENT_ITEMS, MAX_TASK_ID_LENGTH, FIELD_NAMES.taskIds);
    checkActor(checks, "signer", event.signer);
    checks.check();
    const issuedAt = event.issuedAt ?? this.app.clock.now();
    const ids = new Set(event.taskIds);
    for (const t of await this.app.tasks.find({ "documentLinks.documentId": event.documentId }, { session })) ids.add(t.id);
    const actor = event.signer ?? systemActor("documents");
    const by = actor.userId || "documents";
    const changed: StoredTask[] = [];
    for (const id of [...ids].sort()) {
      const task = await this.app.tasks.get(id, session);
      if (!task || isFinal(task.status)) continue;
      const forHigher = task.authority !== null && HIGHER_AUTHORITIES.has(task.authority);
      if (forHigher && task.status === "submitted") continue;
      const relation = forHigher ? "submission" : "issued";
      // The issued document is the task's outcome, so a task already holding its maximum of links is
      // still submitted or completed: the document is then named in its history (the reason below).
      const link = withNumber({ documentId: event.documentId, relation }, event.number);
      let next: Task = task.documentLinks.length < MAX_DOCUMENT_LINKS ? withDocumentLink(task, link) : task;
      const reason = `Văn bản ${event.number || event.documentId} đã ban hành / Document ${event.number || event.documentId} issued`;
      const events: OutgoingEvent<unknown>[] = [];
      if (task.status !== "submitted" && (forHigher || task.authority !== null)) {
        next = transition(next, "submitted", { at: issuedAt, by, reason }).task;
      }
      if (!forHigher) next = transition(next, "completed", { at: issuedAt, by, reason }).task;
      const saved = await this.app.tasks.save(task, next, this.app.clock.now(), session);
      const summary = taskSummary(saved, this.app.vocabulary);
      if (saved.submittedAt && !task.submittedAt)
        events.push(
          TaskEvents.submitted.of(saved.id, {
            task: summary,
            actor,
            submittedAt: saved.submittedAt,
            onTime: saved.onTime === true,
            documentId: event.documentId,
            // No person wrote a note: the issued document did it (named in the history).
            note: "",
          }),
        );
      if (saved.status === "completed")
        events.push(
          TaskEvents.completed.of(saved.id, {
            task: summary,
            actor,
            completedAt: saved.completedAt,
            onTime: saved.onTime === true,
            documentId: event.documentId,
            // No person wrote a note: the issued document did it (named in the history).
            note: "",
          }),
        );
      await this.app.record(
        session,
        actor,
        saved.status === "completed" ? "task.completed" : "task.submitted",
        { type: "task", id: saved.id },
        { document: event.documentId, number: event.number, at: issuedAt, onTime: saved.onTime ?? null },
        events,
      );
      changed.push(saved);
    }
    return changed;
  }
}

function withNumber(link: DocumentLink, number: string): DocumentLink {
  return number ? { ...link, number } : link;
}
