/**
 * gRPC clients built from the descriptors: messages cross as bytes (the gateway encodes and decodes
 * them itself with @bufbuild/protobuf), and each client goes through the platform's `createClient`,
 * so every call carries the caller's token and the trace, has a deadline, and is measured like any
 * service-to-service call. Read-only methods (GET routes) are retried on UNAVAILABLE.
 */
import { makeGenericClientConstructor, type Client, type Metadata, type ServiceDefinition, type ServiceError } from "@grpc/grpc-js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createClient, type Logger } from "@ministry/platform";

const passThrough = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function definitionOf(service: DescService): ServiceDefinition {
  const def: Record<string, ServiceDefinition[string]> = {};
  for (const m of service.methods) {
    def[m.name] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
      responseStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
      originalName: m.localName,
    };
  }
  return def;
}

type UnaryFn = (req: Buffer, md: Metadata, opts: { deadline?: Date }, cb: (err: ServiceError | null, res?: Buffer) => void) => unknown;

export class ServiceClients {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly addressOf: (service: DescService) => string,
    private readonly log: Logger,
    private readonly idempotent: (method: DescMethod) => boolean,
  ) {}

  client(service: DescService): Client {
    let client = this.clients.get(service.typeName);
    if (!client) {
      const definition = definitionOf(service);
      const ctor = Object.assign(makeGenericClientConstructor(definition, service.name), { service: definition });
      client = createClient(ctor, this.addressOf(service), {
        log: this.log,
        idempotent: service.methods.filter((m) => m.methodKind === "unary" && this.idempotent(m)).map((m) => m.name),
        // Tokens are the HTTP caller's, from the request scope; streams (SSE) live as long as the client stays.
        channelOptions: { "grpc.keepalive_time_ms": 30_000, "grpc.keepalive_timeout_ms": 10_000 },
      });
      this.clients.set(service.typeName, client);
    }
    return client;
  }

  unary(method: DescMethod, request: Uint8Array, metadata: Metadata, deadline: Date): Promise<Buffer> {
    const fn = (this.client(method.parent) as unknown as Record<string, UnaryFn>)[method.name]!;
    return new Promise((resolve, reject) => {
      fn.call(this.client(method.parent), passThrough(request), metadata, { deadline }, (err, res) => (err ? reject(err) : resolve(res!)));
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
