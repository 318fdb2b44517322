/**
 * Events: typed CloudEvents over NATS JetStream, the transactional outbox and its relay, the idempotent
 * consumer with dead letters, audit records, and the OperationsService over them. See README.md here.
 */
export { AUDIT_COLLECTION, AuditLog, SYSTEM_ACTOR, type AuditEntry, type AuditRecord, type AuditTarget } from "./audit.js";
export { EventBus, type DurableConsumerOptions, type EventBusOptions, type StreamOptions } from "./bus.js";
export {
  EventConsumer,
  isInfrastructureError,
  isPermanentError,
  type ConsumeOutcome,
  type EventConsumerOptions,
  type EventHandler,
  type InboxRecord,
  type ReceivedEvent,
} from "./consumer.js";
export { DeadLetterStore, parseDeadLetterId, type DeadLetterPage, type DeadLetterRecord, type NewDeadLetter } from "./dead-letters.js";
export {
  CE,
  PROTOBUF_CONTENT_TYPE,
  PermanentError,
  decodeBody,
  defineEvent,
  encodeEvent,
  extractContext,
  headerValue,
  parseCloudEventHeaders,
  streamName,
  type CloudEventAttributes,
  type EncodedEvent,
  type EventType,
  type EventTypeSpec,
  type OutgoingEvent,
  type ProtoCodec,
} from "./event-type.js";
export {
  DEADLETTERS_COLLECTION,
  DEFAULT_INBOX_RETENTION_MS,
  DEFAULT_OUTBOX_RETENTION_MS,
  EVENTS_INDEXES,
  INBOX_COLLECTION,
  OUTBOX_COLLECTION,
  OUTBOX_SEQUENCE_COLLECTION,
  eventsIndexes,
  type EventsRetention,
} from "./indexes.js";
export {
  createOperations,
  operationsServiceServer,
  type OperationsApi,
  type OperationsDeps,
  type OperationsServerOptions,
} from "./operations-service.js";
export { Sleeper, backoffDelay, errorMessage, isDuplicateKeyError, type BackoffOptions } from "./util.js";
export { Outbox, toEncodedEvent, type OutboxOptions, type OutboxRecord } from "./outbox.js";
