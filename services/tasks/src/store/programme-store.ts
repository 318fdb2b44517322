import { Aborted, AlreadyExists, isDuplicateKeyError, keysetPage, NotFound, type PageRequest } from "@ministry/platform";
import type { ClientSession, Collection, Db, Document, Filter } from "mongodb";
import type { Programme } from "../domain/programme.js";
import { withoutEmpty } from "./documents.js";
import { PROGRAMMES } from "./indexes.js";

type ProgrammeDocument = Omit<Programme, "id"> & { _id: string };

function toDocument(p: Programme): ProgrammeDocument {
  const { id, ...rest } = p;
  return withoutEmpty({ _id: id, ...rest });
}

function fromDocument(doc: ProgrammeDocument): Programme {
  const { _id, ...rest } = withoutEmpty(doc);
  return { id: _id, ...rest };
}

export class ProgrammeStore {
  readonly collection: Collection<ProgrammeDocument>;

  constructor(db: Db) {
    this.collection = db.collection<ProgrammeDocument>(PROGRAMMES);
  }

  async get(id: string, session?: ClientSession): Promise<Programme | undefined> {
    const doc = await this.collection.findOne({ _id: id }, { session });
    return doc ? fromDocument(doc) : undefined;
  }

  async require(id: string, session?: ClientSession): Promise<Programme> {
    const p = await this.get(id, session);
    if (!p) throw new NotFound(`Không có chương trình công tác ${id} / No programme ${id}`);
    return p;
  }

  async insert(p: Programme, session?: ClientSession): Promise<Programme> {
    const stored = { ...p, version: 1 };
    try {
      await this.collection.insertOne(toDocument(stored), { session });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      throw new AlreadyExists(
        `Đã có chương trình công tác năm ${p.year} của ${p.issuingBody} / ${p.issuingBody} already has a programme for ${p.year}`,
        "PROGRAMME_EXISTS",
        { programme_id: p.id },
      );
    }
    return stored;
  }

  async save(read: Programme, next: Programme, session?: ClientSession): Promise<Programme> {
    const stored = { ...next, version: read.version + 1 };
    const result = await this.collection.replaceOne({ _id: read.id, version: read.version }, toDocument(stored), { session });
    if (result.matchedCount === 0) {
      throw programmeVersionConflict(read.id, (await this.require(read.id, session)).version);
    }
    return stored;
  }

  /** A page of programmes, newest year first (keyset pages: see the platform's pagination). */
  async list(
    filter: Filter<ProgrammeDocument>,
    page: PageRequest,
    now: Date,
  ): Promise<{ items: Programme[]; total: number; nextPageToken: string }> {
    const sort = [
      ["year", -1],
      ["issuingBody", 1],
    ] as const;
    const result = await keysetPage(this.collection, { list: "programmes", filter: filter as Filter<Document>, sort }, page, { now });
    return { items: result.items.map(fromDocument), total: result.totalSize, nextPageToken: result.nextPageToken };
  }
}

export function programmeVersionConflict(id: string, currentVersion: number): Aborted {
  return new Aborted(
    `Chương trình ${id} đã được người khác cập nhật (phiên bản ${currentVersion}); hãy tải lại / Programme ${id} was changed by someone else (version ${currentVersion}); reload it`,
    "VERSION_CONFLICT",
    { current_version: String(currentVersion), programme_id: id },
  );
}
