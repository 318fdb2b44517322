import { describe, expect, it } from "vitest";
import { assertWorkRecordable } from "../../src/domain/index.js";
import { historySummary } from "../../src/grpc/history.js";
import { reasonOf } from "./fixtures.js";

describe("history summaries", () => {
  it("name each day in Vietnam time, whether the record holds a Date, ISO text or a day already written", () => {
    // 17:30 UTC on 31 March is 00:30 on 1 April in Hanoi.
    const evening = new Date("2020-03-31T17:30:00Z");
    expect(historySummary("task.submitted", { submittedAt: evening, onTime: false }).vi).toBe("Đã trình ngày 01/04/2020, trễ hạn");
    // The documents intake records the issue date as `at`; a record read back from JSON holds text.
    expect(historySummary("task.completed", { at: evening.toISOString(), onTime: true }).en).toBe("Completed on 01/04/2020, on time");
    expect(historySummary("task.deadline_changed", { from: "31/03/2020", to: "30/06/2020" }).vi).toBe(
      "Lùi thời hạn (đã duyệt): từ 31/03/2020 đến 30/06/2020",
    );
  });

  it("carry every reason and note verbatim, and read older records that have neither", () => {
    expect(historySummary("task.withdrawn", { reason: "Đã gộp vào nhiệm vụ khác" }).vi).toBe(
      "Rút khỏi chương trình. Lý do: Đã gộp vào nhiệm vụ khác",
    );
    expect(historySummary("task.created", { code: "VB-061", note: "Theo Kết luận 15" }).vi).toBe("Tạo nhiệm vụ. Ghi chú: Theo Kết luận 15");
    expect(
      historySummary("task.completed", { completedAt: new Date("2020-07-15T02:00:00Z"), onTime: true, afterSubmission: true }).vi,
    ).toBe("Hoàn thành ngày 15/07/2020");
    expect(historySummary("task.overdue", { days: 0 })).toEqual({ vi: "Quá hạn", en: "Overdue" });
    expect(historySummary("task.due_soon", { days: 7 }).vi).toBe("Sắp đến hạn (còn 7 ngày)");
    expect(historySummary("task.submitted", {})).toEqual({ vi: "Đã trình", en: "Submitted" });
  });
});

describe("work on a task needs an approved programme", () => {
  it("refuses a draft programme's task (PROGRAMME_NOT_APPROVED), takes an approved or a closed one's", () => {
    expect(reasonOf(() => assertWorkRecordable({ id: "bnv-2021", status: "draft" }))).toBe("PROGRAMME_NOT_APPROVED");
    expect(() => assertWorkRecordable({ id: "bnv-2020", status: "approved" })).not.toThrow();
    expect(() => assertWorkRecordable({ id: "bnv-2019", status: "closed" })).not.toThrow();
  });
});
