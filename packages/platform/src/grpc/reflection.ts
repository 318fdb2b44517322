/**
 * gRPC server reflection, `grpc.reflection.v1` and `v1alpha`, answered from the FileDescriptorSet that
 * buf builds for the contracts.
 *
 * Not `@grpc/reflection`: it rebuilds descriptors from proto-loader's package definition, which loses
 * each file's dependency list and merges a package's symbols into whichever file it met first
 * (grpc/grpc-node#3034), so grpcurl, grpcui, Postman and Python clients cannot build what it sends.
 * Here every answer is a file's serialized FileDescriptorProto exactly as buf wrote it, with the
 * dependencies it declares; a client builds each file from those and nothing else.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { status, type Server, type ServerDuplexStream } from "@grpc/grpc-js";
import { loadDescriptorSet } from "@ministry/proto";
import * as v1 from "@ministry/proto/grpc/reflection/v1/reflection";
import * as v1alpha from "@ministry/proto/grpc/reflection/v1alpha/reflection";
import type { Logger } from "../logger.js";

/** The two reflection services `addReflection` registers; both are in the contracts' descriptor set. */
export const REFLECTION_SERVICES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

// v1alpha's messages are v1's under another package name (same fields, same numbers), so one handler
// written against v1's types serves both.
type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;
type Answer = NonNullable<Response["messageResponse"]>;

interface IndexedFile {
  /** The serialized FileDescriptorProto, a view into the set as buf wrote it. */
  bytes: Buffer;
  dependencies: string[];
}

/** A descriptor set indexed once: files by name, every symbol and extension to the file declaring it. */
export class DescriptorIndex {
  private readonly files = new Map<string, IndexedFile>();
  /** Fully qualified name (no leading dot) → the file that declares it. */
  private readonly symbols = new Map<string, string>();
  private readonly services = new Set<string>();
  private readonly messages = new Set<string>();
  /** Extended message → field number → the file declaring the extension. */
  private readonly extensions = new Map<string, Map<number, string>>();

  /**
   * `set` is a serialized google.protobuf.FileDescriptorSet that includes every import (what
   * `buf build --as-file-descriptor-set` writes unless told `--exclude-imports`). A file importing one
   * the set lacks is refused here, at start-up, rather than handed to clients that cannot build it.
   */
  constructor(set: Uint8Array) {
    // Walk the set's wire format instead of decoding and re-encoding it, so each file goes out as the
    // exact bytes buf wrote (field 1 of FileDescriptorSet is `repeated FileDescriptorProto file`).
    const reader = new BinaryReader(set);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo !== 1 || wireType !== WireType.LengthDelimited) {
        reader.skip(wireType, fieldNo);
        continue;
      }
      const raw = reader.bytes();
      const file = fromBinary(FileDescriptorProtoSchema, raw);
      this.files.set(file.name, { bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), dependencies: file.dependency });
      const scope = file.package ? `${file.package}.` : "";
      for (const message of file.messageType) this.addMessage(file.name, scope, message);
      for (const enumType of file.enumType) this.addEnum(file.name, scope, enumType);
      for (const extension of file.extension) this.addExtension(file.name, scope, extension);
      for (const service of file.service) {
        const name = scope + service.name;
        this.addSymbol(file.name, name);
        this.services.add(name);
        for (const method of service.method) this.addSymbol(file.name, `${name}.${method.name}`);
      }
    }
    for (const [name, file] of this.files) {
      const missing = file.dependencies.filter((d) => !this.files.has(d));
      if (missing.length > 0) {
        throw new Error(`descriptor set: ${name} imports ${missing.join(", ")}, which the set lacks (build it without --exclude-imports)`);
      }
    }
  }

  hasService(name: string): boolean {
    return this.services.has(name);
  }

  hasFile(name: string): boolean {
    return this.files.has(name);
  }

  /** The file declaring a service, method, message, field, oneof, enum, enum value or extension. */
  fileContainingSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
  }

  fileContainingExtension(extendee: string, fieldNumber: number): string | undefined {
    return this.extensions.get(stripDot(extendee))?.get(fieldNumber);
  }

  /** The extension numbers of a message (empty when none), or undefined when no such message exists. */
  extensionNumbers(extendee: string): number[] | undefined {
    const name = stripDot(extendee);
    if (!this.messages.has(name)) return undefined;
    return [...(this.extensions.get(name)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * The file first, then each of its transitive dependencies that `sent` does not hold yet (as grpc-go
   * answers: a client needs them all to build the file, but one stream never needs a file twice).
   * Records what it returns in `sent`.
   */
  withDependencies(fileName: string, sent: Set<string>): Buffer[] {
    const out: Buffer[] = [];
    const queue = [fileName];
    const seen = new Set(queue);
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const file = this.files.get(name)!;
      if (name === fileName || !sent.has(name)) {
        out.push(file.bytes);
        sent.add(name);
      }
      for (const dep of file.dependencies) {
        if (!seen.has(dep)) {
          seen.add(dep);
          queue.push(dep);
        }
      }
    }
    return out;
  }

  private addSymbol(file: string, name: string) {
    // buf refuses a set that declares a name twice; keep the first rather than trust the last.
    if (!this.symbols.has(name)) this.symbols.set(name, file);
  }

  private addMessage(file: string, scope: string, message: DescriptorProto) {
    const name = scope + message.name;
    this.addSymbol(file, name);
    this.messages.add(name);
    for (const field of message.field) this.addSymbol(file, `${name}.${field.name}`);
    for (const oneof of message.oneofDecl) this.addSymbol(file, `${name}.${oneof.name}`);
    for (const nested of message.nestedType) this.addMessage(file, `${name}.`, nested);
    for (const nested of message.enumType) this.addEnum(file, `${name}.`, nested);
    for (const extension of message.extension) this.addExtension(file, `${name}.`, extension);
  }

  private addEnum(file: string, scope: string, enumType: EnumDescriptorProto) {
    this.addSymbol(file, scope + enumType.name);
    // Enum values are scoped as siblings of their enum, not inside it (protobuf's C++ scoping rules).
    for (const value of enumType.value) this.addSymbol(file, scope + value.name);
  }

  private addExtension(file: string, scope: string, extension: FieldDescriptorProto) {
    this.addSymbol(file, scope + extension.name);
    const extendee = stripDot(extension.extendee);
    const numbers = this.extensions.get(extendee) ?? new Map<number, string>();
    this.extensions.set(extendee, numbers);
    if (!numbers.has(extension.number)) numbers.set(extension.number, file);
  }
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}

let contracts: DescriptorIndex | undefined;

/** The index of the contracts' descriptor set (@ministry/proto), built once per process. */
export function contractsDescriptorIndex(): DescriptorIndex {
  contracts ??= new DescriptorIndex(loadDescriptorSet());
  return contracts;
}

function notFound(message: string): Answer {
  return { $case: "errorResponse", value: { errorCode: status.NOT_FOUND, errorMessage: message } };
}

function answer(index: DescriptorIndex, listed: v1.ListServiceResponse, request: Request, sent: Set<string>): Answer {
  const files = (file: string | undefined, missing: string): Answer =>
    file === undefined
      ? notFound(missing)
      : { $case: "fileDescriptorResponse", value: { fileDescriptorProto: index.withDependencies(file, sent) } };
  const req = request.messageRequest;
  switch (req?.$case) {
    case "listServices":
      return { $case: "listServicesResponse", value: listed };
    case "fileByFilename":
      return files(index.hasFile(req.value) ? req.value : undefined, `file not found: ${req.value}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(req.value), `symbol not found: ${req.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = req.value;
      return files(
        index.fileContainingExtension(containingType, extensionNumber),
        `extension not found: ${containingType} ${extensionNumber}`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(req.value);
      return numbers === undefined
        ? notFound(`message type not found: ${req.value}`)
        : { $case: "allExtensionNumbersResponse", value: { baseTypeName: stripDot(req.value), extensionNumber: numbers } };
    }
    default:
      // A request kind newer than this server (or none): answer on the stream and keep it open, as
      // grpc-java does, so a client can carry on with the kinds it knows.
      return { $case: "errorResponse", value: { errorCode: status.UNIMPLEMENTED, errorMessage: "unsupported reflection request" } };
  }
}

/**
 * Registers `grpc.reflection.v1.ServerReflection` and `v1alpha` on `server`, answering from `index`.
 * `services` is what list_services names: the services this server serves whose descriptors `index`
 * holds (a listed service a client cannot describe would fail it).
 */
export function addReflection(server: Server, index: DescriptorIndex, services: readonly string[], log: Logger): void {
  const listed: v1.ListServiceResponse = { service: [...services].sort().map((name) => ({ name })) };
  const serverReflectionInfo = (call: ServerDuplexStream<Request, Response>) => {
    // Per stream, as grpc-go does: each file goes out once, then the client has it.
    const sent = new Set<string>();
    call.on("data", (request: Request) => {
      try {
        call.write({ validHost: request.host, originalRequest: request, messageResponse: answer(index, listed, request, sent) });
      } catch (err) {
        log.error({ err }, "reflection request failed");
        call.emit("error", { code: status.INTERNAL, details: "internal error" });
      }
    });
    call.on("end", () => call.end());
  };
  server.addService(v1.ServerReflectionService, { serverReflectionInfo });
  server.addService(v1alpha.ServerReflectionService, { serverReflectionInfo });
}
