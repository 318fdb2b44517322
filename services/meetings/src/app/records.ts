/**
 * The meeting's record: the minutes, and the numbered conclusions (information, decisions, and
 * directives that become tasks of their lead units once the meeting is concluded). Both are written
 * while the meeting runs or after it ended, until it is concluded.
 */
import { FieldChecks, type Identity } from "@ministry/platform";
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import { Conclusion as ProtoConclusion } from "@ministry/proto/ministry/meetings/v1/meetings";
import { assertRecordable } from "../domain/lifecycle.js";
import {
  FIELDS,
  MAX_CONCLUSION_LENGTH,
  MAX_CONCLUSIONS,
  MAX_COORDINATING_UNITS,
  MAX_ID_LENGTH,
  MAX_MINUTES_LENGTH,
  MAX_TASK_KIND_LENGTH,
  MAX_UNIT_ID_LENGTH,
} from "../domain/limits.js";
import type { Conclusion, ConclusionKind, UnitRef } from "../domain/model.js";
import { toProtoConclusion } from "../grpc/mapping.js";
import { changeWithStanding, type MeetingResult } from "./agenda.js";
import type { AppContext } from "./context.js";
import type { MeetingMutation } from "./meeting-change.js";
import { MeetingCommands } from "./meetings.js";
import { block, oneLine } from "./text.js";

export interface NewConclusionInput {
  /** Undefined: not given (refused). */
  kind?: ConclusionKind;
  content: string;
  leadUnitId: string;
  coordinatingUnitIds: string[];
  deadline?: Deadline;
  assignee: string;
  taskKind: string;
}

/** The years a deadline may name, as the tasks service accepts them. */
const MIN_DEADLINE_YEAR = 1975;
const MAX_DEADLINE_YEAR = 2100;
/** A deadline as written ("Quý II/2020"), as long as the tasks service takes it. */
const MAX_DEADLINE_TEXT_LENGTH = 64;
/**
 * The conclusions' size as `meetings.meeting.concluded` carries them (every conclusion, and each
 * directive once more as a task to create): within this, the event stays well under the broker's
 * 1 MiB message limit beside the attendance it carries too.
 */
export const MAX_CONCLUSIONS_EVENT_BYTES = 512 * 1024;

const MINUTES_WORDS = { vi: "biên bản", en: "the minutes" };
const CONCLUSIONS_WORDS = { vi: "kết luận", en: "the conclusions" };
const DEADLINE = { vi: "Thời hạn", en: "Deadline" };
const ASSIGNEE = { vi: "Người được giao", en: "Assignee" };
const TASK_KIND = { vi: "Loại nhiệm vụ", en: "Task kind" };

export class Records {
  constructor(private readonly app: AppContext) {}

  /** The secretary or another manager: the minutes (line breaks kept), until the meeting is concluded. */
  async setMinutes(identity: Identity, m: MeetingMutation, text: string): Promise<MeetingResult> {
    const checks = new FieldChecks();
    const minutes = block(text);
    checks.length("minutes", minutes, MAX_MINUTES_LENGTH, FIELDS.minutes);
    checks.check();
    return changeWithStanding(this.app, "SetMinutes", identity, m, ({ read, standing }) => {
      this.app.access.assertManage(standing);
      assertRecordable(read, MINUTES_WORDS);
      return {
        meeting: { ...read, minutes },
        action: "meeting.minutes_set",
        change: { characters: minutes.length, before: read.minutes.length },
      };
    });
  }

  /** The chair, the secretary or another manager: the conclusions, numbered 1..n in the order given. */
  async setConclusions(identity: Identity, m: MeetingMutation, items: readonly NewConclusionInput[]): Promise<MeetingResult> {
    const checks = new FieldChecks();
    const conclusions = checks.count("conclusions", items, MAX_CONCLUSIONS, FIELDS.conclusions) ? await this.check(checks, items) : [];
    if (checks.ok) {
      const size = conclusions.reduce((sum, c) => {
        const bytes = ProtoConclusion.encode(toProtoConclusion(c)).finish().length;
        return sum + (c.kind === "directive" ? 2 * bytes : bytes);
      }, 0);
      if (size > MAX_CONCLUSIONS_EVENT_BYTES)
        checks.add(
          "conclusions",
          `Các kết luận dài quá ${Math.floor(MAX_CONCLUSIONS_EVENT_BYTES / 1024)} KB tổng cộng`,
          `The conclusions are longer than ${Math.floor(MAX_CONCLUSIONS_EVENT_BYTES / 1024)} KB in all`,
        );
    }
    checks.check();
    return changeWithStanding(this.app, "SetConclusions", identity, m, ({ read, standing }) => {
      this.app.access.assertManage(standing);
      assertRecordable(read, CONCLUSIONS_WORDS);
      return {
        meeting: { ...read, conclusions },
        action: "meeting.conclusions_set",
        change: {
          count: conclusions.length,
          directives: conclusions.filter((c) => c.kind === "directive").length,
          leadUnits: [...new Set(conclusions.flatMap((c) => (c.leadUnit ? [c.leadUnit.id] : [])))],
        },
      };
    });
  }

  private async check(checks: FieldChecks, items: readonly NewConclusionInput[]): Promise<Conclusion[]> {
    const units = new Units(new MeetingCommands(this.app));
    const lookups: Promise<void>[] = [];
    const out = items.map((input, i) => {
      const at = `conclusions[${i}]`;
      const kind = input.kind;
      if (!kind)
        checks.add(
          `${at}.kind`,
          "Thiếu loại kết luận (thông tin, quyết định, chỉ đạo)",
          "The kind is required (information, decision, directive)",
        );
      const content = block(input.content);
      if (content === "") checks.add(`${at}.content`, "Thiếu nội dung kết luận", "The conclusion's content is required");
      checks.length(`${at}.content`, content, MAX_CONCLUSION_LENGTH, FIELDS.conclusion);
      const assignee = oneLine(input.assignee);
      checks.length(`${at}.assignee`, assignee, MAX_ID_LENGTH, ASSIGNEE);
      const taskKind = oneLine(input.taskKind);
      checks.length(`${at}.task_kind`, taskKind, MAX_TASK_KIND_LENGTH, TASK_KIND);
      const conclusion: Conclusion = { number: i + 1, kind: kind ?? "information", content, coordinatingUnits: [], assignee, taskKind };
      const leadUnitId = oneLine(input.leadUnitId);
      const coordinating = input.coordinatingUnitIds.map((u) => oneLine(u));
      if (kind !== "directive") {
        // Information and decisions assign nothing: what would make a task is refused, not dropped.
        const only = "Chỉ kết luận chỉ đạo có";
        const onlyEn = "Only a directive has";
        if (leadUnitId) checks.add(`${at}.lead_unit_id`, `${only} đơn vị chủ trì`, `${onlyEn} a lead unit`);
        if (coordinating.length > 0) checks.add(`${at}.coordinating_unit_ids`, `${only} đơn vị phối hợp`, `${onlyEn} coordinating units`);
        if (input.deadline?.spec) checks.add(`${at}.deadline`, `${only} thời hạn`, `${onlyEn} a deadline`);
        return conclusion;
      }
      const deadline = checkDeadline(checks, `${at}.deadline`, input.deadline);
      if (deadline !== undefined) conclusion.deadline = deadline;
      if (leadUnitId === "") checks.add(`${at}.lead_unit_id`, "Kết luận chỉ đạo cần đơn vị chủ trì", "A directive needs a lead unit");
      else
        lookups.push(
          units.ref(checks, `${at}.lead_unit_id`, leadUnitId).then((u) => {
            conclusion.leadUnit = u;
          }),
        );
      if (checks.count(`${at}.coordinating_unit_ids`, coordinating, MAX_COORDINATING_UNITS, FIELDS.units)) {
        const seen = new Set<string>();
        for (const [j, id] of coordinating.entries()) {
          const field = `${at}.coordinating_unit_ids[${j}]`;
          if (id === "" || id.length > MAX_UNIT_ID_LENGTH) checks.add(field, "Mã đơn vị không hợp lệ", "Invalid unit id");
          else if (id === leadUnitId)
            checks.add(field, "Đơn vị chủ trì không đồng thời là đơn vị phối hợp", "The lead unit is not also a coordinating unit");
          else if (seen.has(id)) checks.add(field, `Đơn vị "${id}" đã có trong danh sách`, `The unit "${id}" is listed twice`);
          else seen.add(id);
        }
        const ids = [...seen];
        lookups.push(
          Promise.all(ids.map((id) => units.ref(checks, `${at}.coordinating_unit_ids[${coordinating.indexOf(id)}]`, id))).then((refs) => {
            conclusion.coordinatingUnits = refs;
          }),
        );
      }
      return conclusion;
    });
    await Promise.all(lookups);
    return out;
  }
}

/** Units named by a request, each looked up once however often it is named. */
class Units {
  private readonly names = new Map<string, Promise<UnitRef>>();
  constructor(private readonly meetings: MeetingCommands) {}

  ref(checks: FieldChecks, field: string, id: string): Promise<UnitRef> {
    let found = this.names.get(id);
    if (!found) {
      found = this.meetings.unit(checks, field, id);
      this.names.set(id, found);
    }
    return found;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function yearOk(year: number): boolean {
  return Number.isInteger(year) && year >= MIN_DEADLINE_YEAR && year <= MAX_DEADLINE_YEAR;
}

/**
 * A deadline as the tasks service will read it, in its proto JSON form (`{"date": "2020-06-30"}`,
 * `{"quarter": {"year": 2020, "quarter": 2}}`...); undefined when none is given. Its instant is the
 * tasks service's to work out.
 */
export function checkDeadline(checks: FieldChecks, field: string, deadline: Deadline | undefined): unknown {
  const spec = deadline?.spec;
  if (!spec) return undefined;
  const bad = (at: string, vi: string, en: string) => checks.add(`${field}.${at}`, vi, en);
  const yearRange = [
    `Năm từ ${MIN_DEADLINE_YEAR} đến ${MAX_DEADLINE_YEAR}`,
    `The year is from ${MIN_DEADLINE_YEAR} to ${MAX_DEADLINE_YEAR}`,
  ] as const;
  switch (spec.$case) {
    case "text": {
      const text = oneLine(spec.value);
      if (text === "") bad("text", "Thiếu thời hạn", "The deadline is empty");
      else checks.length(`${field}.text`, text, MAX_DEADLINE_TEXT_LENGTH, DEADLINE);
      return Deadline.toJSON({ spec: { $case: "text", value: text } });
    }
    case "date": {
      const v = spec.value.trim();
      const match = DATE.exec(v);
      const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
      const d = new Date(Date.UTC(year, month - 1, day));
      if (!match || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day)
        bad("date", "Ngày không hợp lệ (YYYY-MM-DD)", "Not a valid day (YYYY-MM-DD)");
      else if (!yearOk(year)) bad("date", ...yearRange);
      return Deadline.toJSON({ spec: { $case: "date", value: v } });
    }
    case "month": {
      const { year, month } = spec.value;
      if (!yearOk(year)) bad("month.year", ...yearRange);
      if (!Number.isInteger(month) || month < 1 || month > 12) bad("month.month", "Tháng từ 1 đến 12", "The month is from 1 to 12");
      return Deadline.toJSON({ spec: { $case: "month", value: { year, month } } });
    }
    case "quarter": {
      const { year, quarter } = spec.value;
      if (!yearOk(year)) bad("quarter.year", ...yearRange);
      if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4) bad("quarter.quarter", "Quý từ 1 đến 4", "The quarter is from 1 to 4");
      return Deadline.toJSON({ spec: { $case: "quarter", value: { year, quarter } } });
    }
  }
}
