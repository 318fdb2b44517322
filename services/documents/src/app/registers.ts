/**
 * The decree's three registers (Phụ lục IV) of a period, built from the documents the caller may see:
 * outgoing (issued documents by number), incoming (registered ones by arrival number), and the handling
 * register (registered incoming documents that were routed). Read by the Office's clerks and the
 * leadership only; a classified document appears only to a reader who holds its clearance and a grant,
 * because the rows come through the same visibility filter as every list.
 */
import { FieldChecks, type Identity, PermissionDenied, type Role } from "@ministry/platform";
import type { Filter } from "mongodb";
import { visibleFilter } from "../domain/visibility.js";
import { vietnamDate } from "../domain/wording.js";
import {
  HANDLING_COLUMNS,
  type HandlingRegisterRow,
  INCOMING_COLUMNS,
  type IncomingRegisterRow,
  MAX_REGISTER_ROWS,
  OUTGOING_COLUMNS,
  type OutgoingRegisterRow,
  type RegisterColumn,
  type RegisterKind,
  type RegisterLocale,
  type RegisterMeta,
  registerFileName,
  sortByArrival,
  sortOutgoing,
} from "../registers/register-model.js";
import { renderHandlingRegister, renderIncomingRegister, renderOutgoingRegister } from "../registers/register-xlsx.js";
import type { DocumentRecord } from "../store/document-store.js";
import type { AppContext } from "./context.js";

const READERS: readonly Role[] = ["clerk", "minister", "deputy_minister", "office_chief"];
/** A register covers at most a few years: a longer period is a mistake, not a register. */
const MAX_PERIOD_MS = 5 * 366 * 24 * 3600_000;

export interface RegisterQuery {
  kind: RegisterKind;
  from: Date;
  to: Date;
  locale?: RegisterLocale;
}

export interface RegisterTable {
  headings: string[];
  rows: string[][];
}

export interface RegisterFile {
  content: Buffer;
  fileName: string;
  contentType: string;
}

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

type Rows =
  | { kind: "outgoing"; rows: OutgoingRegisterRow[] }
  | { kind: "incoming"; rows: IncomingRegisterRow[] }
  | { kind: "handling"; rows: HandlingRegisterRow[] };

function checkQuery(q: { kind?: RegisterKind; from?: Date; to?: Date }): void {
  const checks = new FieldChecks();
  if (!q.kind) checks.add("kind", "Cần chọn loại sổ", "The register's kind is required");
  if (!q.from) checks.add("from", "Cần ngày bắt đầu", "The period's start is required");
  if (!q.to) checks.add("to", "Cần ngày kết thúc", "The period's end is required");
  if (q.from && q.to) {
    if (q.to.getTime() <= q.from.getTime()) checks.add("to", "Ngày kết thúc phải sau ngày bắt đầu", "The end must be after the start");
    else if (q.to.getTime() - q.from.getTime() > MAX_PERIOD_MS)
      checks.add("to", "Kỳ của sổ dài quá 5 năm", "The register's period is longer than 5 years");
  }
  checks.check();
}

function signerText(d: DocumentRecord): string | undefined {
  if (!d.signer) return undefined;
  const position = d.signer.position.toLocaleLowerCase("vi");
  return [position.charAt(0).toLocaleUpperCase("vi") + position.slice(1), d.signer.fullName].filter(Boolean).join(" ");
}

function authorOf(d: DocumentRecord): string {
  return d.sender?.name || d.issuingBodyName || d.issuingBody || "";
}

export class Registers {
  constructor(private readonly app: AppContext) {}

  /** The register's headings and rows as text, in the register's order. */
  async table(identity: Identity, q: RegisterQuery): Promise<RegisterTable> {
    const built = await this.rows(identity, q);
    const locale = q.locale ?? "vi";
    const cells = <Row>(columns: readonly RegisterColumn<Row>[], rows: readonly Row[]) => ({
      headings: columns.map((c) => c.heading[locale]),
      rows: rows.map((row) => columns.map((c) => String(c.cell(row, locale) ?? ""))),
    });
    if (built.kind === "outgoing") return cells(OUTGOING_COLUMNS, sortOutgoing(built.rows));
    if (built.kind === "incoming") return cells(INCOMING_COLUMNS, sortByArrival(built.rows));
    return cells(HANDLING_COLUMNS, sortByArrival(built.rows));
  }

  /** The register as the decree's XLSX. */
  async export(identity: Identity, q: RegisterQuery): Promise<RegisterFile> {
    const built = await this.rows(identity, q);
    const locale = q.locale ?? "vi";
    const meta: RegisterMeta = {
      organName: this.app.settings.issuingBodyName,
      organCode: this.app.settings.issuingBody,
      from: vietnamDate(q.from),
      // the period is [from, to): its last day is the one before `to`
      to: vietnamDate(new Date(q.to.getTime() - 1)),
      generatedAt: this.app.clock.now(),
    };
    const content =
      built.kind === "outgoing"
        ? await renderOutgoingRegister(built.rows, meta, locale)
        : built.kind === "incoming"
          ? await renderIncomingRegister(built.rows, meta, locale)
          : await renderHandlingRegister(built.rows, meta, locale);
    return { content, fileName: registerFileName(built.kind, meta), contentType: XLSX_TYPE };
  }

  private async rows(identity: Identity, q: RegisterQuery): Promise<Rows> {
    if (!identity.roles.some((r) => READERS.includes(r))) {
      throw new PermissionDenied("Chỉ văn thư và lãnh đạo được xem sổ văn bản / Only clerks and leaders may read the registers");
    }
    checkQuery(q);
    const period = { $gte: q.from, $lt: q.to };
    const criteria: Filter<DocumentRecord> =
      q.kind === "outgoing"
        ? { direction: "outgoing", "outgoing.issuedAt": period, "outgoing.numbering": { $exists: true } }
        : q.kind === "incoming"
          ? { direction: "incoming", "incoming.registeredAt": period, "incoming.arrivalNumber": { $exists: true } }
          : { direction: "incoming", "incoming.registeredAt": period, "incoming.routing": { $exists: true } };
    const docs = await this.app.documents.collection
      .find({ $and: [visibleFilter<DocumentRecord>(identity, this.app.policy), criteria] }, { projection: { searchText: 0 } })
      .limit(MAX_REGISTER_ROWS)
      .toArray();
    if (q.kind === "outgoing") return { kind: "outgoing", rows: docs.flatMap((d) => this.outgoingRow(d)) };
    if (q.kind === "incoming") return { kind: "incoming", rows: docs.flatMap((d) => this.incomingRow(d)) };
    return { kind: "handling", rows: docs.flatMap((d) => this.handlingRow(d)) };
  }

  private outgoingRow(d: DocumentRecord): OutgoingRegisterRow[] {
    const numbering = d.outgoing?.numbering;
    const issuedAt = d.outgoing?.issuedAt;
    if (!numbering || !issuedAt) return [];
    return [
      {
        number: numbering.number,
        symbol: numbering.symbol,
        issuedAt: d.issuedDate ?? issuedAt,
        type: d.type,
        summary: d.summary,
        signer: signerText(d),
        recipients: d.recipients.map((r) => r.name),
        keptBy: ["VT", d.draftingUnit].filter(Boolean).join(", "),
        deliveredAt: issuedAt,
        urgency: d.urgency,
        secrecy: d.secrecy,
      },
    ];
  }

  private incomingRow(d: DocumentRecord): IncomingRegisterRow[] {
    const inc = d.incoming;
    if (!inc?.arrivalNumber || !inc.registeredAt) return [];
    return [
      {
        arrivedAt: inc.registeredAt,
        arrivalNumber: inc.arrivalNumber,
        author: authorOf(d),
        symbol: d.symbol ?? "",
        issuedAt: d.issuedDate ?? null,
        type: d.type,
        summary: d.summary,
        receiver: inc.routing?.leadUnit ?? inc.submittedTo,
        transferredAt: inc.routing?.at ?? inc.submittedAt ?? null,
        urgency: d.urgency,
        secrecy: d.secrecy,
      },
    ];
  }

  private handlingRow(d: DocumentRecord): HandlingRegisterRow[] {
    const inc = d.incoming;
    if (!inc?.arrivalNumber || !inc.registeredAt || !inc.routing) return [];
    return [
      {
        arrivalNumber: inc.arrivalNumber,
        arrivedAt: inc.registeredAt,
        type: d.type,
        symbol: d.symbol ?? "",
        issuedAt: d.issuedDate ?? null,
        author: authorOf(d),
        summary: d.summary,
        handler: inc.routing.leadUnit,
        coordinating: inc.routing.coordinatingUnits,
        deadline: inc.routing.deadline,
        status: inc.status,
        progress: inc.result,
        urgency: d.urgency,
        secrecy: d.secrecy,
      },
    ];
  }
}
