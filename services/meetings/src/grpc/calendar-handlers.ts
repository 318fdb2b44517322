/**
 * The gRPC handlers of series and calendar feed tokens: request checks, proto ↔ domain mapping and the
 * call into the use case. Errors are typed domain errors; the platform maps them to status codes.
 */
import { FieldChecks, requireIdentity } from "@ministry/platform";
import type { MeetingServiceServer } from "@ministry/proto/ministry/meetings/v1/meetings";
import type { Feeds } from "../app/feeds.js";
import type { SeriesCommands } from "../app/series.js";
import { FIELDS, MAX_ID_LENGTH } from "../domain/limits.js";
import { frequencyCodes, kindCodes, modeCodes } from "../domain/vocabulary.js";
import { toProtoFeedToken, toProtoSeries } from "./mapping.js";
import { optionalCode, requiredId } from "./request.js";

type CalendarHandlers = Pick<MeetingServiceServer, "createSeries" | "getSeries" | "createFeedToken" | "listFeedTokens" | "revokeFeedToken">;

export function calendarHandlers(s: { series: SeriesCommands; feeds: Feeds }): CalendarHandlers {
  return {
    createSeries: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const checks = new FieldChecks();
      const kind = optionalCode(checks, "kind", r.kind, kindCodes);
      const frequency = optionalCode(checks, "frequency", r.frequency, frequencyCodes);
      const mode = optionalCode(checks, "mode", r.mode, modeCodes);
      checks.check();
      const series = await s.series.createSeries(identity, {
        requestId: r.requestId || undefined,
        title: r.title,
        kind,
        frequency,
        firstStart: r.firstStart,
        durationMinutes: r.durationMinutes,
        count: r.count,
        chairId: r.chairId,
        secretaryId: r.secretaryId,
        organizerUnitId: r.organizerUnitId,
        mode,
        place: r.place,
      });
      return { series: toProtoSeries(series) };
    },

    getSeries: async (call) => {
      const identity = requireIdentity();
      return { series: toProtoSeries(await s.series.getSeries(identity, requiredId(call.request.id, "id"))) };
    },

    createFeedToken: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const checks = new FieldChecks();
      checks.length("series_id", r.seriesId.trim(), MAX_ID_LENGTH, FIELDS.id);
      checks.check();
      const created = await s.feeds.createFeedToken(identity, {
        requestId: r.requestId || undefined,
        seriesId: r.seriesId,
        label: r.label,
      });
      return { token: toProtoFeedToken(created.token), secret: created.secret, path: created.path };
    },

    listFeedTokens: async () => {
      const identity = requireIdentity();
      return { tokens: (await s.feeds.listFeedTokens(identity)).map(toProtoFeedToken) };
    },

    revokeFeedToken: async (call) => {
      const identity = requireIdentity();
      const r = call.request;
      const token = await s.feeds.revokeFeedToken(identity, { requestId: r.requestId || undefined, id: requiredId(r.id, "id") });
      return { token: toProtoFeedToken(token) };
    },
  };
}
