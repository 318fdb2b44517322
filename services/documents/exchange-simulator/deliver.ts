/**
 * `node --import tsx services/documents/exchange-simulator/deliver.ts [--url URL] [--organ ID] [--wait] FILE.edxml`
 * Hands an .edxml file (a package or a status packet received elsewhere) to a running exchange simulator,
 * to be delivered as the Government Office would: into the inbox of its recipients (a package's To, the
 * organ a status answers) or of --organ. Prints what the simulator made of it; with --wait, also when
 * the ministry took it from its inbox and the status packets it sent back about that document.
 * Exit codes: 0 delivered (and picked up, with --wait); 1 refused or not picked up in time; 2 usage.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { STATUS_CODES, type StatusCode } from "../src/exchange/edxml/index.js";
import type { DeliverResult, InboxEntry, ReceivedPacket } from "./simulator.js";

const USAGE =
  "usage: deliver.ts [--url http://127.0.0.1:18790] [--organ 000.00.00.G06[,…]] [--kind package|status] [--force] [--wait] [--timeout 60] [--json] FILE.edxml\n" +
  "  --url defaults to $EXCHANGE_SIMULATOR_URL, else http://127.0.0.1:18790";

function fail(message: string, code = 2): never {
  process.stderr.write(`deliver: ${message}\n${code === 2 ? `${USAGE}\n` : ""}`);
  process.exit(code);
}

type Values = {
  url?: string;
  organ?: string;
  kind?: string;
  force?: boolean;
  wait?: boolean;
  timeout: string;
  json?: boolean;
  help?: boolean;
};
let values: Values;
let positionals: string[];
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string" },
      organ: { type: "string" },
      kind: { type: "string" },
      force: { type: "boolean" },
      wait: { type: "boolean", short: "w" },
      timeout: { type: "string", default: "60" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }) as { values: Values; positionals: string[] });
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (positionals.length !== 1) fail("give exactly one .edxml file");
if (values.kind !== undefined && values.kind !== "package" && values.kind !== "status") fail(`--kind must be package or status`);
const timeoutMs = Number(values.timeout) * 1000;
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) fail(`--timeout must be a number of seconds, got "${values.timeout}"`);
const baseUrl = (values.url ?? process.env.EXCHANGE_SIMULATOR_URL ?? "http://127.0.0.1:18790").replace(/\/+$/, "");

const file = positionals[0];
const bytes = await readFile(file).catch((err: Error) => fail(`cannot read ${file}: ${err.message}`, 1));

async function call<T>(method: "GET" | "POST", path: string, body?: Buffer): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      body: body && new Uint8Array(body),
      headers: body ? { "content-type": "application/xml" } : {},
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return fail(`the exchange simulator at ${baseUrl} does not answer (${cause?.code ?? (err as Error).message}); is it running?`, 1);
  }
  const json = (await response.json().catch(() => ({}))) as T & { title?: string; violations?: { field: string; description: string }[] };
  if (!response.ok) {
    const lines = [`refused (HTTP ${response.status}): ${json.title ?? response.statusText}`];
    for (const v of json.violations ?? []) lines.push(`  ${v.field}: ${v.description}`);
    return fail(lines.join("\n"), 1);
  }
  return json;
}

const query = new URLSearchParams();
if (values.organ) query.set("organ", values.organ);
if (values.kind) query.set("kind", values.kind);
if (values.force) query.set("force", "1");
const result = await call<DeliverResult>("POST", `/admin/deliver${query.toString() ? `?${query}` : ""}`, bytes);

function statusLabel(code: string | undefined): string {
  const label = code && Object.hasOwn(STATUS_CODES, code) ? STATUS_CODES[code as StatusCode] : undefined;
  return label ? `${code} ${label.vi} / ${label.en}` : (code ?? "?");
}

if (values.json) console.log(JSON.stringify(result));
else {
  const what =
    result.kind === "package"
      ? `package ${result.documentId ?? "(unreadable)"}${result.subject ? ` "${result.subject}"` : ""}`
      : `status ${statusLabel(result.statusCode)} about ${result.documentId ?? "(unreadable)"}`;
  console.log(
    `Delivered ${what}${result.from ? ` from ${result.from}` : ""}${result.valid ? "" : " (forced in although it does not parse)"}`,
  );
  for (const p of result.problems ?? []) console.log(`  problem: ${p.field}: ${p.description}`);
  for (const d of result.delivered) console.log(`  → inbox of ${d.organ}: id ${d.id}, cursor ${d.cursor}`);
}

if (values.wait) {
  const deadline = Date.now() + timeoutMs;
  const pause = () => new Promise((r) => setTimeout(r, 250));
  const pending = new Set(result.delivered.map((d) => d.id));
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const entry = await call<Omit<InboxEntry, "data">>("GET", `/admin/inbox/${encodeURIComponent(id)}`);
      if (entry.ackedAt) {
        pending.delete(id);
        console.log(`Taken by ${entry.organ} at ${entry.ackedAt}`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      fail(`not taken from the inbox within ${values.timeout} s: is the documents service polling the simulator?`, 1);
    await pause();
  }
  // What the ministry made of a package shows in the status packets it sends back about it.
  if (result.kind === "package" && result.documentId) {
    const path = `/admin/received?kind=status&documentId=${encodeURIComponent(result.documentId)}`;
    let statuses: ReceivedPacket[] = [];
    while (Date.now() <= deadline) {
      statuses = (await call<{ items: ReceivedPacket[] }>("GET", path)).items;
      if (statuses.length > 0) break;
      await pause();
    }
    if (statuses.length === 0) console.log(`No status packet from the ministry about it within ${values.timeout} s`);
    for (const s of statuses) console.log(`Status from ${s.from}: ${statusLabel(s.statusCode)} (received ${s.receivedAt})`);
  }
}
