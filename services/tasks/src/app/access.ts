/**
 * Who may see and change what. Unit heads and staff work on their own unit's tasks (the tasks it
 * leads; it sees those it coordinates too); the Ministry Office, the Minister and the deputies see and
 * manage every task; deciding a deadline change and withdrawing a task need their configured roles.
 * Everything else is PERMISSION_DENIED.
 *
 * Permission comes before existence. The `assertMay…` checks depend on the caller only and run before
 * anything is looked up; a task or snapshot the caller may not see is then answered exactly as a
 * missing one (NOT_FOUND, one message that names nothing). Only a caller who may see a thing learns,
 * by PERMISSION_DENIED, that it may not change it.
 */
import { PermissionDenied, roleTitles, type Identity, type Role } from "@ministry/platform";
import type { Filter } from "mongodb";
import type { Task } from "../domain/task.js";
import { DEFAULT_UNITS, type UnitDef } from "../domain/vocabulary.js";
import { taskWords, unitWords, type Words } from "../domain/wording.js";
import type { TaskDocument } from "../store/documents.js";

export interface AccessPolicy {
  officeUnitId: string;
  deadlineDeciderRoles: readonly string[];
  withdrawRoles: readonly string[];
  /** The units, so a refusal names a unit by its name (DEFAULT_UNITS unless given). */
  units?: readonly UnitDef[];
}

const LEADERS: readonly Role[] = ["minister", "deputy_minister"];

function has(identity: Identity, roles: readonly string[]): boolean {
  return identity.roles.some((r) => roles.includes(r));
}

function deny(vi: string, en: string): PermissionDenied {
  return new PermissionDenied(`${vi} / ${en}`);
}

export class Access {
  constructor(private readonly policy: AccessPolicy) {}

  private unit(id: string): Words {
    return unitWords(this.policy.units ?? DEFAULT_UNITS, id);
  }

  /** A unit head or staff member: works on their unit's tasks. */
  private unitMember(identity: Identity): boolean {
    return has(identity, ["unit_head", "staff"]) && identity.unitId !== undefined;
  }

  /** The Minister, the deputies, the Office (its chief, heads and staff) and administrators. */
  managesAll(identity: Identity): boolean {
    if (has(identity, [...LEADERS, "office_chief", "admin"])) return true;
    return this.unitMember(identity) && identity.unitId === this.policy.officeUnitId;
  }

  seesAll(identity: Identity): boolean {
    return this.managesAll(identity) || (has(identity, ["clerk"]) && identity.unitId === this.policy.officeUnitId);
  }

  /** The filter restricting a query to what the caller may see; empty for those who see everything. */
  visibleTasks(identity: Identity): Filter<TaskDocument> {
    if (this.seesAll(identity)) return {};
    const unit = this.readerUnit(identity);
    return { $or: [{ leadUnit: unit }, { coordinatingUnits: unit }] };
  }

  /** The unit a unit-scoped reader is confined to; PERMISSION_DENIED for a caller who reads no task. */
  readerUnit(identity: Identity): string {
    if (has(identity, ["unit_head", "staff", "clerk"]) && identity.unitId) return identity.unitId;
    throw deny("Không có quyền xem nhiệm vụ", "Not allowed to read tasks");
  }

  /** "all" for those who see everything, else the reader's unit; PERMISSION_DENIED for those who read nothing. */
  private readerUnitOrAll(identity: Identity): string | "all" {
    return this.seesAll(identity) ? "all" : this.readerUnit(identity);
  }

  canRead(identity: Identity, task: Pick<Task, "leadUnit" | "coordinatingUnits">): boolean {
    if (this.seesAll(identity)) return true;
    if (!has(identity, ["unit_head", "staff", "clerk"]) || !identity.unitId) return false;
    return task.leadUnit === identity.unitId || task.coordinatingUnits.includes(identity.unitId);
  }

  /** Whether the caller may read any task at all (checked before a task is looked up). */
  assertMayReadTasks(identity: Identity): void {
    this.readerUnitOrAll(identity);
  }

  /** Progress, submission, completion, documents, deadline requests of some task: the Office, leaders, unit heads and staff. */
  assertMayChangeTasks(identity: Identity): void {
    if (this.managesAll(identity) || this.unitMember(identity)) return;
    throw deny("Không có quyền cập nhật nhiệm vụ", "Not allowed to change tasks");
  }

  /** Assigning some task: the Office, leaders and unit heads. */
  assertMayAssign(identity: Identity): void {
    if (this.managesAll(identity) || (has(identity, ["unit_head"]) && identity.unitId !== undefined)) return;
    throw deny("Không có quyền phân công nhiệm vụ", "Not allowed to assign tasks");
  }

  /** Reading a unit's figures (dashboard, unit report): its own people, or those who see all. */
  assertReadUnit(identity: Identity, unitId: string): void {
    if (this.seesAll(identity)) return;
    if (this.readerUnit(identity) !== unitId) {
      const unit = this.unit(unitId);
      throw deny(`Không có quyền xem số liệu của ${unit.vi}`, `Not allowed to read the figures of ${unit.en}`);
    }
  }

  /**
   * Progress, submission, completion, document links, deadline-change requests, on a task the caller
   * sees (so naming its lead unit tells it nothing new).
   */
  assertChange(identity: Identity, task: Pick<Task, "code" | "title" | "leadUnit">): void {
    if (this.managesAll(identity)) return;
    if (this.unitMember(identity) && identity.unitId === task.leadUnit) return;
    const [unit, named] = [this.unit(task.leadUnit), taskWords(task)];
    throw deny(`Chỉ đơn vị chủ trì (${unit.vi}) được cập nhật ${named.vi}`, `Only the lead unit (${unit.en}) may change ${named.en}`);
  }

  /** Whether the caller may create tasks at all (checked before the request is, so others learn nothing). */
  assertMayCreateTasks(identity: Identity): void {
    if (this.managesAll(identity) || (has(identity, ["unit_head"]) && identity.unitId !== undefined)) return;
    throw deny("Không có quyền giao nhiệm vụ", "Not allowed to create tasks");
  }

  /** Creating a task led by `leadUnit`: that unit's head, or those who manage all. */
  assertCreate(identity: Identity, leadUnit: string): void {
    if (this.managesAll(identity)) return;
    if (has(identity, ["unit_head"]) && identity.unitId !== undefined && identity.unitId === leadUnit) return;
    const unit = this.unit(leadUnit);
    throw deny(`Không có quyền giao nhiệm vụ cho ${unit.vi}`, `Not allowed to create a task for ${unit.en}`);
  }

  /** The assignee: the lead unit's head; the units themselves: the Office and leaders only. */
  assertAssign(identity: Identity, task: Pick<Task, "leadUnit">, changesUnits: boolean): void {
    if (this.managesAll(identity)) return;
    if (!changesUnits && has(identity, ["unit_head"]) && identity.unitId === task.leadUnit) return;
    const unit = this.unit(task.leadUnit);
    throw deny(
      changesUnits ? "Chỉ Văn phòng Bộ và Lãnh đạo Bộ được thay đổi đơn vị" : `Chỉ lãnh đạo ${unit.vi} được phân công`,
      changesUnits ? "Only the Office and the leadership may change units" : `Only the head of ${unit.en} may assign`,
    );
  }

  assertManageProgrammes(identity: Identity): void {
    if (!this.managesAll(identity))
      throw deny("Chỉ Văn phòng Bộ và Lãnh đạo Bộ quản lý chương trình công tác", "Only the Office and the leadership manage programmes");
  }

  /** Whether the caller may read any report snapshot at all (checked before one is looked up). */
  assertMayReadSnapshots(identity: Identity): void {
    this.readerUnitOrAll(identity);
  }

  /** A snapshot of one unit's figures (or of every unit's, `unitId` undefined). */
  canReadSnapshot(identity: Identity, unitId: string | undefined): boolean {
    if (this.seesAll(identity)) return true;
    return unitId !== undefined && has(identity, ["unit_head", "staff", "clerk"]) && identity.unitId === unitId;
  }

  assertReadProgrammes(identity: Identity): void {
    if (this.seesAll(identity) || (has(identity, ["unit_head", "staff", "clerk"]) && identity.unitId)) return;
    throw deny("Không có quyền xem chương trình công tác", "Not allowed to read programmes");
  }

  assertDecideDeadline(identity: Identity): void {
    if (!has(identity, this.policy.deadlineDeciderRoles)) {
      const titles = roleTitles(this.policy.deadlineDeciderRoles);
      throw deny(`Chỉ ${titles.vi} được quyết định lùi thời hạn`, `Only ${titles.en} may decide a deadline change`);
    }
  }

  get deadlineDeciderRoles(): readonly string[] {
    return this.policy.deadlineDeciderRoles;
  }

  assertWithdraw(identity: Identity): void {
    if (!has(identity, this.policy.withdrawRoles)) {
      const titles = roleTitles(this.policy.withdrawRoles);
      throw deny(`Chỉ ${titles.vi} được rút nhiệm vụ khỏi chương trình`, `Only ${titles.en} may withdraw a task`);
    }
  }

  /** Freezing a report for a meeting is the Office's and the leadership's. */
  assertSnapshot(identity: Identity): void {
    if (!this.managesAll(identity))
      throw deny("Chỉ Văn phòng Bộ và Lãnh đạo Bộ chốt số liệu báo cáo", "Only the Office and the leadership freeze reports");
  }
}
