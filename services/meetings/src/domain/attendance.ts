import type { AttendanceState, Participant } from "./model.js";

/**
 * How a participant reads on the sheet: present once checked in (kept after leaving); a delegator as
 * delegated; a decline as absent with leave; otherwise absent without leave.
 */
export function attendanceOf(p: Pick<Participant, "firstCheckIn" | "response">): AttendanceState {
  if (p.firstCheckIn) return "present";
  if (p.response === "delegated") return "delegated";
  if (p.response === "declined") return "absent_with_leave";
  return "absent_without_leave";
}
