/**
 * The conclusion notice drafted from the seed briefing's `meetings.meeting.concluded`: its text, and the
 * DOCX read back (word/document.xml) with every part where the decree puts it.
 */
import { MeetingConcluded } from "@ministry/proto/ministry/meetings/v1/events";
import { ConclusionKind, MeetingKind, MeetingStatus } from "@ministry/proto/ministry/meetings/v1/meetings";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { conclusionNotice, deadlineWords, type ConclusionNoticeSettings } from "../../src/notice/conclusion-notice.js";
import { conclusionNoticeDocx } from "../../src/notice/docx.js";

const SETTINGS: ConclusionNoticeSettings = {
  issuingBodyName: "BỘ NỘI VỤ",
  issuingBodyAbbrev: "BNV",
  place: "Hà Nội",
  officeUnitAbbrev: "VP",
  signer: { prefix: "TL. BỘ TRƯỞNG", position: "CHÁNH VĂN PHÒNG", fullName: "Nguyễn Văn Hòa" },
};

const VP = { id: "VP", name: "Văn phòng Bộ" };
const CCHC = { id: "CCHC", name: "Vụ Cải cách hành chính" };
const minister = { personId: "minister", fullName: "Trịnh Quốc Khánh", position: "Bộ trưởng", unit: undefined };

const briefing = MeetingConcluded.fromPartial({
  meetingId: "gb-2020-q1",
  title: "Hội nghị giao ban trực tuyến Quý I năm 2020 của Bộ Nội vụ",
  heldAt: new Date("2020-03-30T01:30:00Z"),
  concludedAt: new Date("2020-03-30T04:30:00Z"),
  meeting: {
    meetingId: "gb-2020-q1",
    title: "Hội nghị giao ban trực tuyến Quý I năm 2020 của Bộ Nội vụ",
    kind: MeetingKind.MEETING_KIND_QUARTERLY_BRIEFING,
    place: "Trụ sở Bộ Nội vụ",
    chair: minister,
    status: MeetingStatus.MEETING_STATUS_CONCLUDED,
  },
  conclusions: [
    {
      number: 1,
      kind: ConclusionKind.CONCLUSION_KIND_DECISION,
      content: "Giữ nguyên Chương trình công tác năm 2020 của Bộ, không điều chỉnh trong Quý II.",
    },
    {
      number: 2,
      kind: ConclusionKind.CONCLUSION_KIND_DIRECTIVE,
      content: "Đề xuất phương thức làm việc trực tuyến trong thời gian phòng, chống dịch Covid-19",
      leadUnit: CCHC,
      coordinatingUnits: [VP],
      deadline: { spec: { $case: "date", value: "2020-04-15" } },
    },
  ],
  sites: [
    {
      siteId: "central",
      name: "Điểm cầu Trung ương",
      central: true,
      present: 2,
      attendees: [minister, { personId: "vp-head", fullName: "Nguyễn Văn Hòa", position: "Chánh Văn phòng", unit: VP }],
    },
    { siteId: "CCHC", name: "Điểm cầu Vụ Cải cách hành chính", unit: CCHC, present: 1, attendees: [] },
  ],
  totals: { sites: 2 },
});

/** The document's text, paragraph by paragraph, from word/document.xml. */
async function paragraphs(docx: Buffer): Promise<string[]> {
  const xml = await new Promise<string>((resolve, reject) => {
    yauzl.fromBuffer(docx, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName !== "word/document.xml") return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        });
      });
      zip.on("end", () => reject(new Error("no word/document.xml")));
      zip.readEntry();
    });
  });
  return [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)]
    .map((p) => [...p[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]).join(""))
    .map((t) =>
      t
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"'),
    )
    .filter((t) => t !== "");
}

describe("the conclusion notice", () => {
  it("states when, where, who chaired and attended, and each conclusion; a directive with its units and deadline", () => {
    const n = conclusionNotice(briefing, SETTINGS);
    expect(n.summary).toBe("Kết luận của Bộ trưởng Trịnh Quốc Khánh tại hội nghị giao ban trực tuyến Quý I năm 2020 của Bộ Nội vụ");
    expect(n.symbolSuffix).toBe("TB-BNV");
    expect(n.opening[0]).toBe(
      "Ngày 30 tháng 3 năm 2020, tại Trụ sở Bộ Nội vụ, Bộ trưởng Trịnh Quốc Khánh đã chủ trì hội nghị giao ban trực tuyến Quý I năm 2020 của Bộ Nội vụ.",
    );
    expect(n.opening[1]).toBe("Tham dự tại điểm cầu Trung ương có: Bộ trưởng Trịnh Quốc Khánh; Chánh Văn phòng Nguyễn Văn Hòa.");
    expect(n.opening[2]).toBe("Tham dự tại các điểm cầu: Vụ Cải cách hành chính.");
    expect(n.conclusions).toEqual([
      "1. Giữ nguyên Chương trình công tác năm 2020 của Bộ, không điều chỉnh trong Quý II.",
      "2. Đề xuất phương thức làm việc trực tuyến trong thời gian phòng, chống dịch Covid-19. (Vụ Cải cách hành chính chủ trì; phối hợp với Văn phòng Bộ; hoàn thành trước ngày 15/4/2020).",
    ]);
    expect(n.recipients.at(-1)).toBe("- Lưu: VT, VP.");
    expect(n.recipients).toContain("- Vụ Cải cách hành chính;");
  });

  it("words deadlines as people write them", () => {
    expect(deadlineWords({ spec: { $case: "quarter", value: { year: 2020, quarter: 2 } } })).toBe("hoàn thành trong Quý II/2020");
    expect(deadlineWords({ spec: { $case: "month", value: { year: 2020, month: 6 } } })).toBe("hoàn thành trong tháng 6/2020");
    expect(deadlineWords(undefined)).toBe("");
  });

  it("renders as a DOCX in the decree's order: header, type and summary, body, recipients and signer", async () => {
    const n = conclusionNotice(briefing, SETTINGS);
    const docx = await conclusionNoticeDocx(n, {
      issuingBodyName: "BỘ NỘI VỤ",
      numberLine: "Số:      /TB-BNV",
      placeAndDate: "Hà Nội, ngày      tháng      năm 2020",
    });
    expect(docx.subarray(0, 2).toString()).toBe("PK");
    const text = await paragraphs(docx);
    const at = (s: string) => text.indexOf(s);
    expect(at("BỘ NỘI VỤ")).toBe(0);
    expect(at("Số:      /TB-BNV")).toBeGreaterThan(0);
    expect(at("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")).toBeGreaterThan(0);
    expect(at("Độc lập - Tự do - Hạnh phúc")).toBeGreaterThan(at("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    expect(at("THÔNG BÁO")).toBeGreaterThan(at("Hà Nội, ngày      tháng      năm 2020"));
    expect(at(n.summary)).toBe(at("THÔNG BÁO") + 1);
    expect(at(n.conclusions[1] as string)).toBeGreaterThan(at(n.lead));
    expect(at("Nơi nhận:")).toBeGreaterThan(at(n.closing));
    expect(at("TL. BỘ TRƯỞNG")).toBeGreaterThan(at("Nơi nhận:"));
    expect(text.at(-1)).toBe("Nguyễn Văn Hòa");
  });
});
