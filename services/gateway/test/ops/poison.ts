/**
 * A poison event for the ops tests: a `meetings.meeting.concluded` message with proper CloudEvents
 * headers whose body is not a MeetingConcludedEvent (wire type 7 does not exist, so protobuf decoding
 * fails). The tasks and documents services both handle that type, so each dead-letters it at once.
 */
import { randomUUID } from "node:crypto";
import { EventBus } from "@ministry/platform";

export const POISON_TYPE = "ministry.meetings.meeting.concluded.v1";

export async function injectPoison(natsUrl: string): Promise<string> {
  const bus = await EventBus.connect({ servers: natsUrl, name: "ops-test-poison" });
  const id = randomUUID();
  try {
    await bus.publishEncoded({
      id,
      type: POISON_TYPE,
      subject: "meetings.meeting.concluded",
      aggregateId: "poison-meeting",
      headers: {
        "ce-specversion": "1.0",
        "ce-id": id,
        "ce-type": POISON_TYPE,
        "ce-source": "/ministry/meetings",
        "ce-subject": "poison-meeting",
        "ce-time": new Date().toISOString(),
        "content-type": "application/protobuf",
      },
      data: new Uint8Array([0x0f, 0x0f, 0x0f, 0x0f]),
    });
  } finally {
    await bus.close();
  }
  return id;
}
