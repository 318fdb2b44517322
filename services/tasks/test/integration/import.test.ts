/**
 * ImportProgramme over gRPC: a row-by-row report, nothing imported while a row is bad unless the caller
 * asks for the valid rows only, XLSX as well as CSV, and a second import adding nothing.
 */
import { status as Status, type ServiceError } from "@grpc/grpc-js";
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

/** The error a call fails with; fails the test if the call succeeds. */
const refused = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => e as ServiceError,
  );

const tasksIn = async (programmeId: string) =>
  (await office.tasks.listTasks(ListTasksRequest.fromPartial({ programmeId, page: { pageSize: 500, pageToken: "" } }))).page!.totalSize;

describe("ImportProgramme", () => {
  it("a dry run reports every row with its line, code and reason, the columns named by their headings", async () => {
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({
        programmeId: "bnv-2022",
        format: FileFormat.FILE_FORMAT_CSV,
        content: Buffer.from(file),
        dryRun: true,
      }),
    );
    expect(res).toMatchObject({ validRows: 2, invalidRows: 2, imported: 0 });
    expect(res.rows.map((r) => [r.line, r.valid, r.code])).toEqual([
      [2, true, "NV-01"],
      [3, false, "NV-02"],
      [4, false, "NV-03"],
      [5, true, "NV-04"],
    ]);
    const bad = res.rows.find((r) => r.line === 3)!;
    expect(bad.errors).toEqual([
      { field: "Thời hạn (Deadline)", message: 'Ngày không tồn tại: "31/02/2022" / No such date: "31/02/2022"' },
    ]);
    expect(res.rows.find((r) => r.line === 4)!.errors.map((e) => e.field)).toEqual(["Đơn vị chủ trì (Lead unit)"]);
    expect(await tasksIn("bnv-2022")).toBe("0");
  });

  it("a strict import with bad rows is INVALID_ARGUMENT, every row error in the details, and imports nothing", async () => {
    const err = await refused(
      office.programmes.importProgramme(
        ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_CSV, content: Buffer.from(file) }),
      ),
    );
    expect(err.code).toBe(Status.INVALID_ARGUMENT);
    const details = decodeStatusDetails(err)!;
    expect(details.message).toBe(
      "Tệp có 2 dòng không hợp lệ, chưa nhập nhiệm vụ nào; hãy sửa các dòng đó, hoặc chọn chỉ nhập các dòng hợp lệ" +
        " / 2 rows of the file are invalid and nothing was imported; fix them, or import the valid rows only (valid_rows_only)",
    );
    expect(details.badRequest!.fieldViolations).toEqual([
      {
        field: "content",
        description:
          'Dòng 3 (mã NV-02), cột "Thời hạn": Ngày không tồn tại: "31/02/2022" / Line 3 (code NV-02), column "Deadline": No such date: "31/02/2022"',
      },
      {
        field: "content",
        description:
          'Dòng 4 (mã NV-03), cột "Đơn vị chủ trì": Đơn vị chủ trì không xác định: "Vụ Không Có"' +
          ' / Line 4 (code NV-03), column "Lead unit": Unknown lead unit: "Vụ Không Có"',
      },
    ]);
    expect(details.errorInfo).toMatchObject({
      reason: "IMPORT_ROWS_INVALID",
      metadata: { programme_id: "bnv-2022", valid_rows: "2", invalid_rows: "2", row_errors: "2", listed_errors: "2" },
    });
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
    expect(decodeStatusDetails(err as never)!.badRequest!.fieldViolations.map((v) => [v.field, v.description])).toContainEqual([
      "content",
      'Thiếu cột bắt buộc "Mã" / Missing required column "Code"',
    ]);

    await office.programmes.changeProgrammeStatus({
      requestId: "",
      id: "bnv-2022",
      status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
      expectedVersion: undefined,
    });
    const notDraft = await refused(
      office.programmes.importProgramme(
        ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2022", format: FileFormat.FILE_FORMAT_CSV, content: Buffer.from(file) }),
      ),
    );
    expect(notDraft.code).toBe(Status.FAILED_PRECONDITION);
    expect(decodeStatusDetails(notDraft)!.errorInfo!.reason).toBe("PROGRAMME_NOT_DRAFT");
  });
  it("keeps a row's note on its task, and writes a created entry per imported task in its history", async () => {
    await office.programmes.createProgramme({ requestId: "", year: 2024, issuingBody: "", title: "" });
    const content = csv(
      'NV-01,Nghị định về tuyển dụng công chức,Nghị định,,Vụ Công chức - Viên chức,,Quý III/2024,,,"Trình kèm dự thảo lần 2\r\nxin ý kiến Bộ Tư pháp"',
      "NV-02,Báo cáo tổng kết thi đua,Báo cáo,,Ban Thi đua - Khen thưởng Trung ương,,Tháng 11/2024,,,",
    );
    const res = await office.programmes.importProgramme(
      ImportProgrammeRequest.fromPartial({ programmeId: "bnv-2024", format: FileFormat.FILE_FORMAT_CSV, content: Buffer.from(content) }),
    );
    expect(res).toMatchObject({ validRows: 2, invalidRows: 0, imported: 2 });
    const { task } = await office.tasks.getTask({ id: "bnv-2024-nv-01" });
    // A blank authority: the kind's (a decree goes to the Government); none for a report.
    expect(task).toMatchObject({ authority: "CHINH_PHU", note: "Trình kèm dự thảo lần 2\nxin ý kiến Bộ Tư pháp" });
    expect((await office.tasks.getTask({ id: "bnv-2024-nv-02" })).task).toMatchObject({ authority: "", note: "" });

    const entries = await Promise.all(
      ["bnv-2024-nv-01", "bnv-2024-nv-02"].map(async (id) => (await office.tasks.getTaskHistory({ id, page: undefined })).entries),
    );
    for (const history of entries) {
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        action: "task.created",
        at: h.clock.now(),
        actor: { userId: "vp-chief", displayName: "Chánh Văn phòng" },
      });
    }
    // The note, word for word, where a person reads the history.
    expect(entries[0][0].summary).toEqual({
      vi: "Tạo nhiệm vụ. Ghi chú: Trình kèm dự thảo lần 2\nxin ý kiến Bộ Tư pháp",
      en: "Task created. Note: Trình kèm dự thảo lần 2\nxin ý kiến Bộ Tư pháp",
    });
    expect(entries[1][0].summary).toEqual({ vi: "Tạo nhiệm vụ", en: "Task created" });
    const changes = entries.map((history) => JSON.parse(history[0].changeJson));
    expect(changes[0]).toMatchObject({ code: "NV-01", via: "import", line: 2, note: "Trình kèm dự thảo lần 2\nxin ý kiến Bộ Tư pháp" });
    expect(changes[1]).not.toHaveProperty("note");
    // Both from the same import, which the programme's record names too.
    expect(changes[0].importId).toEqual(expect.any(String));
    expect(changes[1].importId).toBe(changes[0].importId);
    const imports = await h.svc.ctx.mongo.db.collection("audit").find({ action: "programme.imported", "target.id": "bnv-2024" }).toArray();
    expect(imports.map((r) => r.change.importId)).toEqual([changes[0].importId]);

    // The created events carry the note (and none where the row had none).
    const created = await h.until(() => {
      const found = h.eventsOf("tasks.task.created", TaskCreated).filter((e) => e.data.task!.programmeId === "bnv-2024");
      return found.length === 2 ? found : undefined;
    }, "two created events");
    expect(created.find((e) => e.aggregateId === "bnv-2024-nv-01")!.data.note).toBe("Trình kèm dự thảo lần 2\nxin ý kiến Bộ Tư pháp");
    expect(created.find((e) => e.aggregateId === "bnv-2024-nv-02")!.data.note).toBeUndefined();

    // The note goes back out with the programme.
    const exported = await office.programmes.exportProgramme({ programmeId: "bnv-2024", format: FileFormat.FILE_FORMAT_CSV });
    expect(Buffer.from(exported.file!.content).toString("utf8")).toContain('"Trình kèm dự thảo lần 2\nxin ý kiến Bộ Tư pháp"');
  });

  describe("amending an approved programme", () => {
    const additions = csv(
      "NV-01,Nghị định về tuyển dụng công chức,Nghị định,,Vụ Công chức - Viên chức,,Quý III/2024,,,",
      "NV-03,Đề án vị trí việc làm trong đơn vị sự nghiệp,Đề án,Thủ tướng Chính phủ,Vụ Tổ chức - Biên chế,,Tháng 12/2024,,,Bổ sung theo chỉ đạo",
    );
    const amend = (c: typeof office, programmeId: string, flag = true) =>
      c.programmes.importProgramme(
        ImportProgrammeRequest.fromPartial({
          programmeId,
          format: FileFormat.FILE_FORMAT_CSV,
          content: Buffer.from(additions),
          amend: flag,
        }),
      );

    it("is refused without the flag (PROGRAMME_NOT_DRAFT), and to a unit", async () => {
      await office.programmes.changeProgrammeStatus({
        requestId: "",
        id: "bnv-2024",
        status: ProgrammeStatus.PROGRAMME_STATUS_APPROVED,
        expectedVersion: undefined,
      });
      const notDraft = await refused(amend(office, "bnv-2024", false));
      expect(notDraft.code).toBe(Status.FAILED_PRECONDITION);
      expect(decodeStatusDetails(notDraft)!.errorInfo).toMatchObject({
        reason: "PROGRAMME_NOT_DRAFT",
        metadata: { programme_id: "bnv-2024", programme_status: "approved" },
      });
      const unit = await h.clients({ sub: "tcbc-head", roles: ["unit_head"], unit: "TCBC" });
      expect((await refused(amend(unit, "bnv-2024"))).code).toBe(Status.PERMISSION_DENIED);
      expect(await tasksIn("bnv-2024")).toBe("2");
    });

    it("adds the new rows as additions, each in its history with who added it and when, each published as created", async () => {
      h.clock.advance(3_600_000);
      const res = await amend(office, "bnv-2024");
      expect(res).toMatchObject({ validRows: 2, imported: 1, skippedExisting: 1 });
      expect(res.rows.find((r) => r.line === 3)!.taskId).toBe("bnv-2024-nv-03");
      expect(await tasksIn("bnv-2024")).toBe("3");

      const { entries } = await office.tasks.getTaskHistory({ id: "bnv-2024-nv-03", page: undefined });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        action: "task.added",
        at: h.clock.now(),
        actor: { userId: "vp-chief", displayName: "Chánh Văn phòng" },
        summary: {
          vi: "Bổ sung vào chương trình đã phê duyệt. Ghi chú: Bổ sung theo chỉ đạo",
          en: "Added to the approved programme. Note: Bổ sung theo chỉ đạo",
        },
      });
      expect(JSON.parse(entries[0].changeJson)).toMatchObject({
        code: "NV-03",
        via: "import",
        amendment: true,
        note: "Bổ sung theo chỉ đạo",
      });
      // The task already there is left as it was: still one entry, from the first import.
      expect((await office.tasks.getTaskHistory({ id: "bnv-2024-nv-01", page: undefined })).entries).toHaveLength(1);
      expect(await h.committed("bnv-2024-nv-03")).toEqual(["created"]);
    });

    it("a closed programme is refused even with the flag", async () => {
      await office.programmes.changeProgrammeStatus({
        requestId: "",
        id: "bnv-2024",
        status: ProgrammeStatus.PROGRAMME_STATUS_CLOSED,
        expectedVersion: undefined,
      });
      const closed = await refused(amend(office, "bnv-2024"));
      expect(closed.code).toBe(Status.FAILED_PRECONDITION);
      expect(decodeStatusDetails(closed)!.errorInfo!.reason).toBe("PROGRAMME_CLOSED");
      expect(await tasksIn("bnv-2024")).toBe("3");
    });
  });
});
