/**
 * A year's work programme of an issuing body: draft while it is being put together (tasks imported),
 * approved once the Minister signs it, closed when the year's work is over.
 */
import { FailedPrecondition, InvalidArgument } from "@ministry/platform";
import { MAX_DEADLINE_YEAR, MIN_DEADLINE_YEAR } from "./deadline.js";
import { FIELD_NAMES, MAX_TITLE_LENGTH, characterCount, tooLong } from "./limits.js";
import type { ProgrammeStatus } from "./vocabulary.js";
import { PROGRAMME_STATUS_WORDS } from "./wording.js";

export interface Programme {
  id: string;
  year: number;
  issuingBody: string;
  title: string;
  status: ProgrammeStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  approvedAt?: Date;
  closedAt?: Date;
}

/** "bnv-2020": one programme per body and year, so the id is derived, and a second create is refused. */
export function programmeId(issuingBody: string, year: number): string {
  return `${issuingBody.toLowerCase()}-${year}`;
}

export function defaultProgrammeTitle(year: number): string {
  return `Chương trình công tác năm ${year}`;
}

export function newProgramme(input: { year: number; issuingBody: string; title?: string; at: Date; status?: ProgrammeStatus }): Programme {
  const violations = [];
  if (!Number.isInteger(input.year) || input.year < MIN_DEADLINE_YEAR || input.year > MAX_DEADLINE_YEAR)
    violations.push({
      field: "year",
      description: `Năm phải từ ${MIN_DEADLINE_YEAR} đến ${MAX_DEADLINE_YEAR} / Year must be ${MIN_DEADLINE_YEAR}-${MAX_DEADLINE_YEAR}`,
    });
  const body = input.issuingBody.trim();
  if (!/^[A-Za-z0-9_]{1,32}$/.test(body))
    violations.push({
      field: "issuing_body",
      description: "Mã cơ quan ban hành gồm chữ, số, gạch dưới (tối đa 32) / Issuing body: letters, digits, underscores (max 32)",
    });
  const title = (input.title ?? "").normalize("NFC").replace(/\s+/gu, " ").trim() || defaultProgrammeTitle(input.year);
  if (characterCount(title) > MAX_TITLE_LENGTH) violations.push(tooLong("title", FIELD_NAMES.programmeTitle, MAX_TITLE_LENGTH));
  if (violations.length > 0) throw new InvalidArgument(violations);
  const status = input.status ?? "draft";
  const programme: Programme = {
    id: programmeId(body, input.year),
    year: input.year,
    issuingBody: body.toUpperCase(),
    title,
    status,
    version: 0,
    createdAt: input.at,
    updatedAt: input.at,
  };
  if (status === "approved" || status === "closed") programme.approvedAt = input.at;
  if (status === "closed") programme.closedAt = input.at;
  return programme;
}

const NEXT: Record<ProgrammeStatus, ProgrammeStatus | undefined> = { draft: "approved", approved: "closed", closed: undefined };

export function changeProgrammeStatus(programme: Programme, to: ProgrammeStatus, at: Date): Programme {
  if (NEXT[programme.status] !== to) {
    const [from, next] = [PROGRAMME_STATUS_WORDS[programme.status], PROGRAMME_STATUS_WORDS[to]];
    throw new FailedPrecondition(
      `Không thể chuyển chương trình từ ${from.vi} sang ${next.vi} / Cannot move a programme from ${from.en} to ${next.en}`,
      "ILLEGAL_PROGRAMME_TRANSITION",
      { from: programme.status, to, programme_id: programme.id },
    );
  }
  const next: Programme = { ...programme, status: to, updatedAt: at };
  if (to === "approved") next.approvedAt = at;
  if (to === "closed") next.closedAt = at;
  return next;
}

/** Tasks are added while a programme is draft or approved; a closed one is history. */
export function assertAcceptsTasks(programme: Programme): void {
  if (programme.status === "closed")
    throw new FailedPrecondition("Chương trình đã kết thúc / The programme is closed", "PROGRAMME_CLOSED", { programme_id: programme.id });
}

/**
 * An import fills a programme being drafted; an approved programme takes an import only as an
 * amendment (`amend`: the Office adds tasks to the signed programme), and a closed one none.
 */
export function assertImportable(programme: Programme, options: { amend?: boolean } = {}): void {
  if (programme.status === "draft") return;
  if (programme.status === "approved" && options.amend) return;
  assertAcceptsTasks(programme);
  throw new FailedPrecondition(
    "Chỉ nhập danh sách nhiệm vụ vào chương trình đang dự thảo; để thêm nhiệm vụ vào chương trình đã phê duyệt, hãy chọn nhập bổ sung" +
      " / Only a draft programme can be imported into; to add tasks to an approved programme, import with amend",
    "PROGRAMME_NOT_DRAFT",
    { programme_id: programme.id, programme_status: programme.status },
  );
}
