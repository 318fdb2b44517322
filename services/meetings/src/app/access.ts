/**
 * Who may see and change a meeting. The chair, the secretary and the organising unit's office (its
 * head and staff; the Chief of the Office and admins for every meeting) manage it; a site's host
 * manages that site's attendance; participants see what they are invited to, answer their invitation,
 * check themselves in and take part in the discussion; the Minister and the Deputy Ministers see every
 * meeting. Everything else is PERMISSION_DENIED.
 *
 * Permission before existence: `assertMayCreate` depends on the caller only; a meeting the caller may
 * not see is answered exactly as a missing one (NOT_FOUND, naming nothing), and only a caller who sees
 * it learns by PERMISSION_DENIED that he or she may not change it.
 */
import { NotFound, PermissionDenied, type Identity, type Role } from "@ministry/platform";
import type { Meeting, Participant, Site } from "../domain/model.js";

export interface AccessPolicy {
  officeUnitId: string;
}

function has(identity: Identity, roles: readonly Role[]): boolean {
  return identity.roles.some((r) => roles.includes(r));
}

function deny(vi: string, en: string): PermissionDenied {
  return new PermissionDenied(`${vi} / ${en}`);
}

export function meetingNotFound(): NotFound {
  return new NotFound("Không tìm thấy cuộc họp / Meeting not found");
}

/** What the caller is to a meeting, worked out once per request. */
export interface Standing {
  manages: boolean;
  /** Sees the meeting without being part of it (the leadership). */
  oversees: boolean;
  participant?: Participant;
  /** The sites the caller hosts. */
  hostOf: string[];
}

export class Access {
  constructor(private readonly policy: AccessPolicy) {}

  get officeUnitId(): string {
    return this.policy.officeUnitId;
  }

  /** Organises meetings of `unitId`: its head and staff (the Office's for the Office's meetings). */
  private organizes(identity: Identity, unitId: string): boolean {
    return has(identity, ["unit_head", "staff"]) && identity.unitId === unitId;
  }

  /** Admins and the Chief of the Office manage every meeting. */
  managesAll(identity: Identity): boolean {
    return has(identity, ["admin", "office_chief"]);
  }

  manages(identity: Identity, meeting: Pick<Meeting, "chair" | "secretary" | "organizerUnit">): boolean {
    if (this.managesAll(identity)) return true;
    if (meeting.chair.personId === identity.userId || meeting.secretary?.personId === identity.userId) return true;
    return this.organizes(identity, meeting.organizerUnit.id);
  }

  oversees(identity: Identity): boolean {
    return has(identity, ["minister", "deputy_minister"]) || this.managesAll(identity);
  }

  /** Creating a meeting (checked before the request is read): leaders, the Office, unit heads, admins. */
  assertMayCreate(identity: Identity): void {
    if (has(identity, ["minister", "deputy_minister", "office_chief", "admin", "unit_head"])) return;
    if (this.organizes(identity, this.policy.officeUnitId)) return;
    throw deny("Không có quyền tạo cuộc họp", "Not allowed to create meetings");
  }

  /** The unit a new meeting is organised by: the Office by default; a unit head's own unit for a unit head outside it. */
  assertOrganizer(identity: Identity, unitId: string): void {
    if (has(identity, ["minister", "deputy_minister", "office_chief", "admin"])) return;
    if (this.organizes(identity, this.policy.officeUnitId)) return;
    if (identity.unitId === unitId) return;
    throw deny("Chỉ được tổ chức cuộc họp của đơn vị mình", "A unit head organises only his or her own unit's meetings");
  }

  canSee(s: Standing): boolean {
    return s.manages || s.oversees || s.participant !== undefined || s.hostOf.length > 0;
  }

  assertManage(s: Standing): void {
    if (s.manages) return;
    throw deny(
      "Chỉ chủ trì, thư ký và đơn vị tổ chức được quản lý cuộc họp",
      "Only the chair, the secretary and the organising office manage the meeting",
    );
  }

  /** Checking someone in or out at `site`: the person himself or herself, the site's host, or a manager. */
  assertAttendance(identity: Identity, s: Standing, personId: string, site: Pick<Site, "siteId" | "host">): void {
    if (s.manages || personId === identity.userId) return;
    if (site.host?.personId === identity.userId) return;
    throw deny("Chỉ người chủ trì điểm cầu được điểm danh người khác", "Only the site's host checks other people in");
  }

  /** Answering an invitation: the invitee, or a manager for him or her. */
  assertRespond(identity: Identity, s: Standing, personId: string): void {
    if (s.manages || personId === identity.userId) return;
    throw deny("Chỉ người được mời được trả lời lời mời", "Only the invitee answers the invitation");
  }

  /** Taking part in the discussion: participants, site hosts and managers. */
  assertTakePart(s: Standing): void {
    if (s.manages || s.participant !== undefined || s.hostOf.length > 0) return;
    throw deny("Chỉ thành phần dự họp được phát biểu, góp ý", "Only participants speak and comment");
  }

  /** Reading the attendance sheet: managers and leaders see all; a site host sees his or her site. */
  assertReadSheet(s: Standing, siteId: string | undefined): void {
    if (s.manages || s.oversees) return;
    if (siteId !== undefined && s.hostOf.includes(siteId)) return;
    throw deny("Không có quyền xem danh sách điểm danh", "Not allowed to read the attendance sheet");
  }

  myPermissions(s: Standing): string[] {
    const out: string[] = [];
    if (s.manages) out.push("manage");
    if (s.manages || s.hostOf.length > 0) out.push("check_in_others");
    if (s.participant) out.push("respond");
    if (s.manages || s.participant || s.hostOf.length > 0) out.push("comment");
    return out;
  }
}
