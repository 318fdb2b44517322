/**
 * Server reflection as a standard client sees it: over a real channel, every listed service's file is
 * built strictly from the dependencies it declares (what grpcurl, grpcui, Postman and Python's grpcio do),
 * and an independent Python client does the same when Debian's python3-grpcio is installed.
 */
import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createFileRegistry, equals, fromBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { credentials, status, type ClientDuplexStream, type ServiceDefinition } from "@grpc/grpc-js";
import { loadDescriptorSet } from "@ministry/proto";
import * as v1 from "@ministry/proto/grpc/reflection/v1/reflection";
import * as v1alpha from "@ministry/proto/grpc/reflection/v1alpha/reflection";
import { OperationsServiceService } from "@ministry/proto/ministry/platform/v1/operations";
import { ProgrammeServiceService, ReportServiceService, TaskServiceService } from "@ministry/proto/ministry/tasks/v1/tasks";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalAuthority, createVerifier } from "../../src/auth/index.js";
import { createGrpcServer, type GrpcServer } from "../../src/grpc/index.js";
import { captureLogs } from "./helpers.js";

type Request = v1.ServerReflectionRequest["messageRequest"];
type Response = v1.ServerReflectionResponse;
interface ReflectionClient {
  serverReflectionInfo(): ClientDuplexStream<v1.ServerReflectionRequest, Response>;
  close(): void;
}
type ClientConstructor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => ReflectionClient;

/** A service the server registers whose contract is not in the descriptor set: reflection cannot describe it. */
const UndescribedService = {
  ping: { ...OperationsServiceService.discardDeadLetter, path: "/ministry.test.v1.UndescribedService/Ping" },
} satisfies ServiceDefinition;

const registered: Record<string, ServiceDefinition> = {
  "ministry.platform.v1.OperationsService": OperationsServiceService,
  "ministry.tasks.v1.ProgrammeService": ProgrammeServiceService,
  "ministry.tasks.v1.TaskService": TaskServiceService,
  "ministry.tasks.v1.ReportService": ReportServiceService,
};
/** What a client should find listed, with the methods each serves. */
const expected: Record<string, ServiceDefinition> = {
  ...registered,
  "grpc.health.v1.Health": healthService as unknown as ServiceDefinition,
  "grpc.reflection.v1.ServerReflection": v1.ServerReflectionService,
  "grpc.reflection.v1alpha.ServerReflection": v1alpha.ServerReflectionService,
};

const { lines, log } = captureLogs();
let grpcServer: GrpcServer;
/** What buf built, read independently of the server: the reference every answer is checked against. */
const bufSet = fromBinary(FileDescriptorSetSchema, loadDescriptorSet());
const bufRegistry = createFileRegistry(bufSet);

beforeAll(async () => {
  const authority = await createLocalAuthority();
  grpcServer = createGrpcServer({
    log,
    auth: createVerifier({ localAuthority: authority, issuer: authority.issuer, audience: authority.audience }),
    services: [...Object.values(registered), UndescribedService].map((definition) => ({ definition, implementation: {} })),
  });
  await grpcServer.start();
});

afterAll(async () => {
  await grpcServer?.shutdown();
});

/**
 * What a standard client does with the files reflection sends: keep them, then build each from the
 * files it declares as dependencies.
 */
class StrictBuilder {
  readonly files = new Map<string, FileDescriptorProto>();
  private readonly built = new Map<string, DescFile>();

  /**
   * Builds a file the way a standard client does: from the files it declares as dependencies (built
   * the same way first), nothing else. A missing dependency throws, and so does a type that no declared
   * dependency provides. (Not `createFileRegistry(file, resolve)` alone: 2.17 orders the files it
   * resolves so that a dependency shared by two imports can come after the file that needs it.)
   */
  build(fileName: string, importedBy = "the caller"): DescFile {
    const done = this.built.get(fileName);
    if (done) return done;
    const proto = this.files.get(fileName);
    if (!proto) throw new Error(`${fileName}, imported by ${importedBy}, was never sent`);
    for (const dependency of proto.dependency) this.build(dependency, fileName);
    const file = createFileRegistry(proto, (name) => this.built.get(name)).getFile(fileName)!;
    this.built.set(fileName, file);
    return file;
  }
}

/** One ServerReflectionInfo stream, asked one request at a time (answers come in request order). */
class Session {
  private readonly client: ReflectionClient;
  private readonly stream: ClientDuplexStream<v1.ServerReflectionRequest, Response>;
  private readonly waiting: { resolve: (r: Response) => void; reject: (e: Error) => void }[] = [];
  /** Every file this stream has sent: a server sends each dependency once per stream. */
  readonly builder = new StrictBuilder();
  readonly raw = new Map<string, Uint8Array>();

  constructor(Client: ClientConstructor) {
    this.client = new Client(grpcServer.address, credentials.createInsecure());
    this.stream = this.client.serverReflectionInfo();
    this.stream.on("data", (res: Response) => this.waiting.shift()?.resolve(res));
    this.stream.on("error", (err: Error) => {
      for (const w of this.waiting.splice(0)) w.reject(err);
    });
  }

  ask(messageRequest: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.stream.write({ host: "", messageRequest });
    });
  }

  /** The files of a file_* answer, decoded and remembered; throws on any other answer. */
  async files(messageRequest: Request): Promise<FileDescriptorProto[]> {
    const res = await this.ask(messageRequest);
    if (res.messageResponse?.$case !== "fileDescriptorResponse")
      throw new Error(`no files for ${JSON.stringify(messageRequest)}: ${JSON.stringify(res)}`);
    return res.messageResponse.value.fileDescriptorProto.map((bytes) => {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      this.builder.files.set(file.name, file);
      this.raw.set(file.name, bytes);
      return file;
    });
  }

  async errorCode(messageRequest: Request): Promise<number | undefined> {
    const res = await this.ask(messageRequest);
    return res.messageResponse?.$case === "errorResponse" ? res.messageResponse.value.errorCode : undefined;
  }

  close() {
    this.stream.end();
    this.client.close();
  }
}

describe.each([
  ["v1", v1.ServerReflectionClient as unknown as ClientConstructor],
  ["v1alpha", v1alpha.ServerReflectionClient as unknown as ClientConstructor],
])("reflection %s, as a standard client uses it", (_version, Client) => {
  it("lists the registered services, health and reflection, and not a service it cannot describe", async () => {
    const session = new Session(Client);
    try {
      const res = await session.ask({ $case: "listServices", value: "*" });
      expect(res.messageResponse?.$case).toBe("listServicesResponse");
      const names = res.messageResponse?.$case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
      expect(names.sort()).toEqual(Object.keys(expected).sort());
      expect(lines.find((l) => l.level === 40 && String(l.msg).startsWith("no descriptor"))?.services).toEqual([
        "ministry.test.v1.UndescribedService",
      ]);
    } finally {
      session.close();
    }
  });

  it("builds every listed service's file strictly from its declared dependencies and resolves every method's types", async () => {
    const session = new Session(Client);
    try {
      const listed = await session.ask({ $case: "listServices", value: "" });
      const names = listed.messageResponse?.$case === "listServicesResponse" ? listed.messageResponse.value.service.map((s) => s.name) : [];
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const [file] = await session.files({ $case: "fileContainingSymbol", value: name });
        const service = session.builder.build(file.name).services.find((s) => s.typeName === name);
        expect(service, `${name} in ${file.name}`).toBeDefined();
        const reference = bufRegistry.getService(name)!;
        expect(service!.methods.map((m) => `/${name}/${m.name}`).sort(), name).toEqual(
          Object.values(expected[name])
            .map((m) => m.path)
            .sort(),
        );
        for (const method of service!.methods) {
          const ref = reference.methods.find((m) => m.name === method.name)!;
          expect([method.input.typeName, method.output.typeName], `${name}/${method.name}`).toEqual([
            ref.input.typeName,
            ref.output.typeName,
          ]);
          expect(method.methodKind, `${name}/${method.name}`).toBe(ref.methodKind);
        }
      }
      // Every file the stream sent builds on its own too, not only the ones a service lives in.
      for (const name of session.builder.files.keys()) expect(() => session.builder.build(name), name).not.toThrow();
    } finally {
      session.close();
    }
  });

  it("answers NOT_FOUND for an unknown symbol, file or extension, and keeps the stream usable", async () => {
    const session = new Session(Client);
    try {
      expect(await session.errorCode({ $case: "fileContainingSymbol", value: "ministry.tasks.v1.Nope" })).toBe(status.NOT_FOUND);
      expect(await session.errorCode({ $case: "fileContainingSymbol", value: "ministry.test.v1.UndescribedService" })).toBe(
        status.NOT_FOUND,
      );
      expect(await session.errorCode({ $case: "fileByFilename", value: "ministry/tasks/v1/nope.proto" })).toBe(status.NOT_FOUND);
      expect(
        await session.errorCode({
          $case: "fileContainingExtension",
          value: { containingType: "ministry.tasks.v1.Task", extensionNumber: 1000 },
        }),
      ).toBe(status.NOT_FOUND);
      expect(await session.errorCode({ $case: "allExtensionNumbersOfType", value: "ministry.tasks.v1.Nope" })).toBe(status.NOT_FOUND);
      const numbers = await session.ask({ $case: "allExtensionNumbersOfType", value: "ministry.tasks.v1.Task" });
      expect(numbers.messageResponse).toEqual({
        $case: "allExtensionNumbersResponse",
        value: { baseTypeName: "ministry.tasks.v1.Task", extensionNumber: [] },
      });
      const [file] = await session.files({ $case: "fileContainingSymbol", value: "ministry.tasks.v1.TaskService" });
      expect(file.name).toBe("ministry/tasks/v1/tasks.proto");
    } finally {
      session.close();
    }
  });
});

describe("the defect of @grpc/reflection over proto-loader (grpc/grpc-node#3034) is gone", () => {
  it("(the test client is strict: it refuses a file sent the old way, without its dependency list)", () => {
    const tasks = bufSet.file.find((f) => f.name === "ministry/tasks/v1/tasks.proto")!;
    const withTasks = (altered: FileDescriptorProto) => {
      const builder = new StrictBuilder();
      for (const file of bufSet.file) builder.files.set(file.name, file);
      builder.files.set(tasks.name, altered);
      return builder;
    };
    expect(() => withTasks(tasks).build(tasks.name)).not.toThrow();
    expect(() => withTasks({ ...tasks, dependency: [] }).build(tasks.name)).toThrow(/not found/);
    expect(() => withTasks({ ...tasks, dependency: [...tasks.dependency, "ministry/common/v1/nope.proto"] }).build(tasks.name)).toThrow(
      /never sent/,
    );
  });

  it("sends a file with the dependencies its .proto imports, byte for byte as buf built it", async () => {
    const session = new Session(v1.ServerReflectionClient as unknown as ClientConstructor);
    try {
      const files = await session.files({ $case: "fileContainingSymbol", value: "ministry.tasks.v1.TaskService" });
      expect(files[0].name).toBe("ministry/tasks/v1/tasks.proto");
      expect(files[0].dependency).toEqual([
        "google/protobuf/timestamp.proto",
        "ministry/common/v1/common.proto",
        "ministry/common/v1/deadline.proto",
      ]);
      // The requested file first, then every transitive dependency the stream has not sent yet.
      expect(files.map((f) => f.name).sort()).toEqual(
        [
          "ministry/tasks/v1/tasks.proto",
          "google/protobuf/timestamp.proto",
          "ministry/common/v1/common.proto",
          "ministry/common/v1/deadline.proto",
        ].sort(),
      );
      const setBytes = Buffer.from(loadDescriptorSet());
      for (const file of files) {
        const built = bufSet.file.find((f) => f.name === file.name)!;
        expect(equals(FileDescriptorProtoSchema, file, built), file.name).toBe(true);
        expect(setBytes.indexOf(Buffer.from(session.raw.get(file.name)!)), `${file.name} verbatim`).toBeGreaterThanOrEqual(0);
      }
      // Already sent on this stream: only the file asked for comes again.
      const again = await session.files({ $case: "fileContainingSymbol", value: "ministry.tasks.v1.ReportService" });
      expect(again.map((f) => f.name)).toEqual(["ministry/tasks/v1/tasks.proto"]);
      const byName = await session.files({ $case: "fileByFilename", value: "ministry/common/v1/deadline.proto" });
      expect(byName.map((f) => f.name)).toEqual(["ministry/common/v1/deadline.proto"]);
    } finally {
      session.close();
    }
  });

  it("answers a symbol with the file that declares it", async () => {
    const session = new Session(v1.ServerReflectionClient as unknown as ClientConstructor);
    const cases: [symbol: string, file: string][] = [
      ["ministry.tasks.v1.TaskService", "ministry/tasks/v1/tasks.proto"],
      ["ministry.tasks.v1.TaskService.GetTask", "ministry/tasks/v1/tasks.proto"],
      ["ministry.tasks.v1.Task", "ministry/tasks/v1/tasks.proto"],
      ["ministry.tasks.v1.TaskStatus", "ministry/tasks/v1/tasks.proto"],
      ["ministry.tasks.v1.TASK_STATUS_SUBMITTED", "ministry/tasks/v1/tasks.proto"],
      ["ministry.common.v1.Actor", "ministry/common/v1/common.proto"],
      ["ministry.common.v1.Actor.display_name", "ministry/common/v1/common.proto"],
      ["ministry.common.v1.Deadline.spec", "ministry/common/v1/deadline.proto"],
      ["ministry.common.v1.PageRequest", "ministry/common/v1/common.proto"],
      ["google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
      ["google.rpc.BadRequest.FieldViolation", "google/rpc/error_details.proto"],
      ["grpc.health.v1.Health", "grpc/health/v1/health.proto"],
      ["grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
      ["grpc.health.v1.HealthCheckResponse.SERVING", "grpc/health/v1/health.proto"],
    ];
    try {
      for (const [symbol, fileName] of cases) {
        const [file] = await session.files({ $case: "fileContainingSymbol", value: symbol });
        expect(file.name, symbol).toBe(fileName);
      }
      // And each file declares exactly what buf put in it: no symbols merged in from its package's other files.
      for (const [name, file] of session.builder.files) {
        expect(equals(FileDescriptorProtoSchema, file, bufSet.file.find((f) => f.name === name)!), name).toBe(true);
      }
    } finally {
      session.close();
    }
  });
});

const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("../../../../scripts/grpc-reflect.py", import.meta.url));
const pythonMissing =
  spawnSync(python, ["-c", "import grpc, google.protobuf"], { stdio: "ignore" }).status === 0
    ? undefined
    : `${python} cannot import grpc and google.protobuf (Debian: apt-get install python3-grpcio python3-protobuf; ./scripts/bootstrap tries)`;

interface PythonResult {
  api: string;
  services: { name: string; file: string; methods: { name: string; input: string; output: string }[] }[];
  files: { name: string; dependency: string[] }[];
}

describe("an independent client: Python grpcio (scripts/grpc-reflect.py)", () => {
  it.skipIf(pythonMissing !== undefined).each(["v1", "v1alpha"])(
    `lists every service and builds every method over %s${pythonMissing ? ` (skipped: ${pythonMissing})` : ""}`,
    async (api) => {
      const { stdout } = await promisify(execFile)(python, [script, grpcServer.address, "--api", api, "--json"], { timeout: 30_000 });
      const result = JSON.parse(stdout) as PythonResult;
      expect(result.api).toBe(`grpc.reflection.${api}`);
      expect(result.services.map((s) => s.name).sort()).toEqual(Object.keys(expected).sort());
      for (const service of result.services) {
        const reference = bufRegistry.getService(service.name)!;
        expect(service.file).toBe(`${reference.file.name}.proto`);
        expect(service.methods.map((m) => [m.name, m.input, m.output])).toEqual(
          reference.methods.map((m) => [m.name, m.input.typeName, m.output.typeName]),
        );
      }
      expect(result.files.find((f) => f.name === "ministry/tasks/v1/tasks.proto")?.dependency).toContain("ministry/common/v1/common.proto");
    },
  );
});
