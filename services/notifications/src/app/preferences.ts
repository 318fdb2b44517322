/**
 * A person's own preferences: per category and channel (inbox, email) a mode, and quiet hours. Critical
 * notifications ignore them (domain/preferences.ts).
 */
import { Aborted, FieldChecks, type Identity } from "@ministry/platform";
import { minutesOf } from "../domain/local-time.js";
import { FIELDS, MAX_CHANNEL_PREFERENCES } from "../domain/limits.js";
import { DEFAULT_QUIET_HOURS } from "../domain/preferences.js";
import { CATEGORIES, categoryById } from "../rules/index.js";
import type { ChannelPreferenceDoc, PreferencesDoc } from "../store/documents.js";
import { PreferencesStore } from "../store/preferences-store.js";
import { plainCodec, type AppContext } from "./context.js";

export interface PreferencesInput {
  channels: ChannelPreferenceDoc[];
  quietHours: { enabled: boolean; start: string; end: string };
  expectedVersion?: number;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export class Preferences {
  readonly store: PreferencesStore;

  constructor(private readonly app: AppContext) {
    this.store = new PreferencesStore(app.db);
  }

  async get(identity: Identity): Promise<PreferencesDoc> {
    return (await this.store.get(identity.userId)) ?? this.defaults(identity.userId);
  }

  async update(identity: Identity, input: PreferencesInput, requestId?: string): Promise<PreferencesDoc> {
    const checks = new FieldChecks();
    const seen = new Set<string>();
    if (checks.count("preferences.channels", input.channels, MAX_CHANNEL_PREFERENCES, FIELDS.preferences)) {
      for (const [i, c] of input.channels.entries()) {
        const at = `preferences.channels[${i}]`;
        if (!categoryById(c.category)) {
          checks.add(
            `${at}.category`,
            `Không có nhóm thông báo "${c.category.slice(0, 64)}"`,
            `Unknown category; one of ${CATEGORIES.map((k) => k.id).join(", ")}`,
          );
        }
        if (c.channel !== "inbox" && c.channel !== "email")
          checks.add(`${at}.channel`, "Chỉ hộp thư hoặc thư điện tử", "CHANNEL_INBOX or CHANNEL_EMAIL only");
        if (c.mode === "digest" && c.channel !== "email")
          checks.add(`${at}.mode`, "Bản tổng hợp chỉ dành cho thư điện tử", "Digest applies to email only");
        const key = `${c.category}|${c.channel}`;
        if (seen.has(key)) checks.add(at, "Trùng nhóm và kênh", "The same category and channel twice");
        seen.add(key);
      }
    }
    const q = input.quietHours;
    if (q.enabled || q.start !== "" || q.end !== "") {
      if (!HHMM.test(q.start)) checks.add("preferences.quiet_hours.start", 'Giờ dạng "HH:mm"', 'A local time "HH:mm"');
      if (!HHMM.test(q.end)) checks.add("preferences.quiet_hours.end", 'Giờ dạng "HH:mm"', 'A local time "HH:mm"');
      if (q.enabled && HHMM.test(q.start) && HHMM.test(q.end) && minutesOf(q.start) === minutesOf(q.end)) {
        checks.add("preferences.quiet_hours.end", "Giờ kết thúc phải khác giờ bắt đầu", "End must differ from start");
      }
    }
    checks.check();
    const me = identity.userId;
    const quietHours =
      q.start === "" && q.end === "" ? { ...DEFAULT_QUIET_HOURS, enabled: false } : { enabled: q.enabled, start: q.start, end: q.end };
    return this.app.once(
      "UpdatePreferences",
      identity,
      { requestId, target: me, body: input },
      plainCodec<PreferencesDoc>(),
      async (session) => {
        const current = await this.store.get(me, session);
        const version = current?.version ?? 0;
        if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
          throw new Aborted("Tùy chọn đã được thay đổi / Preferences changed meanwhile", "VERSION_CONFLICT", {
            current_version: String(version),
          });
        }
        const doc: PreferencesDoc = {
          _id: me,
          channels: input.channels.map((c) => ({ category: c.category, channel: c.channel, mode: c.mode })),
          quietHours,
          version: version + 1,
          updatedAt: this.app.clock.now(),
        };
        await this.store.collection.replaceOne({ _id: me }, doc, { upsert: true, session });
        return doc;
      },
    );
  }

  private defaults(personId: string): PreferencesDoc {
    return { _id: personId, channels: [], quietHours: { ...DEFAULT_QUIET_HOURS }, version: 0, updatedAt: new Date(0) };
  }
}
