/**
 * Calendar feed tokens: a secret URL a calendar program polls (Outlook, Google, Apple) for the caller's
 * meetings or for a series he or she manages. Only the secret's SHA-256 is kept, so neither the
 * database nor its backups can open a feed; the secret is shown once, when the token is created.
 */
import { FailedPrecondition, FieldChecks, NotFound, type Identity, type ResultCodec } from "@ministry/platform";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { FIELDS, MAX_FEED_TOKENS_PER_PERSON, MAX_LABEL_LENGTH } from "../domain/limits.js";
import type { FeedToken } from "../domain/model.js";
import { actorOf, documentCodec, type AppContext } from "./context.js";
import { assertManagesSeries, visibleSeries } from "./series.js";
import { oneLine } from "./text.js";

/** 32 random bytes, base64url without padding. */
export const SECRET_BYTES = 32;
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A feed is polled every few minutes: its last use is written at most this often. */
export const LAST_USED_GRANULARITY_MS = 60_000;
/** Revoked tokens a list shows (the newest); active ones are at most MAX_FEED_TOKENS_PER_PERSON. */
const LISTED_REVOKED = 50;

export interface NewFeedTokenInput {
  requestId?: string;
  /** Empty: the caller's own meetings. */
  seriesId: string;
  label: string;
}

export interface CreatedFeedToken {
  token: FeedToken;
  /** Empty when a retry is answered from the request log: the secret is never stored. */
  secret: string;
  path: string;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function feedTokenNotFound(): NotFound {
  return new NotFound("Không tìm thấy mã lịch / Feed token not found");
}

/** The request log keeps the token only: a retry answers it without the secret. */
const createdCodec: ResultCodec<CreatedFeedToken> = {
  toDocument: (c) => ({ token: { ...c.token } }),
  fromDocument: (d) => ({ token: d.token as FeedToken, secret: "", path: "" }),
};

export class Feeds {
  constructor(private readonly app: AppContext) {}

  async createFeedToken(identity: Identity, input: NewFeedTokenInput): Promise<CreatedFeedToken> {
    const checks = new FieldChecks();
    const label = oneLine(input.label);
    checks.length("label", label, MAX_LABEL_LENGTH, FIELDS.label);
    checks.check();
    const seriesId = oneLine(input.seriesId);
    return this.app.once(
      "CreateFeedToken",
      identity,
      { requestId: input.requestId, target: seriesId ? `series:${seriesId}` : `person:${identity.userId}`, body: input },
      createdCodec,
      async (session) => {
        let scope: FeedToken["scope"] = { kind: "person", personId: identity.userId };
        if (seriesId) {
          const series = await visibleSeries(this.app, identity, seriesId, session);
          assertManagesSeries(this.app, identity, series);
          scope = { kind: "series", seriesId: series._id };
        }
        const active = await this.app.store.feedTokens.countDocuments(
          { ownerId: identity.userId, revokedAt: { $exists: false } },
          { session },
        );
        if (active >= MAX_FEED_TOKENS_PER_PERSON)
          throw new FailedPrecondition(
            `Đã có ${MAX_FEED_TOKENS_PER_PERSON} mã lịch đang dùng; hãy thu hồi mã không dùng / ${MAX_FEED_TOKENS_PER_PERSON} feed tokens are active already; revoke one you no longer use`,
            "FEED_TOKEN_LIMIT",
            { limit: String(MAX_FEED_TOKENS_PER_PERSON) },
          );
        const secret = randomBytes(SECRET_BYTES).toString("base64url");
        const token: FeedToken = {
          _id: randomUUID(),
          hash: hashSecret(secret),
          scope,
          ownerId: identity.userId,
          label,
          createdAt: this.app.clock.now(),
        };
        await this.app.store.feedTokens.insertOne(token, { session });
        await this.app.record(session, actorOf(identity), "feed_token.created", { type: "feed_token", id: token._id }, { scope, label });
        return { token, secret, path: this.pathOf(secret) };
      },
    );
  }

  /** The caller's tokens: every active one, and the newest revoked ones. */
  async listFeedTokens(identity: Identity): Promise<FeedToken[]> {
    const [active, revoked] = await Promise.all([
      this.app.store.feedTokens
        .find({ ownerId: identity.userId, revokedAt: { $exists: false } })
        .sort({ createdAt: -1 })
        .toArray(),
      this.app.store.feedTokens
        .find({ ownerId: identity.userId, revokedAt: { $exists: true } })
        .sort({ revokedAt: -1 })
        .limit(LISTED_REVOKED)
        .toArray(),
    ]);
    return [...active, ...revoked];
  }

  /** Revokes one of the caller's tokens (another's answers NOT_FOUND, as a missing one); revoking twice changes nothing. */
  async revokeFeedToken(identity: Identity, input: { requestId?: string; id: string }): Promise<FeedToken> {
    return this.app.once(
      "RevokeFeedToken",
      identity,
      { requestId: input.requestId, target: `feed_token:${input.id}`, body: input },
      documentCodec<FeedToken>(),
      async (session) => {
        const token = await this.app.store.feedTokens.findOne({ _id: input.id }, { session });
        if (!token || token.ownerId !== identity.userId) throw feedTokenNotFound();
        if (token.revokedAt) return token;
        const revoked: FeedToken = { ...token, revokedAt: this.app.clock.now() };
        await this.app.store.feedTokens.updateOne({ _id: token._id }, { $set: { revokedAt: revoked.revokedAt } }, { session });
        await this.app.record(
          session,
          actorOf(identity),
          "feed_token.revoked",
          { type: "feed_token", id: token._id },
          { scope: token.scope },
        );
        return revoked;
      },
    );
  }

  /**
   * The token a feed's secret stands for; undefined for an unknown or revoked one. Notes its use at most
   * once a minute, so a calendar polling every few minutes does not cost a write each time.
   */
  async resolveFeed(secret: string): Promise<FeedToken | undefined> {
    if (!SECRET_PATTERN.test(secret)) return undefined;
    const token = await this.app.store.feedTokens.findOne({ hash: hashSecret(secret) });
    if (!token || token.revokedAt) return undefined;
    const now = this.app.clock.now();
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
      await this.app.store.feedTokens.updateOne({ _id: token._id, revokedAt: { $exists: false } }, { $set: { lastUsedAt: now } });
      token.lastUsedAt = now;
    }
    return token;
  }

  /** The feed's path, under the public base URL when one is configured. */
  pathOf(secret: string): string {
    const base = this.app.settings.calendarBaseUrl.replace(/\/+$/, "");
    return `${base}/calendar/${secret}.ics`;
  }
}
