/**
 * The state of the 2020 programme as the quarterly briefing of 30 March 2020 saw it: every task due in
 * Q1 (34 of 143: 4 legal normative documents and 30 other documents) was submitted, or completed, on or
 * before its deadline — nothing overdue, nothing late — and work on the Q2 tasks is under way.
 *
 * Plausible, not the ministry's records: dates are working days (no weekend, nothing in the Tết holiday
 * of 23–29 January 2020), in Vietnam time, and all before the briefing.
 *
 * Due in Q1 and done (deadline → submitted [→ completed]):
 *   QP-05  15/02/2020   → submitted 12/02                      (Nghị quyết UBTVQH, sắp xếp ĐVHC đợt 2)
 *   QP-21  Tháng 1/2020 → submitted 17/01 → completed 05/03    (Nghị định về công tác văn thư, issued by the Government)
 *   QP-23  Tháng 3/2020 → submitted 24/03                      (Quyết định TTg, Hội đồng TĐKT Trung ương)
 *   QP-30  Tháng 2/2020 → submitted 25/02 → completed 10/03    (Thông tư, chế độ báo cáo thống kê, signed by the Minister)
 *   VB-001 15/01/2020 → 10/01; VB-002 Tháng 1 → 13/01 → 16/01; VB-003 25/03/2020 → 25/03 (on the deadline day);
 *   VB-011 Tháng 2 → 18/02 → 21/02; VB-014 Tháng 1 → 15/01 → 20/01; VB-015 Tháng 1 → 14/01 → 21/01;
 *   VB-016 Tháng 2 → 26/02; VB-017 Tháng 3 → 20/03; VB-018 Tháng 2 → 11/02 → 14/02; VB-028 Tháng 1 → 21/01 → 22/01;
 *   VB-032 Tháng 3 → 04/03 → 06/03; VB-035 15/03/2020 → 13/03; VB-043 Tháng 3 → 23/03; VB-047 Tháng 3 → 27/03;
 *   VB-050 Tháng 1 → 08/01 → 22/01; VB-054 Tháng 2 → 24/02; VB-059 Tháng 3 → 17/03 → 19/03; VB-063 20/03/2020 → 19/03;
 *   VB-066 Tháng 2 → 20/02; VB-070 Tháng 1 → 09/01 → 14/01; VB-074 31/03/2020 → 26/03; VB-080 Tháng 3 → 25/03;
 *   VB-083 Tháng 2 → 27/02; VB-085 Tháng 1 → 20/01; VB-088 Tháng 2 → 13/02 → 17/02; VB-092 Tháng 3 → 16/03;
 *   VB-097 Tháng 2 → 19/02 → 21/02; VB-098 Tháng 3 → 11/03; VB-105 Tháng 1 → 22/01; VB-108 Tháng 2 → 28/02 → 03/03.
 * Due later and already submitted: VB-091 (Đề án lưu trữ tài liệu điện tử, Quý II) on 19/03.
 * In progress: the Q2 tasks closest to their deadlines, and three strategic Q4 tasks.
 */

/** The moment the Q1 report describes: the morning of the briefing, 30 March 2020, 08:00 in Hà Nội. */
export const Q1_2020_AS_OF = new Date("2020-03-30T08:00:00+07:00");

/** Who the seed records as having entered the progress. */
export const SEED_ACTOR = "seed";

export type SeedProgressEntry =
  | { code: string; status: "in_progress"; progress: number; at: string }
  | { code: string; status: "submitted"; submittedAt: string }
  | { code: string; status: "completed"; submittedAt: string; completedAt: string };

const submitted = (code: string, submittedAt: string): SeedProgressEntry => ({ code, status: "submitted", submittedAt });
const completed = (code: string, submittedAt: string, completedAt: string): SeedProgressEntry => ({
  code,
  status: "completed",
  submittedAt,
  completedAt,
});
const working = (code: string, progress: number, at: string): SeedProgressEntry => ({ code, status: "in_progress", progress, at });

/** Times are ISO 8601 with Vietnam's offset (+07:00). */
export const PROGRESS_2020_Q1: readonly SeedProgressEntry[] = [
  // Due in Q1: legal normative documents
  submitted("QP-05", "2020-02-12T16:00:00+07:00"),
  completed("QP-21", "2020-01-17T15:30:00+07:00", "2020-03-05T17:00:00+07:00"),
  submitted("QP-23", "2020-03-24T10:00:00+07:00"),
  completed("QP-30", "2020-02-25T14:00:00+07:00", "2020-03-10T16:30:00+07:00"),
  // Due in Q1: other documents and schemes
  submitted("VB-001", "2020-01-10T16:00:00+07:00"),
  completed("VB-002", "2020-01-13T09:30:00+07:00", "2020-01-16T15:00:00+07:00"),
  submitted("VB-003", "2020-03-25T10:00:00+07:00"),
  completed("VB-011", "2020-02-18T10:00:00+07:00", "2020-02-21T16:00:00+07:00"),
  completed("VB-014", "2020-01-15T14:30:00+07:00", "2020-01-20T10:00:00+07:00"),
  completed("VB-015", "2020-01-14T09:00:00+07:00", "2020-01-21T15:00:00+07:00"),
  submitted("VB-016", "2020-02-26T15:00:00+07:00"),
  submitted("VB-017", "2020-03-20T11:00:00+07:00"),
  completed("VB-018", "2020-02-11T10:30:00+07:00", "2020-02-14T16:00:00+07:00"),
  completed("VB-028", "2020-01-21T09:00:00+07:00", "2020-01-22T11:00:00+07:00"),
  completed("VB-032", "2020-03-04T14:00:00+07:00", "2020-03-06T10:00:00+07:00"),
  submitted("VB-035", "2020-03-13T16:30:00+07:00"),
  submitted("VB-043", "2020-03-23T15:00:00+07:00"),
  submitted("VB-047", "2020-03-27T10:00:00+07:00"),
  completed("VB-050", "2020-01-08T16:00:00+07:00", "2020-01-22T17:00:00+07:00"),
  submitted("VB-054", "2020-02-24T15:30:00+07:00"),
  completed("VB-059", "2020-03-17T09:30:00+07:00", "2020-03-19T14:00:00+07:00"),
  submitted("VB-063", "2020-03-19T16:00:00+07:00"),
  submitted("VB-066", "2020-02-20T10:00:00+07:00"),
  completed("VB-070", "2020-01-09T10:00:00+07:00", "2020-01-14T16:00:00+07:00"),
  submitted("VB-074", "2020-03-26T15:00:00+07:00"),
  submitted("VB-080", "2020-03-25T16:00:00+07:00"),
  submitted("VB-083", "2020-02-27T14:00:00+07:00"),
  submitted("VB-085", "2020-01-20T15:00:00+07:00"),
  completed("VB-088", "2020-02-13T09:00:00+07:00", "2020-02-17T15:30:00+07:00"),
  submitted("VB-092", "2020-03-16T10:30:00+07:00"),
  completed("VB-097", "2020-02-19T14:00:00+07:00", "2020-02-21T09:30:00+07:00"),
  submitted("VB-098", "2020-03-11T15:00:00+07:00"),
  submitted("VB-105", "2020-01-22T10:00:00+07:00"),
  completed("VB-108", "2020-02-28T10:00:00+07:00", "2020-03-03T15:00:00+07:00"),
  // Due later, submitted early
  submitted("VB-091", "2020-03-19T15:00:00+07:00"),
  // Under way
  working("QP-01", 80, "2020-03-27T16:00:00+07:00"),
  working("QP-08", 60, "2020-03-26T16:00:00+07:00"),
  working("QP-13", 30, "2020-03-20T16:00:00+07:00"),
  working("QP-15", 50, "2020-03-25T16:00:00+07:00"),
  working("QP-17", 40, "2020-03-24T16:00:00+07:00"),
  working("QP-18", 70, "2020-03-27T16:00:00+07:00"),
  working("QP-22", 25, "2020-03-18T16:00:00+07:00"),
  working("VB-041", 75, "2020-03-27T16:00:00+07:00"),
  working("VB-060", 15, "2020-03-16T16:00:00+07:00"),
  working("VB-061", 50, "2020-03-26T16:00:00+07:00"),
  working("VB-067", 70, "2020-03-27T16:00:00+07:00"),
  working("VB-068", 60, "2020-03-27T16:00:00+07:00"),
  working("VB-075", 20, "2020-03-20T16:00:00+07:00"),
  working("VB-084", 30, "2020-03-23T16:00:00+07:00"),
  working("VB-093", 65, "2020-03-26T16:00:00+07:00"),
  working("VB-099", 60, "2020-03-27T16:00:00+07:00"),
];
