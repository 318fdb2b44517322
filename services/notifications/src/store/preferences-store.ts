import type { ClientSession, Collection, Db } from "mongodb";
import type { PreferencesDoc } from "./documents.js";
import { PREFERENCES } from "./indexes.js";

export class PreferencesStore {
  readonly collection: Collection<PreferencesDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PreferencesDoc>(PREFERENCES);
  }

  get(personId: string, session?: ClientSession): Promise<PreferencesDoc | null> {
    return this.collection.findOne({ _id: personId }, { session });
  }

  /** Of many people at once (a fan-out): only those who set any. */
  async forPeople(ids: readonly string[], session?: ClientSession): Promise<Map<string, PreferencesDoc>> {
    if (ids.length === 0) return new Map();
    const docs = await this.collection.find({ _id: { $in: [...ids] } }, { session }).toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }
}
