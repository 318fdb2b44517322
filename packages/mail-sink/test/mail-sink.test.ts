import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startMailSink, type MailSink } from "../src/index.js";
import { SmtpConversation, sendMail, until, vietnameseMessage } from "./smtp-client.js";

const SUBJECT = "Nhiệm vụ quá hạn: Xây dựng Đề án vị trí việc làm";
const TEXT = "Kính gửi đồng chí Nguyễn Văn An,\nNhiệm vụ đã quá hạn hoàn thành ngày 31/03/2020.";
const HTML = "<p>Kính gửi đồng chí <b>Nguyễn Văn An</b>,</p><p>Nhiệm vụ đã quá hạn hoàn thành ngày 31/03/2020.</p>";

let sink: MailSink | undefined;
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "mail-sink-"));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  await sink?.close();
  sink = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function message(n = 1): string {
  return vietnameseMessage({ to: "an@moha.gov.vn", subject: SUBJECT, text: TEXT, html: HTML, messageId: `<d-${n}@moha.gov.vn>` });
}

describe("mail sink", () => {
  it("accepts a message, decodes it, and stores the raw .eml with a readable .txt in a directory it creates", async () => {
    const dir = path.join(await tempDir(), "nested", "mail");
    const lines: string[] = [];
    sink = await startMailSink({ dir, log: (l) => lines.push(l) });
    expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);

    const sent = await sendMail(sink.port, { from: "thongbao@moha.gov.vn", to: ["an@moha.gov.vn"] }, message());
    expect(sent.ok).toBe(true);

    const [mail] = await sink.waitFor(1);
    expect(mail.subject).toBe(SUBJECT);
    expect(mail.text.trim()).toBe(TEXT);
    expect(mail.html).toBe(HTML);
    expect(mail.from).toBe("thongbao@moha.gov.vn");
    expect(mail.fromName).toBe("Hệ thống thông báo");
    expect(mail.to).toEqual(["an@moha.gov.vn"]);
    expect(mail.envelope).toEqual({ from: "thongbao@moha.gov.vn", to: ["an@moha.gov.vn"] });
    expect(mail.messageId).toBe("<d-1@moha.gov.vn>");
    expect(mail.date?.toISOString()).toBe("2020-03-30T01:00:00.000Z");

    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{8}-\d{6}-0001-[0-9a-f]{6}\.eml$/);
    expect(files[1]).toBe(files[0].replace(/\.eml$/, ".txt"));
    expect(mail.path).toBe(path.join(dir, files[0]));
    // The raw form is what was sent, encoded (no Vietnamese readable in it)...
    const raw = await readFile(path.join(dir, files[0]), "utf8");
    expect(raw).toContain("Content-Transfer-Encoding: base64");
    expect(raw).not.toContain("Nhiệm vụ");
    // ...the .txt is what a person reads.
    const txt = await readFile(path.join(dir, files[1]), "utf8");
    expect(txt).toContain(`Subject:    ${SUBJECT}`);
    expect(txt).toContain("Nguyễn Văn An <an@moha.gov.vn>");
    expect(txt).toContain("Hệ thống thông báo");
    expect(txt).toContain("Date:       2020-03-30T01:00:00.000Z");
    expect(txt).toContain(TEXT);
    expect(lines.some((l) => l.includes("an@moha.gov.vn") && l.includes(SUBJECT) && l.includes(files[0]))).toBe(true);
  });

  it("keeps messages in memory only when no directory is given", async () => {
    sink = await startMailSink();
    await sendMail(sink.port, { from: "a@x.vn", to: ["b@x.vn"] }, message(1));
    await sendMail(sink.port, { from: "a@x.vn", to: ["b@x.vn"] }, message(2));
    const mails = await sink.waitFor(2);
    expect(mails.map((m) => m.messageId)).toEqual(["<d-1@moha.gov.vn>", "<d-2@moha.gov.vn>"]);
    expect(mails.every((m) => m.path === undefined)).toBe(true);
  });

  it("refuses the next messages with a transient reply, then accepts", async () => {
    sink = await startMailSink();
    sink.refuseNext(2);
    const first = await sendMail(sink.port, { from: "a@x.vn", to: ["b@x.vn"] }, message(1));
    const second = await sendMail(sink.port, { from: "a@x.vn", to: ["b@x.vn"] }, message(1));
    const third = await sendMail(sink.port, { from: "a@x.vn", to: ["b@x.vn"] }, message(1));
    expect(first.ok).toBe(false);
    expect(first.last.code).toBe(451);
    expect(second.last.code).toBe(451);
    expect(third.ok).toBe(true);
    expect(sink.refused).toBe(2);
    expect(await sink.waitFor(1)).toHaveLength(1);
    expect(sink.received).toBe(1);
  });

  it("refuses with a permanent reply and its text, once per transaction whatever its recipients", async () => {
    sink = await startMailSink();
    sink.refuseNext(1, 550, "Mailbox unavailable: no such user");
    const { smtp } = await SmtpConversation.open(sink.port);
    await smtp.command("EHLO test.local");
    await smtp.command("MAIL FROM:<a@x.vn>");
    const r1 = await smtp.command("RCPT TO:<b@x.vn>");
    const r2 = await smtp.command("RCPT TO:<c@x.vn>");
    expect(r1.code).toBe(550);
    expect(r1.text).toContain("Mailbox unavailable: no such user");
    expect(r2.code).toBe(550);
    // The next transaction on the same connection goes through.
    await smtp.command("RSET");
    expect((await smtp.command("MAIL FROM:<a@x.vn>")).code).toBe(250);
    expect((await smtp.command("RCPT TO:<b@x.vn>")).code).toBe(250);
    expect((await smtp.data(message(3))).code).toBe(250);
    await smtp.quit();
    expect(sink.refused).toBe(1);
    expect((await sink.waitFor(1))[0].messageId).toBe("<d-3@moha.gov.vn>");
  });

  it("refuses a message over the size limit with 552 and keeps nothing", async () => {
    sink = await startMailSink({ maxMessageBytes: 2_000 });
    const big = `${message(1)}${"x".repeat(3_000)}`;
    const sent = await sendMail(sink.port, { from: "a@x.vn", to: ["b@x.vn"] }, big);
    expect(sent.last.code).toBe(552);
    expect(sink.received).toBe(0);
    const ehlo = await SmtpConversation.open(sink.port);
    const reply = await ehlo.smtp.command("EHLO test.local");
    await ehlo.smtp.quit();
    expect(reply.text).toContain("SIZE 2000");
    expect(reply.text).not.toContain("AUTH");
    expect(reply.text).not.toContain("STARTTLS");
  });

  it("waitFor rejects when the messages do not come", async () => {
    sink = await startMailSink();
    await expect(sink.waitFor(1, 50)).rejects.toThrow(/0 of 1 messages/);
  });

  it("refuses nonsense refusal codes", async () => {
    sink = await startMailSink();
    expect(() => sink?.refuseNext(1, 250)).toThrow(/4xx or 5xx/);
    expect(() => sink?.refuseNext(-1)).toThrow();
  });

  it("runs as a command: a line when listening, a line per message, and a clean stop on SIGTERM", async () => {
    const dir = await tempDir();
    const probe = await startMailSink();
    const port = probe.port; // a free port, given back before the command takes it
    await probe.close();
    const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", String(port), "--dir", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const label = (l: string) => () => `${l}; stdout: ${out} stderr: ${err}`;
    try {
      await until(() => out.includes("mail-sink listening on"), label("listening"));
      expect(out).toContain(`mail-sink listening on smtp://127.0.0.1:${port}, storing in ${dir}`);
      const sent = await sendMail(port, { from: "a@x.vn", to: ["an@moha.gov.vn"] }, message(1));
      expect(sent.ok).toBe(true);
      await until(() => out.includes(SUBJECT), label("the message line"));
      expect(out).toMatch(/an@moha\.gov\.vn .*\.eml/);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect((await readdir(dir)).filter((f) => f.endsWith(".txt"))).toHaveLength(1);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
