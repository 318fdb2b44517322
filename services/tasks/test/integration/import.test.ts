/**
 * ImportProgramme over gRPC: a row-by-row report, nothing imported while a row is bad unless the caller
 * asks for the valid rows only, XLSX as well as CSV, and a second import adding nothing.
 */
import { status as Status } from "@grpc/grpc-js";
import { decodeStatusDetails } from "@ministry/platform";
import { TaskCreated } from "@ministry/proto/ministry/tasks/v1/events";
import { FileFormat, ImportProgrammeRequest, ListTasksRequest, ProgrammeStatus } from "@ministry/proto/ministry/tasks/v1/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_IMPORT_FILE_BYTES } from "../../src/domain/limits.js";
import { writeProgrammeXlsx } from "../../src/import/programme.js";
import { csv } from "../import/helpers.js";
import { startTasksHarness, type TasksHarness } from "./harness.js";

let h: TasksHarness;
let office: Awaited<ReturnType<TasksHarness["clients"]>>;

beforeAll(async () => {
  h = await startTasksHarness();
  office = await h.clients({ sub: "vp-chief", name: "Chánh Văn phòng", roles: ["office_chief"], unit: "VP" });
  await office.programmes.createProgramme({
    requestId: "",
    year: 2022,
    issuingBody: "",
    title: "Chương trình công tác năm 2022 của Bộ Nội vụ",
  });
});

afterAll(async () => {
  await h?.stop();
});

const file = csv(
  "NV-01,Nghị định về vị trí việc làm,Nghị định,Chính phủ,Vụ Tổ chức - Biên chế,Vụ Pháp chế,Quý II/2022,Cao,,",
  "NV-02,Báo cáo tổng kết công tác cải cách hành chính,Báo cáo,Thủ tướng Chính phủ,Vụ Cải cách hành chính,,31/02/2022,,,",
  "NV-03,Thông tư hướng dẫn chế độ báo cáo,Thông tư,Bộ trưởng,Vụ Không Có,,Tháng 9/2022,,,",
  "NV-04,Đề án tinh giản biên chế,Đề án,Thủ tướng Chính phủ,Vụ Tổ chức - Biên chế,,Tháng 12/2022,,,",
);

const tasksIn = async (programmeId: string) =>
  (await office.tasks.listTasks(ListTasksRequest.fromPartial({ programmeId, page: { pageSize: 500, pageToken: "" } }))).page!.totalSize;

describe("ImportProgramme", () => {
  it("reports every bad row with its line and reason, and imports nothing", async () => {
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_CSV, content: Buffer.from(file) }),
    );
    expect(res).toMatchObject({ validRows: 2, invalidRows: 2, imported: 0 });
    expect(res.rows.map((r) => [r.line, r.valid])).toEqual([
      [2, true],
      [3, false],
      [4, false],
      [5, true],
    ]);
    const bad = res.rows.find((r) => r.line === 3)!;
    expect(bad.errors.map((e) => e.field)).toEqual(["deadlineText"]);
    expect(bad.errors[0].message).toContain("/");
    expect(res.rows.find((r) => r.line === 4)!.errors.map((e) => e.field)).toEqual(["leadUnit"]);
    expect(await tasksIn("bnv-2022")).toBe("0");
  });

  it("a dry run with valid_rows_only imports nothing either", async () => {
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({
        programmeId: "bnv-2022",
        format: FileFormat.FILE_FORMAT_CSV,
        content: Buffer.from(file),
        validRowsOnly: true,
        dryRun: true,
      }),
    );
    expect(res.imported).toBe(0);
    expect(await tasksIn("bnv-2022")).toBe("0");
  });

  it("imports the valid rows when asked, publishing created events, and a second import adds nothing", async () => {
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({
        programmeId: "bnv-2022",
        format: FileFormat.FILE_FORMAT_CSV,
        content: Buffer.from(file),
        validRowsOnly: true,
      }),
    );
    expect(res.imported).toBe(2);
    expect(res.rows.find((r) => r.line === 2)!.taskId).toBe("bnv-2022-nv-01");
    expect(await tasksIn("bnv-2022")).toBe("2");
    const { task } = await office.tasks.getTask({ id: "bnv-2022-nv-01" });
    expect(task).toMatchObject({ code: "NV-01", kind: "NGHI_DINH", authority: "CHINH_PHU", leadUnit: "TCBC", coordinatingUnits: ["PC"] });
    expect(task!.deadline!.label!.vi).toBe("Quý II/2022");
    await h.until(
      () =>
        h.eventsOf("tasks.task.created", TaskCreated).filter((e) => e.data.task!.programmeId === "bnv-2022").length === 2
          ? true
          : undefined,
      "two created events",
    );

    const again = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({
        programmeId: "bnv-2022",
        format: FileFormat.FILE_FORMAT_CSV,
        content: Buffer.from(file),
        validRowsOnly: true,
      }),
    );
    expect(again).toMatchObject({ imported: 0, skippedExisting: 2 });
    expect(await tasksIn("bnv-2022")).toBe("2");
  });

  it("reads XLSX, and exports the programme back in the same format", async () => {
    const xlsx = await writeProgrammeXlsx([
      {
        code: "NV-10",
        title: "Kế hoạch triển khai Luật Thanh niên",
        kindCode: "KE_HOACH",
        authority: "BO_TRUONG",
        leadUnit: "CTTN",
        deadlineText: "Tháng 7/2022",
      },
    ]);
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_XLSX, content: Buffer.from(xlsx) }),
    );
    expect(res).toMatchObject({ validRows: 1, invalidRows: 0, imported: 1 });
    const exported = await office.programmes.exportProgramme({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_CSV });
    const text = Buffer.from(exported.file!.content).toString("utf8");
    expect(text).toContain("NV-10");
    expect(text).toContain("Kế hoạch triển khai Luật Thanh niên");
    expect(exported.file!.contentType).toBe("text/csv; charset=utf-8");
  });

  it("imports codes that differ only in punctuation or Vietnamese letters as separate tasks", async () => {
    await office.programmes.createProgramme({ requestId: "", year: 2023, issuingBody: "", title: "" });
    const codes = ["1.1", "1-1", "Đ-1", "D-1"];
    const content = csv(...codes.map((code) => `${code},Nhiệm vụ ${code},Báo cáo,Bộ trưởng,Văn phòng Bộ,,Quý IV/2023,,,`));
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2023", format: FileFormat.FILE_FORMAT_CSV, content: Buffer.from(content) }),
    );
    expect(res).toMatchObject({ validRows: 4, imported: 4, skippedExisting: 0 });
    expect(new Set(res.rows.map((r) => r.taskId)).size).toBe(4);
    expect(await tasksIn("bnv-2023")).toBe("4");
  });

  it("refuses an upload over 3 MiB before it is parsed, naming the file", async () => {
    const tooLarge = Buffer.concat([Buffer.from(file), Buffer.alloc(MAX_IMPORT_FILE_BYTES, "\n")]);
    const err = await office.programmes
      .importProgramme(
        ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_XLSX, content: tooLarge }),
      )
      .then(
        () => {
          throw new Error("expected a refusal");
        },
        (e: unknown) => e as { code: number },
      );
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(err as never)!.badRequest!.fieldViolations).toEqual([
      { field: "content", description: "Tệp lớn hơn 3145728 byte (3 MiB) / The file is larger than 3145728 bytes (3 MiB)" },
    ]);
  });

  it("refuses a file without the required headings, and an approved programme", async () => {
    const noHeadings = Buffer.from("a,b,c\r\n1,2,3");
    const err = await office.programmes
      .importProgramme(
        ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_CSV, content: noHeadings }),
      )
      .then(
        () => {
          throw new Error("expected a refusal");
        },
        (e: unknown) => e as { code: number },
      );
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(err as never)!.badRequest!.fieldViolations.map((v) => v.field)).toContain("content");

    await office.programmes.changeProgrammeStatus({
      requestId: "",
      id: "bnv-2022",
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
      expectedVersion: undefined,
    });
    const refused = await office.programmes
      .importProgramme(
        ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_CSV, content: Buffer.from(file) }),
      )
      .then(
        () => {
          throw new Error("expected a refusal");
        },
        (e: unknown) => e as { code: number },
      );
    expect(refused.code).toBe(Status.FAILED_PRECONDITION);
    expect(decodeStatusDetails(refused as never)!.errorInfo!.reason).toBe("PROGRAMME_NOT_DRAFT");
  });
});
