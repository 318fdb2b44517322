/**
 * Wire-protocol robustness of the embedded server, with hand-built frames on raw sockets.
 * Each malformed input must get an error reply ({ ok: 0 }) or a closed connection -- never a hang,
 * never a crash -- and the server must keep serving other clients with its data intact.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BSON, type Collection, type Document } from "mongodb";
import { openTarget, sleep, type Target, type AnyDoc } from "./harness.js";
// The server's CRC-32C, checked below against the algorithm's standard check value.
import { crc32c } from "../../src/wire/crc32c.js";

const OP_MSG = 2013;
const OP_REPLY = 1;

let nextRequestId = 1000;

function header(messageLength: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(messageLength, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** An OP_MSG with one kind-0 section holding `body` (raw BSON bytes or a document). */
function opMsg(
  body: Document | Buffer,
  opts: { requestId?: number; checksum?: "valid" | "wrong"; kind?: number } = {},
): { frame: Buffer; requestId: number } {
  const requestId = opts.requestId ?? nextRequestId++;
  const bson = Buffer.isBuffer(body) ? body : Buffer.from(BSON.serialize(body));
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(opts.checksum ? 1 : 0, 0);
  const section = Buffer.concat([Buffer.from([opts.kind ?? 0]), bson]);
  const len = 16 + 4 + section.length + (opts.checksum ? 4 : 0);
  let frame = Buffer.concat([header(len, requestId, 0, OP_MSG), flags, section]);
  if (opts.checksum) {
    const sum = Buffer.alloc(4);
    const crc = crc32c(frame);
    sum.writeUInt32LE(opts.checksum === "valid" ? crc : (crc ^ 0x5a5a5a5a) >>> 0, 0);
    frame = Buffer.concat([frame, sum]);
  }
  return { frame, requestId };
}

type Outcome = { kind: "reply"; opCode: number; responseTo: number; doc: Document } | { kind: "closed" } | { kind: "timeout" };

class RawConn {
  private buf = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on("error", () => {
      // ECONNRESET and friends: "close" follows
    });
  }

  static open(port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawConn(sock)));
      sock.once("error", reject);
    });
  }

  write(b: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.sock.destroyed) return resolve();
      this.sock.write(b, () => resolve());
    });
  }

  end(): void {
    this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }

  private tryParse(): Outcome | undefined {
    if (this.buf.length < 4) return undefined;
    const len = this.buf.readInt32LE(0);
    if (len < 16 || this.buf.length < len) return undefined;
    const msg = this.buf.subarray(0, len);
    this.buf = this.buf.subarray(len);
    const responseTo = msg.readInt32LE(8);
    const opCode = msg.readInt32LE(12);
    let doc: Document;
    if (opCode === OP_MSG) {
      if (msg[20] !== 0) throw new Error(`reply's first section has kind ${msg[20]}`);
      const docLen = msg.readInt32LE(21);
      doc = BSON.deserialize(msg.subarray(21, 21 + docLen));
    } else if (opCode === OP_REPLY) {
      const docLen = msg.readInt32LE(36);
      doc = BSON.deserialize(msg.subarray(36, 36 + docLen));
    } else {
      throw new Error(`unexpected reply opCode ${opCode}`);
    }
    return { kind: "reply", opCode, responseTo, doc };
  }

  /** The next reply, or "closed" when the server closed the connection, or "timeout". */
  async next(timeoutMs = 5000): Promise<Outcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.tryParse();
      if (parsed) return parsed;
      if (this.closed) return { kind: "closed" };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout" };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

describe.skipIf(!!process.env.MONGODB_URI)("wire protocol robustness (embedded only)", () => {
  let t: Target;
  let port: number;
  let coll: Collection<AnyDoc>;
  const open: RawConn[] = [];

  const conn = async () => {
    const c = await RawConn.open(port);
    open.push(c);
    return c;
  };

  /** The bad input got an error reply or a closed connection. */
  async function expectRejected(c: RawConn): Promise<void> {
    const out = await c.next(5000);
    if (out.kind === "reply") {
      expect(out.doc.ok, `expected an error reply, got ${JSON.stringify(out.doc)}`).toBe(0);
    } else {
      expect(out.kind, "the server neither replied nor closed the connection").toBe("closed");
    }
  }

  async function rawPing(): Promise<Document> {
    const c = await conn();
    const { frame, requestId } = opMsg({ ping: 1, $db: "admin" });
    await c.write(frame);
    const out = await c.next();
    expect(out.kind).toBe("reply");
    if (out.kind !== "reply") throw new Error("unreachable");
    expect(out.opCode).toBe(OP_MSG);
    expect(out.responseTo).toBe(requestId);
    c.destroy();
    return out.doc;
  }

  /** Another driver client and a fresh raw connection still work; stored data is intact. */
  async function expectHealthy(): Promise<void> {
    expect(await t.client.db("admin").command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(await coll.countDocuments()).toBe(50);
    expect(await coll.findOne({ _id: 7 })).toEqual({ _id: 7, v: "value-7", nested: { n: 7 } });
    expect(await rawPing()).toMatchObject({ ok: 1 });
  }

  beforeAll(async () => {
    t = await openTarget("protocol");
    port = Number(new URL(t.uri).port);
    expect(port).toBeGreaterThan(0);
    coll = t.db().collection<AnyDoc>("data");
    await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, v: `value-${i}`, nested: { n: i } })));
  });
  afterAll(async () => {
    for (const c of open) c.destroy();
    await t?.close();
  });

  it('the CRC-32C helper is correct (check value of "123456789")', () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
  });

  it("a valid hand-built OP_MSG ping gets { ok: 1 }", async () => {
    expect(await rawPing()).toMatchObject({ ok: 1 });
  });

  it("an OP_MSG with a correct CRC-32C checksum is accepted", async () => {
    const c = await conn();
    const { frame, requestId } = opMsg({ ping: 1, $db: "admin" }, { checksum: "valid" });
    await c.write(frame);
    const out = await c.next();
    expect(out).toMatchObject({ kind: "reply", responseTo: requestId, doc: { ok: 1 } });
  });

  it("pipelined messages in one write get one reply each, in order", async () => {
    const c = await conn();
    const a = opMsg({ ping: 1, $db: "admin" });
    const b = opMsg({ find: "data", filter: { _id: 3 }, $db: t.db().databaseName });
    await c.write(Buffer.concat([a.frame, b.frame]));
    const r1 = await c.next();
    const r2 = await c.next();
    expect(r1).toMatchObject({ kind: "reply", responseTo: a.requestId, doc: { ok: 1 } });
    expect(r2).toMatchObject({ kind: "reply", responseTo: b.requestId, doc: { ok: 1 } });
    if (r2.kind === "reply") expect(r2.doc.cursor.firstBatch).toEqual([{ _id: 3, v: "value-3", nested: { n: 3 } }]);
  });

  it("a message split across many small writes is reassembled", async () => {
    const c = await conn();
    const { frame, requestId } = opMsg({ ping: 1, $db: "admin" });
    for (let i = 0; i < frame.length; i += 5) {
      await c.write(frame.subarray(i, i + 5));
      await sleep(5);
    }
    expect(await c.next()).toMatchObject({ kind: "reply", responseTo: requestId, doc: { ok: 1 } });
  });

  it("a frame whose length field is less than 16", async () => {
    const c = await conn();
    const bad = header(8, nextRequestId++, 0, OP_MSG);
    await c.write(Buffer.concat([bad, Buffer.alloc(16)]));
    await expectRejected(c);
    const c2 = await conn();
    await c2.write(header(-1, nextRequestId++, 0, OP_MSG));
    await expectRejected(c2);
    await expectHealthy();
  });

  it("a truncated frame followed by close", async () => {
    const c = await conn();
    const { frame } = opMsg({ ping: 1, $db: "admin", padding: "p".repeat(200) });
    await c.write(frame.subarray(0, 40));
    c.end();
    const out = await c.next(5000);
    expect(out.kind).toBe("closed");
    await expectHealthy();
  });

  it("a message claiming more than 48,000,000 bytes", async () => {
    const c = await conn();
    const flags = Buffer.alloc(4);
    await c.write(Buffer.concat([header(48_000_001, nextRequestId++, 0, OP_MSG), flags, Buffer.from([0])]));
    await expectRejected(c);
    await expectHealthy();
  });

  it("an OP_MSG whose body is invalid BSON", async () => {
    // declared document length larger than the bytes that follow
    const c = await conn();
    const good = Buffer.from(BSON.serialize({ ping: 1, $db: "admin" }));
    const lying = Buffer.from(good);
    lying.writeInt32LE(good.length + 100, 0);
    await c.write(opMsg(lying).frame);
    await expectRejected(c);

    // an element of unknown BSON type 0x99
    const c2 = await conn();
    const weird = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from([0x99]),
      Buffer.from("ping\0", "latin1"),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from([0]),
    ]);
    weird.writeInt32LE(weird.length, 0);
    await c2.write(opMsg(weird).frame);
    await expectRejected(c2);

    // a document not terminated by a zero byte
    const c3 = await conn();
    const unterminated = Buffer.from(good);
    unterminated[unterminated.length - 1] = 7;
    await c3.write(opMsg(unterminated).frame);
    await expectRejected(c3);
    await expectHealthy();
  });

  it("an OP_MSG with an unknown section kind", async () => {
    const c = await conn();
    await c.write(opMsg({ ping: 1, $db: "admin" }, { kind: 7 }).frame);
    await expectRejected(c);
    await expectHealthy();
  });

  it("an unknown opcode (9999)", async () => {
    const c = await conn();
    const body = Buffer.from(BSON.serialize({ ping: 1, $db: "admin" }));
    await c.write(Buffer.concat([header(16 + body.length, nextRequestId++, 0, 9999), body]));
    await expectRejected(c);
    await expectHealthy();
  });

  it("an OP_MSG with a wrong CRC-32C checksum", async () => {
    const c = await conn();
    await c.write(opMsg({ ping: 1, $db: "admin" }, { checksum: "wrong" }).frame);
    await expectRejected(c);
    await expectHealthy();
  });

  it("garbage bytes", async () => {
    const c = await conn();
    await c.write(Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    await expectRejected(c);
    await expectHealthy();
  });
});
