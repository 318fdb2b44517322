/**
 * The email sender's classification of failures and the error text it keeps: short, single-line and
 * without credentials, against real servers (the mail sink; a TCP server that never greets).
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { startMailSink, type MailSink } from "@ministry/mail-sink";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ERROR_LENGTH, createEmailSender, isPermanentSmtpError, scrubError } from "../../src/channels/email.js";
import { MAIL_FROM, emailMessage, log } from "./helpers.js";

let sink: MailSink;
beforeAll(async () => {
  sink = await startMailSink();
});
afterAll(() => sink.close());

describe("email sender", () => {
  it("classifies SMTP replies and connection failures", () => {
    const e = (props: object) => Object.assign(new Error("x"), props);
    expect(isPermanentSmtpError(e({ code: "EENVELOPE", responseCode: 550 }))).toBe(true);
    expect(isPermanentSmtpError(e({ code: "EMESSAGE", responseCode: 552 }))).toBe(true);
    expect(isPermanentSmtpError(e({ code: "EENVELOPE", responseCode: 451 }))).toBe(false);
    expect(isPermanentSmtpError(e({ code: "EENVELOPE", responseCode: 421 }))).toBe(false);
    // 503 is a session out of step, not a refusal of the message.
    expect(isPermanentSmtpError(e({ code: "EPROTOCOL", responseCode: 503 }))).toBe(false);
    for (const code of ["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "EPROTOCOL"])
      expect(isPermanentSmtpError(e({ code }))).toBe(false);
    expect(isPermanentSmtpError(e({ code: "EENVELOPE" }))).toBe(true); // no recipient at all
  });

  it("keeps error text short, on one line, and without credentials", () => {
    const url = "smtps://thongbao:Mat-Khau-2020@mail.moha.gov.vn:465";
    const text = `Connection to ${url} failed\r\nAUTH PLAIN dGhvbmdiYW86TWF0LUtoYXUtMjAyMA== rejected; password Mat-Khau-2020`;
    const scrubbed = scrubError(text, ["Mat-Khau-2020"]);
    expect(scrubbed).not.toContain("Mat-Khau-2020");
    expect(scrubbed).not.toContain("dGhvbmdiYW86TWF0LUtoYXUtMjAyMA==");
    expect(scrubbed).not.toContain("thongbao:");
    expect(scrubbed).not.toMatch(/[\r\n]/);
    expect(scrubbed).toContain("smtps://***@mail.moha.gov.vn:465");
    expect(scrubError("x".repeat(2_000))).toHaveLength(MAX_ERROR_LENGTH);
  });

  it("treats a server that never greets as transient", async () => {
    const silent = net.createServer(() => {}); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const sender = createEmailSender({ url: `smtp://127.0.0.1:${port}`, from: MAIL_FROM, maxConnections: 1, log, greetingTimeoutMs: 200 });
    try {
      const outcome = await sender.send(emailMessage("d-silent"));
      expect(outcome).toMatchObject({ ok: false, permanent: false });
      expect(outcome.ok === false && outcome.error).toMatch(/ETIMEDOUT|greeting/i);
    } finally {
      await sender.close();
      silent.close();
    }
  });

  it("never puts the URL's credentials in the error it reports, even when the server echoes them", async () => {
    // A badly behaved server that repeats what it was given in its refusal.
    const server = new SMTPServer({
      authMethods: ["PLAIN", "LOGIN"],
      allowInsecureAuth: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onAuth(auth, _session, callback) {
        const err: Error & { responseCode?: number } = new Error(`Authentication failed for ${auth.username} with ${auth.password}`);
        err.responseCode = 535;
        callback(err);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.server.address() as AddressInfo;
    const sender = createEmailSender({ url: `smtp://thongbao:Mat-Khau-2020@127.0.0.1:${port}`, from: MAIL_FROM, maxConnections: 1, log });
    try {
      const outcome = await sender.send(emailMessage("d-auth"));
      expect(outcome).toMatchObject({ ok: false, permanent: true });
      expect(outcome.ok === false && outcome.error).toMatch(/^535 .*Authentication failed for \*\*\* with \*\*\*/);
      expect(JSON.stringify(outcome)).not.toContain("Mat-Khau-2020");
      expect(JSON.stringify(outcome)).not.toContain("thongbao");
    } finally {
      await sender.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
