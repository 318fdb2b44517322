/**
 * The events this service publishes (TASKS stream) and the ones it consumes from meetings and
 * documents, as typed definitions.
 */
import { defineEvent } from "@ministry/platform";
import { DocumentIssued, DocumentReceived } from "@ministry/proto/ministry/documents/v1/events";
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import {
  TaskAssigned,
  TaskCompleted,
  TaskCreated,
  TaskDeadlineChanged,
  TaskDeadlineChangeRejected,
  TaskDeadlineChangeRequested,
  TaskDueSoon,
  TaskOverdue,
  TaskProgressed,
  TaskSubmitted,
  TaskWithdrawn,
} from "@ministry/proto/ministry/tasks/v1/events";

const task = { service: "tasks", aggregate: "task" } as const;

export const TaskEvents = {
  created: defineEvent({ ...task, event: "created", message: TaskCreated }),
  assigned: defineEvent({ ...task, event: "assigned", message: TaskAssigned }),
  progressed: defineEvent({ ...task, event: "progressed", message: TaskProgressed }),
  submitted: defineEvent({ ...task, event: "submitted", message: TaskSubmitted }),
  completed: defineEvent({ ...task, event: "completed", message: TaskCompleted }),
  deadlineChangeRequested: defineEvent({ ...task, event: "deadline_change_requested", message: TaskDeadlineChangeRequested }),
  deadlineChangeRejected: defineEvent({ ...task, event: "deadline_change_rejected", message: TaskDeadlineChangeRejected }),
  deadlineChanged: defineEvent({ ...task, event: "deadline_changed", message: TaskDeadlineChanged }),
  withdrawn: defineEvent({ ...task, event: "withdrawn", message: TaskWithdrawn }),
  dueSoon: defineEvent({ ...task, event: "due_soon", message: TaskDueSoon }),
  overdue: defineEvent({ ...task, event: "overdue", message: TaskOverdue }),
};

export const MeetingConcludedEvent = defineEvent({
  service: "meetings",
  aggregate: "meeting",
  event: "concluded",
  message: MeetingConcluded,
});
export const DocumentIssuedEvent = defineEvent({ service: "documents", aggregate: "document", event: "issued", message: DocumentIssued });
export const DocumentReceivedEvent = defineEvent({
  service: "documents",
  aggregate: "document",
  event: "received",
  message: DocumentReceived,
});
