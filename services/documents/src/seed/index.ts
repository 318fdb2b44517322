/**
 * The seed of the default run: a few documents of the ministry in spring 2020, made through the service's
 * own use cases as the people involved would, so the arrival and issue number sequences are used as
 * they would be (nothing later reuses a seeded number):
 * - a notice of the Government Office arrives by the exchange (an edXML package from 000.00.00.G22 to the
 *   ministry's ORGAN_ID), is registered by the Office's clerk, submitted to the Minister, directed and
 *   routed to the Department of Administrative Reform (CCHC) with the Office coordinating;
 * - a công văn of the Office is drafted, approved by the Chief of the Office, numbered, signed and issued;
 * - a "Mật" draft of the Minister, granted to the Minister only.
 *
 * Times are those of the days (a clock set to March 2020), so the record reads as it happened. Every step
 * has a fixed request id, so a seed cut short (a crash) is completed by the next start: the steps done
 * are answered from the request log and the rest follow. A document already at its last step is left as
 * it is (the request log forgets after a while; the documents themselves say what is done).
 */
import { inTransaction, ManualClock, type Identity, type Logger } from "@ministry/platform";
import { Deadline } from "@ministry/proto/ministry/common/v1/deadline";
import { AppContext } from "../app/context.js";
import { createUseCases, type UseCases } from "../app/index.js";
import { incomingDocumentId } from "../app/incoming.js";
import { buildPackage, DEFAULT_EDXML_LIMITS, documentIdOf, type EdxmlPackage, parsePackage } from "../exchange/edxml/index.js";
import type { DueRecord } from "../store/document-store.js";

/** Who a seeded person is, by the directory's seed conventions (as the meetings seed reads them). */
export function seededIdentity(id: string, name = id): Identity {
  if (id === "minister") return { userId: id, name, roles: ["minister"], clearance: "tuyet_mat" };
  if (id.startsWith("deputy-minister-")) return { userId: id, name, roles: ["deputy_minister"] };
  const dash = id.lastIndexOf("-");
  const unitId = id.slice(0, dash).toUpperCase();
  const kind = id.slice(dash + 1);
  const roles: Identity["roles"] =
    kind === "head" ? (unitId === "VP" ? ["office_chief", "unit_head"] : ["unit_head"]) : kind === "clerk" ? ["clerk"] : ["staff"];
  return { userId: id, name, roles, unitId };
}

const GOVERNMENT_OFFICE = { code: "000.00.00.G22", name: "Văn phòng Chính phủ" };
const at = (iso: string) => new Date(`${iso}+07:00`);
const req = (step: string) => `seed-documents-2020-${step}`;

/** A handling deadline: the end of that day in Vietnam, as RouteDocument resolves a date. */
function dueOn(day: string): DueRecord & { dueAt: Date } {
  return {
    spec: Deadline.toJSON(Deadline.fromPartial({ spec: { $case: "date", value: day } })),
    dueAt: at(`${day}T23:59:59.999`),
  };
}

/** Thông báo 95/TB-VPCP of 25 March 2020, as the Government Office's system sends it. */
function directivePackage(organId: string): EdxmlPackage {
  const number = "95";
  const notation = "TB-VPCP";
  const date = "2020/03/25";
  return {
    header: {
      from: {
        organId: GOVERNMENT_OFFICE.code,
        organizationInCharge: GOVERNMENT_OFFICE.name,
        organName: GOVERNMENT_OFFICE.name,
        organAdd: "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội",
        email: "vpcp@chinhphu.vn",
        website: "chinhphu.vn",
      },
      to: [{ organId, organName: "Bộ Nội vụ" }],
      documentId: documentIdOf(GOVERNMENT_OFFICE.code, date, number, notation),
      code: { codeNumber: number, codeNotation: notation },
      promulgationInfo: { place: "Hà Nội", promulgationDate: date },
      documentType: { type: "1", typeDetail: "0", typeName: "Thông báo" },
      subject:
        "Thông báo kết luận của Thủ tướng Chính phủ tại Hội nghị trực tuyến Chính phủ với địa phương về triển khai nhiệm vụ cải cách hành chính năm 2020",
      content:
        "Văn phòng Chính phủ thông báo kết luận của Thủ tướng Chính phủ: các bộ, ngành đẩy mạnh cải cách thủ tục hành chính, " +
        "hoàn thành kết nối, liên thông văn bản điện tử và báo cáo kết quả trước ngày 30/4/2020.",
      signerInfo: { competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", position: "PHÓ CHỦ NHIỆM", fullName: "Nguyễn Cao Lục" },
      dueDate: "2020/04/30",
      toPlaces: ["Các bộ, cơ quan ngang bộ", "Lưu: VT, KSTT"],
      otherInfo: { priority: 0, sphereOfPromulgation: "Liên thông văn bản quốc gia", appendixes: [] },
      responseFor: [],
    },
    trace: {
      traceHeaders: [{ organId: GOVERNMENT_OFFICE.code, timestamp: "2020/03/25 16:30:00" }],
      business: { docType: 0, reason: "Văn bản điện tử mới", paper: "0" },
    },
    attachments: [],
  };
}

export async function seedDocuments(app: AppContext, _useCases: UseCases, log: Logger): Promise<void> {
  // The seed's own context: the same stores, with a clock set to the days of the seed.
  const clock = new ManualClock(at("2020-03-26T08:00:00"));
  const seedApp = new AppContext({ ...app.deps, clock });
  const p = createUseCases(seedApp);
  const steps: [string, () => Promise<void>][] = [
    ["the Government Office's notice", () => seedDirective(seedApp, p, clock)],
    ["the Office's công văn", () => seedLetter(seedApp, p, clock)],
    ["the Minister's classified draft", () => seedSecret(seedApp, p, clock)],
  ];
  let failed = 0;
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      // the next start tries again from the step that failed
      failed++;
      log.warn({ err }, `seed: ${what} could not be completed`);
    }
  }
  log.info({ failed }, "seed documents");
}

/** Received through the exchange's path, registered, submitted, directed, routed to CCHC. */
async function seedDirective(app: AppContext, p: UseCases, clock: ManualClock): Promise<void> {
  const pkg = directivePackage(app.settings.organId);
  const id = incomingDocumentId(GOVERNMENT_OFFICE.code, pkg.header.documentId);
  const existing = await app.documents.get(id);
  if (existing?.incoming?.routing) return;

  const clerk = seededIdentity("vp-clerk", "Văn thư Văn phòng");
  const minister = seededIdentity("minister", "Bộ trưởng");
  clock.set(at("2020-03-26T08:15:00"));
  // As the poller hands a package over: the bytes as they came, read by the codec.
  const bytes = buildPackage(pkg);
  const item = {
    id: `seed-${id}`,
    cursor: "",
    deliveredAt: clock.now().toISOString(),
    bytes,
    kind: "package" as const,
    package: parsePackage(bytes, { ...DEFAULT_EDXML_LIMITS, maxPackageBytes: app.settings.packageMaxBytes }),
  };
  await inTransaction(app.deps.client, (session) => p.incoming.receivePackage(item, session));

  clock.set(at("2020-03-26T08:30:00"));
  await p.incoming.register(clerk, { requestId: req("directive-register"), id });
  clock.set(at("2020-03-26T08:45:00"));
  await p.incoming.submitToLeader(clerk, { requestId: req("directive-submit"), id, leaderId: "minister" });
  clock.set(at("2020-03-26T14:30:00"));
  await p.incoming.direct(minister, {
    requestId: req("directive-direct"),
    id,
    direction: "Giao Vụ Cải cách hành chính chủ trì, phối hợp Văn phòng Bộ triển khai; báo cáo Bộ trưởng trước ngày 30/4/2020.",
  });
  clock.set(at("2020-03-26T15:00:00"));
  await p.incoming.route(minister, {
    requestId: req("directive-route"),
    id,
    leadUnitId: "CCHC",
    coordinatingUnitIds: ["VP"],
    deadline: dueOn("2020-04-30"),
    directiveTasks: [],
  });
}

/** Drafted by the Office, approved by its Chief, numbered, signed and issued to two departments. */
async function seedLetter(app: AppContext, p: UseCases, clock: ManualClock): Promise<void> {
  const staff = seededIdentity("vp-staff", "Chuyên viên Văn phòng");
  const chief = seededIdentity("vp-head", "Chánh Văn phòng");
  const clerk = seededIdentity("vp-clerk", "Văn thư Văn phòng");
  const summary = "V/v tổ chức Hội nghị giao ban trực tuyến Quý I năm 2020";
  const existing = await app.documents.collection.findOne({ direction: "outgoing", createdBy: staff.userId, summary });
  if (existing?.status === "issued") return;

  clock.set(at("2020-03-26T16:00:00"));
  const draft =
    existing ??
    (await p.outgoing.createDraft(staff, {
      requestId: req("letter-draft"),
      type: "CONG_VAN",
      summary,
      draftingUnitId: "VP",
      secrecy: "none",
      urgency: "normal",
      recipients: [
        { code: "CCHC", name: "Vụ Cải cách hành chính" },
        { code: "TCCB", name: "Vụ Tổ chức cán bộ" },
      ],
      taskIds: [],
      meetingIds: [],
    }));
  const id = draft._id;
  clock.set(at("2020-03-26T16:30:00"));
  await p.outgoing.submitForApproval(staff, { requestId: req("letter-submit"), id, approverIds: [chief.userId] });
  clock.set(at("2020-03-27T09:00:00"));
  await p.outgoing.decideApproval(chief, { requestId: req("letter-approve"), id, approve: true, comment: "Đồng ý ban hành" });
  clock.set(at("2020-03-27T09:30:00"));
  await p.outgoing.numberDocument(clerk, { requestId: req("letter-number"), id });
  clock.set(at("2020-03-27T09:45:00"));
  await p.outgoing.signDocument(chief, {
    requestId: req("letter-sign"),
    id,
    signer: { prefix: "TL.", authority: "BỘ TRƯỞNG", position: "CHÁNH VĂN PHÒNG", fullName: chief.name, personId: chief.userId },
  });
  clock.set(at("2020-03-27T10:00:00"));
  await p.outgoing.issueDocument(clerk, { requestId: req("letter-issue"), id });
}

/** A "Mật" draft of the Minister: only he reads it (clearance and his own grant). */
async function seedSecret(app: AppContext, p: UseCases, clock: ManualClock): Promise<void> {
  const minister = seededIdentity("minister", "Bộ trưởng");
  const summary = "Về phương án kiện toàn nhân sự lãnh đạo một số đơn vị thuộc Bộ";
  if (await app.documents.collection.findOne({ direction: "outgoing", createdBy: minister.userId, summary })) return;
  clock.set(at("2020-03-28T09:00:00"));
  await p.outgoing.createDraft(minister, {
    requestId: req("secret-draft"),
    type: "CONG_VAN",
    summary,
    draftingUnitId: "VP",
    secrecy: "mat",
    urgency: "normal",
    recipients: [],
    taskIds: [],
    meetingIds: [],
  });
}
