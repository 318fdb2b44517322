/**
 * The 30 March 2020 quarterly online briefing of the Ministry of Home Affairs, as data (people are the
 * directory seed's fictional ones, by id).
 */
import type { InvitationResponse } from "../domain/model.js";

const REMOTE_UNITS = [
  { id: "PC", name: "Vụ Pháp chế" },
  { id: "KHTC", name: "Vụ Kế hoạch - Tài chính" },
  { id: "HTQT", name: "Vụ Hợp tác quốc tế" },
  { id: "TCBC", name: "Vụ Tổ chức - Biên chế" },
  { id: "CQDP", name: "Vụ Chính quyền địa phương" },
  { id: "CCVC", name: "Vụ Công chức - Viên chức" },
  { id: "DTBD", name: "Vụ Đào tạo, bồi dưỡng cán bộ, công chức, viên chức" },
  { id: "TL", name: "Vụ Tiền lương" },
  { id: "CCHC", name: "Vụ Cải cách hành chính" },
  { id: "CTTN", name: "Vụ Công tác thanh niên" },
  { id: "TCPCP", name: "Vụ Tổ chức phi chính phủ" },
  { id: "TTR", name: "Thanh tra Bộ" },
  { id: "VTLT", name: "Cục Văn thư và Lưu trữ nhà nước" },
  { id: "TDKT", name: "Ban Thi đua - Khen thưởng Trung ương" },
  { id: "TGCP", name: "Ban Tôn giáo Chính phủ" },
];

const DEVICES = ["computer", "phone", "tablet"] as const;

const responses: { personId: string; response: InvitationResponse; reason?: string; delegateId?: string }[] = [
  { personId: "minister", response: "accepted" },
  { personId: "vp-head", response: "accepted" },
  { personId: "tccb-head", response: "accepted" },
  { personId: "htqt-head", response: "declined", reason: "Đang thực hiện cách ly y tế theo quy định phòng, chống dịch Covid-19" },
  { personId: "tgcp-head", response: "delegated", delegateId: "tgcp-deputy" },
  ...REMOTE_UNITS.filter((u) => u.id !== "HTQT" && u.id !== "TGCP").map((u) => ({
    personId: `${u.id.toLowerCase()}-head`,
    response: "accepted" as const,
  })),
];

const central = [
  "minister",
  "deputy-minister-1",
  "deputy-minister-2",
  "deputy-minister-3",
  "deputy-minister-4",
  "vp-head",
  "tccb-head",
  "vp-deputy",
];

const checkIns: { personId: string; device: string; byHost: boolean; siteId?: string }[] = [
  ...central.map((personId) => ({ personId, device: "room_system", byHost: true })),
  ...REMOTE_UNITS.filter((u) => u.id !== "HTQT" && u.id !== "TGCP").map((u, i) => ({
    personId: `${u.id.toLowerCase()}-head`,
    device: DEVICES[i % DEVICES.length] as string,
    byHost: false,
  })),
  { personId: "tgcp-deputy", device: "computer", byHost: false },
];

export const BRIEFING = {
  id: "gb-2020-q1",
  title: "Hội nghị giao ban trực tuyến Quý I năm 2020 của Bộ Nội vụ",
  chairId: "minister",
  /** The Deputy Chief of the Office keeps the minutes and runs the central site. */
  secretaryId: "vp-deputy",
  place: "Trụ sở Bộ Nội vụ, 8 Tôn Thất Thuyết, Nam Từ Liêm, Hà Nội (điểm cầu Trung ương)",
  centralSiteName: "Điểm cầu Trung ương - Trụ sở Bộ Nội vụ",
  videoUrl: (site: string) => `https://hop.bnv.gov.example/giao-ban-2020-q1/${site.toLowerCase()}`,
  remoteUnits: REMOTE_UNITS,
  responses,
  checkIns,
  agenda: [
    { id: "1", title: "Khai mạc hội nghị", presenterId: "minister", plannedMinutes: 5, documents: [], description: "" },
    {
      id: "2",
      title: "Báo cáo kết quả thực hiện Chương trình công tác Quý I và phương hướng, nhiệm vụ Quý II năm 2020",
      presenterId: "vp-head",
      plannedMinutes: 30,
      documents: [{ documentId: "bc-vp-2020-q1", title: "Dự thảo Báo cáo kết quả công tác Quý I năm 2020" }],
      description:
        "Chương trình công tác năm 2020: 143 nhiệm vụ trình cấp có thẩm quyền (32 văn bản quy phạm pháp luật, 111 văn bản, đề án khác).",
    },
    {
      id: "3",
      title: "Các điểm cầu thảo luận, đóng góp ý kiến hoàn thiện Báo cáo",
      presenterId: "",
      plannedMinutes: 90,
      documents: [],
      description: "",
    },
    { id: "4", title: "Kết luận của Bộ trưởng", presenterId: "minister", plannedMinutes: 15, documents: [], description: "" },
  ],
  itemStarts: { "1": "08:30", "2": "08:36", "3": "09:10", "4": "11:00" } as Record<string, string>,
  comments: [
    {
      itemId: "3",
      personId: "pc-head",
      topic: "Tiến độ xây dựng văn bản quy phạm pháp luật",
      text: "Vụ Pháp chế đề nghị bổ sung vào Báo cáo số liệu các văn bản quy phạm pháp luật đã trình trong Quý I và dự kiến trình trong Quý II.",
    },
    {
      itemId: "3",
      personId: "cchc-head",
      topic: "Làm việc trực tuyến",
      text: "Vụ Cải cách hành chính đề xuất tiếp tục tổ chức họp, giao ban trực tuyến và xử lý văn bản điện tử trong thời gian phòng, chống dịch Covid-19.",
    },
    {
      itemId: "3",
      personId: "vtlt-head",
      topic: "Hệ thống quản lý văn bản",
      text: "Cục Văn thư và Lưu trữ nhà nước đề nghị các đơn vị cập nhật đầy đủ tình trạng xử lý văn bản trên hệ thống quản lý văn bản và điều hành.",
    },
    {
      itemId: "3",
      personId: "tgcp-deputy",
      topic: "Số liệu của Ban",
      text: "Ban Tôn giáo Chính phủ thống nhất với dự thảo Báo cáo; đề nghị sửa lại số liệu nhiệm vụ của Ban tại Phụ lục.",
    },
  ],
  minutes: [
    "BIÊN BẢN HỘI NGHỊ GIAO BAN TRỰC TUYẾN QUÝ I NĂM 2020",
    "",
    "Thời gian: 08 giờ 30 phút, ngày 30 tháng 3 năm 2020. Hình thức: trực tuyến, điểm cầu Trung ương tại Trụ sở Bộ và điểm cầu tại các đơn vị.",
    "Chủ trì: Bộ trưởng. Tham dự tại điểm cầu Trung ương: các đồng chí Thứ trưởng, Chánh Văn phòng Bộ, Vụ trưởng Vụ Tổ chức cán bộ.",
    "",
    "1. Chánh Văn phòng Bộ trình bày Báo cáo kết quả thực hiện Chương trình công tác Quý I và phương hướng, nhiệm vụ Quý II năm 2020: Chương trình công tác năm 2020 có 143 nhiệm vụ trình cấp có thẩm quyền (32 văn bản quy phạm pháp luật, 111 văn bản, đề án khác); trong Quý I không có nhiệm vụ nợ đọng, không có nhiệm vụ chậm tiến độ.",
    "2. Các điểm cầu thảo luận, đóng góp ý kiến hoàn thiện Báo cáo (Vụ Pháp chế, Vụ Cải cách hành chính, Cục Văn thư và Lưu trữ nhà nước, Ban Tôn giáo Chính phủ).",
    "3. Bộ trưởng kết luận hội nghị.",
  ].join("\n"),
  conclusions: [
    {
      kind: "decision" as const,
      content: "Giữ nguyên Chương trình công tác năm 2020 của Bộ, không điều chỉnh trong Quý II.",
      leadUnitId: "",
      coordinatingUnitIds: [] as string[],
      assignee: "",
      taskKind: "",
    },
    {
      kind: "information" as const,
      content:
        "Trong Quý I năm 2020 không có nhiệm vụ nợ đọng, không có nhiệm vụ chậm tiến độ; thủ tục hành chính của người dân được giải quyết đúng hạn.",
      leadUnitId: "",
      coordinatingUnitIds: [] as string[],
      assignee: "",
      taskKind: "",
    },
    {
      kind: "directive" as const,
      content:
        "Thủ trưởng các đơn vị không để nợ đọng nhiệm vụ, không đề xuất lùi thời hạn trình các nhiệm vụ trong Chương trình công tác; Văn phòng Bộ theo dõi, đôn đốc và báo cáo Bộ trưởng hằng tháng.",
      leadUnitId: "VP",
      coordinatingUnitIds: ["TCCB", "PC", "KHTC"],
      deadline: { spec: { $case: "quarter" as const, value: { year: 2020, quarter: 2 } } },
      assignee: "",
      taskKind: "",
    },
    {
      kind: "directive" as const,
      content: "Đề xuất phương thức làm việc trực tuyến (họp, giao ban, xử lý văn bản điện tử) trong thời gian phòng, chống dịch Covid-19.",
      leadUnitId: "CCHC",
      coordinatingUnitIds: ["VP", "VTLT"],
      deadline: { spec: { $case: "date" as const, value: "2020-04-15" } },
      assignee: "",
      taskKind: "",
    },
    {
      kind: "directive" as const,
      content:
        "Hoàn thiện Báo cáo kết quả thực hiện Chương trình công tác Quý I năm 2020 trên cơ sở ý kiến của các điểm cầu, gửi Văn phòng Chính phủ.",
      leadUnitId: "VP",
      coordinatingUnitIds: ["PC"],
      deadline: { spec: { $case: "date" as const, value: "2020-04-03" } },
      assignee: "vp-head",
      taskKind: "",
    },
  ],
};
