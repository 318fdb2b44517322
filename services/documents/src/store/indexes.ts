import type { CollectionIndexes } from "@ministry/platform";
import { exchangeIncomingIndexes } from "../exchange/incoming-poller.js";
import { exchangeOutgoingIndexes } from "../exchange/outgoing-queue.js";
import { attachmentIndexes } from "./attachments.js";
import { searchIndexes } from "./document-search.js";

/**
 * Per issuing body, year and series, the last number given to an outgoing document
 * (`_id` "<body>/<year>/<series>"). Every issue of a series writes its one counter document, so
 * concurrent issues conflict and the loser retries with the next number.
 */
export const NUMBER_SEQUENCES = "number_sequences";
/** Per receiving body and year, the last arrival number ("số đến") given to an incoming document. */
export const ARRIVAL_SEQUENCES = "arrival_sequences";

/** The documents themselves (the service's aggregate, with its search text and access fields). */
export const DOCUMENTS = "documents";

/** The GridFS bucket of attachments ("attachments.files", "attachments.chunks"). */
export const ATTACHMENTS_BUCKET = "attachments";

export const DOCUMENTS_INDEXES: CollectionIndexes[] = [
  // a body's series of a year (the register's numbering page); also creates the collection at start-up,
  // so the first issue's upsert never has to create it inside a transaction
  { collection: NUMBER_SEQUENCES, indexes: [{ key: { body: 1, year: 1, series: 1 }, name: "body_year_series" }] },
  { collection: ARRIVAL_SEQUENCES, indexes: [{ key: { body: 1, year: 1 }, name: "body_year" }] },
  ...attachmentIndexes(ATTACHMENTS_BUCKET),
  ...searchIndexes(DOCUMENTS),
  ...exchangeOutgoingIndexes(),
  ...exchangeIncomingIndexes(),
];
