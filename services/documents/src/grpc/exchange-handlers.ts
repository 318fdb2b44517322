/**
 * ExchangeService (packages sent and received, imports) and RegisterService (the decree's registers):
 * request checks and proto ↔ domain mapping over ExchangeAdmin and Registers.
 */
import { FieldChecks, requireIdentity } from "@ministry/platform";
import {
  Direction,
  type ExchangeServiceServer,
  type Package,
  RegisterKind,
  type RegisterServiceServer,
} from "@ministry/proto/ministry/documents/v1/documents";
import type { PackageView } from "../app/exchange-admin.js";
import type { RegisterQuery } from "../app/registers.js";
import type { RegisterKind as DomainRegisterKind } from "../registers/register-model.js";
import type { DocumentsRuntime } from "../service.js";
import { toProtoDocument } from "./mapping.js";

const KINDS: Partial<Record<RegisterKind, DomainRegisterKind>> = {
  [RegisterKind.REGISTER_KIND_OUTGOING]: "outgoing",
  [RegisterKind.REGISTER_KIND_INCOMING]: "incoming",
  [RegisterKind.REGISTER_KIND_INCOMING_HANDLING]: "handling",
};

function toDirection(d: "incoming" | "outgoing"): Direction {
  return d === "incoming" ? Direction.DIRECTION_INCOMING : Direction.DIRECTION_OUTGOING;
}

function toProtoPackage(p: PackageView): Package {
  return {
    id: p.id,
    direction: toDirection(p.direction),
    edxmlDocumentId: p.edxmlDocumentId,
    from: p.from ? { code: p.from.code, name: p.from.name } : undefined,
    to: p.to.map((o) => ({ code: o.code, name: o.name })),
    documentId: p.documentId,
    state: p.state,
    attempts: p.attempts,
    lastError: p.lastError,
    statuses: p.statuses.map((s) => ({
      code: s.code,
      label: s.label,
      at: s.at,
      description: s.description,
      direction: toDirection(s.direction),
    })),
    createdAt: p.createdAt,
  };
}

function registerQuery(r: { kind: RegisterKind; from?: Date; to?: Date; locale?: string }): RegisterQuery {
  const checks = new FieldChecks();
  const kind = KINDS[r.kind];
  if (!kind) checks.add("kind", "Cần chọn loại sổ", "The register's kind is required");
  if (!r.from) checks.add("from", "Cần ngày bắt đầu", "The period's start is required");
  if (!r.to) checks.add("to", "Cần ngày kết thúc", "The period's end is required");
  const locale = (r.locale ?? "").trim().toLowerCase();
  if (locale && locale !== "vi" && locale !== "en") checks.add("locale", "Ngôn ngữ phải là vi hoặc en", "The locale must be vi or en");
  checks.check();
  return { kind: kind as DomainRegisterKind, from: r.from as Date, to: r.to as Date, locale: locale === "en" ? "en" : "vi" };
}

export function registerHandlers(runtime: DocumentsRuntime): RegisterServiceServer {
  const registers = runtime.registers;
  return {
    getRegister: async (call) => {
      const r = call.request;
      const table = await registers.table(requireIdentity(), registerQuery(r));
      // The register is read whole (it is bounded); a page is a slice of it, its token the next row's index.
      const size = Math.min(Math.max(r.page?.pageSize || 200, 1), 1000);
      const token = r.page?.pageToken ?? "";
      const start = token ? Number.parseInt(token, 10) : 0;
      if (token && (!/^\d+$/u.test(token) || start > table.rows.length)) {
        new FieldChecks().add("page.page_token", "Mã trang không hợp lệ", "Not a valid page token").check();
      }
      const rows = table.rows.slice(start, start + size);
      const next = start + size < table.rows.length ? String(start + size) : "";
      return {
        headings: table.headings,
        rows: rows.map((cells) => ({ cells })),
        page: { nextPageToken: next, totalSize: String(table.rows.length) },
      };
    },
    exportRegister: async (call) => {
      const file = await registers.export(requireIdentity(), registerQuery(call.request));
      return { content: file.content, fileName: file.fileName, contentType: file.contentType };
    },
  };
}

export function exchangeHandlers(runtime: DocumentsRuntime): ExchangeServiceServer {
  const admin = runtime.exchangeAdmin;
  return {
    listPackages: async (call) => {
      const r = call.request;
      const direction =
        r.direction === Direction.DIRECTION_INCOMING ? "incoming" : r.direction === Direction.DIRECTION_OUTGOING ? "outgoing" : undefined;
      const page = await admin.listPackages(requireIdentity(), {
        direction,
        page: { pageSize: r.page?.pageSize, pageToken: r.page?.pageToken },
      });
      return { packages: page.items.map(toProtoPackage), page: { nextPageToken: page.nextPageToken, totalSize: String(page.totalSize) } };
    },
    getPackage: async (call) => {
      const id = call.request.id.trim();
      if (!id) new FieldChecks().add("id", "Bắt buộc", "Required").check();
      return { package: toProtoPackage(await admin.getPackage(requireIdentity(), id)) };
    },
    importPackage: async (call) => {
      const r = call.request;
      const result = await admin.importPackage(requireIdentity(), { requestId: r.requestId || undefined, content: Buffer.from(r.content) });
      return { package: toProtoPackage(result.package), document: result.document ? toProtoDocument(result.document) : undefined };
    },
  };
}
