/**
 * What this service does with other services' events. Each handler runs in the consumer's transaction
 * with the inbox record of the event (see @ministry/platform events), so a redelivery is a no-op, and
 * the intake keys its own effects on the source so a re-published event is one too.
 */
import type { EventConsumer } from "@ministry/platform";
import type { Services } from "../app/index.js";
import { DocumentIssuedEvent, DocumentReceivedEvent, MeetingConcludedEvent } from "./definitions.js";

export function registerConsumers(consumer: (producer: string, filterSubject: string) => EventConsumer, s: Services): void {
  consumer("meetings", "meetings.meeting.*").on(MeetingConcludedEvent, async (event, session) => {
    await s.intake.meetingConcluded(event.data, session);
  });
  consumer("documents", "documents.document.*")
    .on(DocumentIssuedEvent, async (event, session) => {
      await s.intake.documentIssued(event.data, session);
    })
    .on(DocumentReceivedEvent, async (event, session) => {
      await s.intake.documentReceived(event.data, session);
    });
}
