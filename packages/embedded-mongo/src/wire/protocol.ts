/**
 * MongoDB wire protocol: message framing, OP_MSG (body and document-sequence sections, optional
 * CRC-32C checksum), legacy OP_QUERY (only for the connection handshake) and OP_REPLY.
 * Reference: mongodb/specifications source/message/OP_MSG.md.
 */
import { BSON, type Document } from "bson";
import { DESERIALIZE_OPTIONS } from "../storage/persistence.js";
import { crc32c } from "./crc32c.js";

export const OpCode = { REPLY: 1, QUERY: 2004, COMPRESSED: 2012, MSG: 2013 } as const;

export const HEADER_SIZE = 16;
export const MAX_MESSAGE_SIZE = 48_000_000;
export const MAX_BSON_SIZE = 16 * 1024 * 1024;

const FLAG_CHECKSUM = 1 << 0;
const FLAG_MORE_TO_COME = 1 << 1;
const FLAG_EXHAUST_ALLOWED = 1 << 16;
/** Bits 0-15 are "required": a receiver must refuse a message with one it does not know. */
const KNOWN_REQUIRED_FLAGS = FLAG_CHECKSUM | FLAG_MORE_TO_COME;

export class ProtocolViolation extends Error {}

export interface Header {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export interface CommandRequest {
  requestId: number;
  opCode: number;
  command: Document;
  /** The client expects no reply (OP_MSG moreToCome, e.g. w:0 writes). */
  noReply: boolean;
}

export function readHeader(buf: Buffer): Header {
  return {
    messageLength: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

/** Made once: every command's body is read with it. */
const WIRE_DESERIALIZE_OPTIONS = { ...DESERIALIZE_OPTIONS, validation: { utf8: true } } as const;

function readBson(buf: Buffer, offset: number, end: number): { doc: Document; size: number } {
  if (offset + 5 > end) throw new ProtocolViolation("truncated BSON document");
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolViolation(`invalid BSON document length ${size}`);
  if (size > MAX_BSON_SIZE + 16 * 1024)
    throw new ProtocolViolation(`BSON document of ${size} bytes exceeds the maximum of ${MAX_BSON_SIZE}`);
  try {
    return { doc: BSON.deserialize(buf.subarray(offset, offset + size), WIRE_DESERIALIZE_OPTIONS), size };
  } catch (err) {
    throw new ProtocolViolation(`invalid BSON: ${(err as Error).message}`);
  }
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolViolation("unterminated C string");
  return { value: buf.toString("utf8", offset, zero), next: zero + 1 };
}

/** Parses one complete message (header included) into a command. */
export function parseMessage(msg: Buffer): CommandRequest {
  const header = readHeader(msg);
  switch (header.opCode) {
    case OpCode.MSG:
      return parseOpMsg(msg, header);
    case OpCode.QUERY:
      return parseOpQuery(msg, header);
    case OpCode.COMPRESSED:
      throw new ProtocolViolation("OP_COMPRESSED is not supported (no compressors were negotiated)");
    default:
      throw new ProtocolViolation(`unsupported opcode ${header.opCode}`);
  }
}

function parseOpMsg(msg: Buffer, header: Header): CommandRequest {
  if (msg.length < HEADER_SIZE + 5) throw new ProtocolViolation("OP_MSG too short");
  const flags = msg.readUInt32LE(HEADER_SIZE);
  const requiredBits = flags & 0xffff;
  if ((requiredBits & ~KNOWN_REQUIRED_FLAGS) !== 0)
    throw new ProtocolViolation(`unrecognized required OP_MSG flags 0x${requiredBits.toString(16)}`);
  let end = msg.length;
  if (flags & FLAG_CHECKSUM) {
    if (msg.length < HEADER_SIZE + 4 + 4) throw new ProtocolViolation("OP_MSG checksum missing");
    end -= 4;
    const expected = msg.readUInt32LE(end);
    const actual = crc32c(msg.subarray(0, end));
    if (expected !== actual) throw new ProtocolViolation("OP_MSG checksum mismatch");
  }
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = msg[offset++];
    if (kind === 0) {
      if (body) throw new ProtocolViolation("OP_MSG has more than one body section");
      const { doc, size } = readBson(msg, offset, end);
      body = doc;
      offset += size;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolViolation("truncated document sequence");
      const size = msg.readInt32LE(offset);
      const seqEnd = offset + size;
      if (size < 5 || seqEnd > end) throw new ProtocolViolation(`invalid document sequence length ${size}`);
      const id = readCString(msg, offset + 4, seqEnd);
      let p = id.next;
      const docs: Document[] = [];
      while (p < seqEnd) {
        const { doc, size: docSize } = readBson(msg, p, seqEnd);
        docs.push(doc);
        p += docSize;
      }
      sequences.push([id.value, docs]);
      offset = seqEnd;
    } else {
      throw new ProtocolViolation(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolViolation("OP_MSG has no body section");
  for (const [id, docs] of sequences) {
    if (id in body) throw new ProtocolViolation(`duplicate field '${id}' in body and document sequence`);
    body[id] = docs;
  }
  return { requestId: header.requestId, opCode: OpCode.MSG, command: body, noReply: (flags & FLAG_MORE_TO_COME) !== 0 };
}

/** Legacy OP_QUERY: drivers use it only for the first `hello`/`isMaster` of a connection. */
function parseOpQuery(msg: Buffer, header: Header): CommandRequest {
  let offset = HEADER_SIZE + 4;
  const ns = readCString(msg, offset, msg.length);
  offset = ns.next + 8; // numberToSkip, numberToReturn
  const { doc } = readBson(msg, offset, msg.length);
  if (!ns.value.endsWith(".$cmd")) throw new ProtocolViolation(`legacy OP_QUERY on ${ns.value} is not supported; only commands`);
  const command = doc.$query && typeof doc.$query === "object" ? { ...(doc.$query as Document) } : { ...doc };
  command.$db = ns.value.slice(0, -".$cmd".length);
  return { requestId: header.requestId, opCode: OpCode.QUERY, command, noReply: false };
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeOpMsg(reply: Document, requestId: number, responseTo: number): Buffer {
  const body = BSON.serialize(reply);
  const length = HEADER_SIZE + 4 + 1 + body.length;
  const out = Buffer.allocUnsafe(length);
  header(length, requestId, responseTo, OpCode.MSG).copy(out, 0);
  out.writeUInt32LE(0, HEADER_SIZE);
  out[HEADER_SIZE + 4] = 0;
  out.set(body, HEADER_SIZE + 5);
  return out;
}

export function encodeOpReply(reply: Document, requestId: number, responseTo: number): Buffer {
  const body = BSON.serialize(reply);
  const length = HEADER_SIZE + 20 + body.length;
  const out = Buffer.allocUnsafe(length);
  header(length, requestId, responseTo, OpCode.REPLY).copy(out, 0);
  out.writeInt32LE(0, HEADER_SIZE); // responseFlags
  out.writeBigInt64LE(0n, HEADER_SIZE + 4); // cursorID
  out.writeInt32LE(0, HEADER_SIZE + 12); // startingFrom
  out.writeInt32LE(1, HEADER_SIZE + 16); // numberReturned
  out.set(body, HEADER_SIZE + 20);
  return out;
}

export { FLAG_EXHAUST_ALLOWED };
