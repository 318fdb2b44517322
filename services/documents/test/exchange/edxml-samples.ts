/** A package and a status full of Vietnamese text, shared by the edXML tests. */
import type { EdxmlPackage, EdxmlStatus } from "../../src/exchange/edxml/index.js";

export function samplePackage(): EdxmlPackage {
  return {
    header: {
      from: {
        organId: "000.00.00.G22",
        organizationInCharge: "Văn phòng Chính phủ",
        organName: "Văn phòng Chính phủ",
        organAdd: "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội",
        email: "vpcp@chinhphu.vn",
        telephone: "080 43100",
        fax: "080 44130",
        website: "chinhphu.vn",
      },
      to: [
        { organId: "000.00.00.G06", organName: "Bộ Nội vụ" },
        { organId: "000.00.00.H41", organName: "Ủy ban nhân dân tỉnh Nghệ An", organAdd: "Số 03, đường Trường Thi, TP. Vinh" },
      ],
      documentId: "000.00.00.G22,2020/03/05,1234/VPCP-TCCV",
      code: { codeNumber: "1234", codeNotation: "VPCP-TCCV" },
      promulgationInfo: { place: "Hà Nội", promulgationDate: "2020/03/05" },
      documentType: { type: "1", typeDetail: "0", typeName: "Công văn" },
      subject: "V/v triển khai Kết luận của Thủ tướng Chính phủ tại cuộc họp giao ban quý I năm 2020 & các nhiệm vụ <trọng tâm>",
      content: "Thực hiện ý kiến chỉ đạo của Thủ tướng Chính phủ, Văn phòng Chính phủ đề nghị các bộ, ngành khẩn trương báo cáo.",
      signerInfo: { competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", position: "PHÓ CHỦ NHIỆM", fullName: "Nguyễn Xuân Thành" },
      dueDate: "2020/03/20",
      toPlaces: ["Bộ Nội vụ", "UBND tỉnh Nghệ An", "Lưu: VT, TCCV"],
      otherInfo: {
        priority: 2,
        sphereOfPromulgation: "Liên thông văn bản quốc gia",
        typerNotation: "TVC",
        promulgationAmount: "3",
        pageAmount: "2",
        appendixes: ["Phụ lục I: Danh mục nhiệm vụ", "Phụ lục II: Biểu mẫu báo cáo"],
      },
      steeringType: "1",
      responseFor: [
        {
          organId: "000.00.00.G06",
          code: "88/BNV-VP",
          promulgationDate: "2020/02/28",
          documentId: "000.00.00.G06,2020/02/28,88/BNV-VP",
        },
      ],
    },
    trace: {
      traceHeaders: [
        { organId: "000.00.00.G22", timestamp: "2020/03/05 08:30:00" },
        { organId: "000.00.00.G06", timestamp: "2020/03/05 09:15:42" },
      ],
      business: {
        docType: 0,
        reason: "Văn bản điện tử mới",
        paper: "0",
        staffInfo: {
          department: "Phòng Hành chính – Văn thư",
          staff: "Trần Thị Hồng Nhung",
          mobile: "0912345678",
          email: "vanthu@chinhphu.vn",
        },
      },
    },
    attachments: [
      {
        contentId: "cid:3f2b8a1e-0c4d-4e6f-9a7b-1c2d3e4f5a6b",
        name: "1234-VPCP-TCCV.pdf",
        contentType: "application/pdf",
        description: "Văn bản chính",
        bytes: Buffer.from("%PDF-1.4\n% văn bản ký số\n", "utf8"),
      },
      {
        contentId: "cid:phu-luc-1",
        name: "Phụ lục danh mục nhiệm vụ.docx",
        contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        description: "Phụ lục kèm theo",
        bytes: Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37) % 256)),
      },
    ],
  };
}

export function sampleStatus(): EdxmlStatus {
  return {
    responseFor: {
      organId: "000.00.00.G22",
      code: "7816/VPCP-TTĐT",
      promulgationDate: "2015/09/30",
      documentId: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
    },
    from: { organId: "000.00.00.H41", organName: "UBND Tỉnh Nghệ An", email: "nghean@gov.vn" },
    statusCode: "01",
    description: "Văn thư - Phòng Văn thư - Lưu trữ: Đã đến",
    timestamp: "2020/03/05 10:00:00",
    staffInfo: { department: "Văn thư văn phòng", staff: "Nguyễn Thị Ngọc Trâm", mobile: "84912000001", email: "vanthu@gov.vn" },
  };
}
