/**
 * What the simulated Government Office holds: the packets the ministry sent it (each stored once under
 * its idempotency key) and each organ's inbox. In memory; with a data directory, also in one JSON file
 * written (atomically) before a request is answered, so a restart keeps everything.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export type PacketKind = "package" | "status";

/** A packet the ministry sent to the Government Office. */
export interface ReceivedPacket {
  id: string;
  kind: PacketKind;
  idempotencyKey: string;
  sha256: string;
  /** Package: its DocumentId; status: the DocumentId it answers. */
  documentId: string;
  from: string;
  /** Package: the recipients; status: the organ of the document it answers. */
  to: string[];
  subject?: string;
  statusCode?: string;
  receivedAt: string;
  /** How many times it was posted, retries included (1 when no retry reached it). */
  posts: number;
  data: string;
}

/** A packet waiting in (or taken from) an organ's inbox. */
export interface InboxEntry {
  id: string;
  organ: string;
  cursor: number;
  kind: PacketKind;
  /** "admin" (handed in by a test or the deliver command) or "reply" (made by the simulator itself). */
  source: "admin" | "reply";
  documentId?: string;
  statusCode?: string;
  subject?: string;
  deliveredAt: string;
  ackedAt?: string;
  data: string;
}

interface Snapshot {
  version: 1;
  lastCursor: number;
  received: ReceivedPacket[];
  inbox: InboxEntry[];
}

const EMPTY: Snapshot = { version: 1, lastCursor: 0, received: [], inbox: [] };

export type Recorded =
  | { outcome: "stored"; packet: ReceivedPacket }
  | { outcome: "duplicate"; packet: ReceivedPacket }
  | { outcome: "conflict"; packet: ReceivedPacket };

export class SimulatorState {
  private snapshot: Snapshot = structuredClone(EMPTY);
  private byKey = new Map<string, ReceivedPacket>();
  private byId = new Map<string, InboxEntry>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string | undefined) {}

  static async open(dataDir: string | undefined): Promise<SimulatorState> {
    if (!dataDir) return new SimulatorState(undefined);
    await mkdir(dataDir, { recursive: true });
    const state = new SimulatorState(path.join(dataDir, "exchange-simulator.json"));
    const text = await readFile(state.file!, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (text !== undefined) state.load(JSON.parse(text) as Snapshot);
    return state;
  }

  private load(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.byKey = new Map(snapshot.received.map((p) => [p.idempotencyKey, p]));
    this.byId = new Map(snapshot.inbox.map((e) => [e.id, e]));
  }

  /**
   * Stores a packet unless its key is known: the same bytes again are a duplicate (nothing stored), other
   * bytes under a known key a conflict.
   */
  async record(fields: Omit<ReceivedPacket, "id" | "sha256" | "receivedAt" | "posts" | "data">, bytes: Buffer): Promise<Recorded> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const known = this.byKey.get(fields.idempotencyKey);
    if (known) {
      if (known.sha256 !== sha256) return { outcome: "conflict", packet: known };
      known.posts += 1;
      await this.persist();
      return { outcome: "duplicate", packet: known };
    }
    const packet: ReceivedPacket = {
      ...fields,
      id: randomUUID(),
      sha256,
      receivedAt: new Date().toISOString(),
      posts: 1,
      data: bytes.toString("base64"),
    };
    this.snapshot.received.push(packet);
    this.byKey.set(packet.idempotencyKey, packet);
    await this.persist();
    return { outcome: "stored", packet };
  }

  received(): ReceivedPacket[] {
    return [...this.snapshot.received];
  }

  async deliver(entries: Omit<InboxEntry, "id" | "cursor" | "deliveredAt">[]): Promise<InboxEntry[]> {
    const delivered = entries.map((fields) => {
      const entry: InboxEntry = { ...fields, id: randomUUID(), cursor: ++this.snapshot.lastCursor, deliveredAt: new Date().toISOString() };
      this.snapshot.inbox.push(entry);
      this.byId.set(entry.id, entry);
      return entry;
    });
    await this.persist();
    return delivered;
  }

  /** Items not yet acknowledged, after `after`, in cursor order. */
  waiting(organ: string, after: number, limit: number): InboxEntry[] {
    const found: InboxEntry[] = [];
    for (const e of this.snapshot.inbox) {
      if (found.length >= limit) break;
      if (e.organ === organ && e.cursor > after && !e.ackedAt) found.push(e);
    }
    return found;
  }

  inbox(organ?: string): InboxEntry[] {
    return this.snapshot.inbox.filter((e) => organ === undefined || e.organ === organ);
  }

  entry(id: string): InboxEntry | undefined {
    return this.byId.get(id);
  }

  /** Marks an item taken; taking it again changes nothing. Undefined for an unknown id. */
  async ack(id: string): Promise<InboxEntry | undefined> {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    if (!entry.ackedAt) {
      entry.ackedAt = new Date().toISOString();
      await this.persist();
    }
    return entry;
  }

  async reset(): Promise<void> {
    // The cursor keeps growing across a reset, so a receiver's saved cursor never skips new items.
    this.load({ ...structuredClone(EMPTY), lastCursor: this.snapshot.lastCursor });
    await this.persist();
  }

  /** Waits for the writes under way (before stopping). */
  flushed(): Promise<void> {
    return this.writing.catch(() => undefined);
  }

  /** Writes are chained so they land in order; each writes a temporary file and renames it over the old one. */
  private persist(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const text = JSON.stringify(this.snapshot);
    // A failed write fails its own request only; the next one writes the whole state again.
    const write = this.writing
      .catch(() => undefined)
      .then(async () => {
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, text, "utf8");
        await rename(temporary, file);
      });
    this.writing = write;
    return write;
  }
}
