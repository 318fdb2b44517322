/**
 * A service's gRPC server: its services with errors mapped, the shared interceptors (observability,
 * deadlines, authentication), `grpc.health.v1` health and server reflection.
 */
import { Server, ServerCredentials, type ChannelOptions, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatusMap } from "grpc-health-check";
import type { Verifier } from "../auth/verifier.js";
import type { Logger } from "../logger.js";
import { wrapImplementation } from "./handlers.js";
import { authInterceptor, deadlineInterceptor, observabilityInterceptor, type AccessLogPolicy } from "./interceptors.js";
import { addReflection, contractsDescriptorIndex, REFLECTION_SERVICES } from "./reflection.js";

export interface GrpcServiceRegistration {
  /** ts-proto's `<Name>Service` definition. */
  definition: ServiceDefinition;
  /** The handlers (ts-proto's `<Name>Server`); they may be async and may throw typed domain errors. */
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  log: Logger;
  /** Verifies every call's bearer token (health and reflection are open). */
  auth: Verifier;
  services: GrpcServiceRegistration[];
  host?: string;
  /** 0 picks a free port; `start()` resolves to the port bound. */
  port?: number;
  /** Which calls get a log line (default: refused, failed and slow ones; no OK call in time). */
  accessLog?: AccessLogPolicy;
  /** Applied to unary and client-streaming calls that arrive without a deadline. */
  defaultDeadlineMs?: number;
  /** Further methods open without a token, as full paths: "/package.Service/Method". */
  openMethods?: string[];
  /** Server reflection (v1 and v1alpha) over the contracts' descriptor set as buf built it (default on). */
  reflection?: boolean;
  /** How long `shutdown()` lets in-flight calls finish before cancelling them. */
  shutdownTimeoutMs?: number;
  credentials?: ServerCredentials;
  channelOptions?: ChannelOptions;
}

export interface GrpcServer {
  readonly server: Server;
  readonly health: HealthImplementation;
  /** Fully qualified names of the services registered, e.g. "ministry.platform.v1.OperationsService". */
  readonly serviceNames: string[];
  /** Bound port (after `start`). */
  readonly port: number;
  /** "host:port" to dial (after `start`). */
  readonly address: string;
  readonly serving: boolean;
  start(): Promise<number>;
  /** Reports NOT_SERVING, lets in-flight calls finish (up to the timeout), then stops. Safe to call twice. */
  shutdown(): Promise<void>;
}

export function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error("a gRPC service definition without methods");
  return first.path.slice(1, first.path.lastIndexOf("/"));
}

const HEALTH_SERVICE = "grpc.health.v1.Health";

export function createGrpcServer(opts: GrpcServerOptions): GrpcServer {
  const log = opts.log;
  const host = opts.host ?? "127.0.0.1";
  const server = new Server({
    ...opts.channelOptions,
    interceptors: [
      observabilityInterceptor(log, opts.accessLog),
      deadlineInterceptor(opts.defaultDeadlineMs ?? 30_000),
      authInterceptor(opts.auth, log, new Set(opts.openMethods ?? [])),
    ],
  });

  const serviceNames = opts.services.map((s) => serviceNameOf(s.definition));
  for (const { definition, implementation } of opts.services) {
    server.addService(definition, wrapImplementation(definition, implementation, log));
  }

  const initial: ServingStatusMap = { "": "NOT_SERVING" };
  for (const name of serviceNames) initial[name] = "NOT_SERVING";
  const health = new HealthImplementation(initial);
  health.addToServer(server);

  if (opts.reflection ?? true) {
    const index = contractsDescriptorIndex();
    const served = [...serviceNames, HEALTH_SERVICE, ...REFLECTION_SERVICES];
    const listed = served.filter((name) => index.hasService(name));
    const undescribed = served.filter((name) => !index.hasService(name));
    if (undescribed.length > 0) {
      log.warn({ services: undescribed }, "no descriptor in the contracts for these services: reflection does not list them");
    }
    addReflection(server, index, listed, log);
  }

  let port = -1;
  let serving = false;
  let stopping: Promise<void> | undefined;
  const setAll = (s: "SERVING" | "NOT_SERVING") => {
    for (const name of ["", ...serviceNames]) health.setStatus(name, s);
  };

  return {
    server,
    health,
    serviceNames,
    get port() {
      return port;
    },
    get address() {
      return `${host.includes(":") ? `[${host}]` : host}:${port}`;
    },
    get serving() {
      return serving;
    },
    async start() {
      port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(
          `${host.includes(":") ? `[${host}]` : host}:${opts.port ?? 0}`,
          opts.credentials ?? ServerCredentials.createInsecure(),
          (err, bound) => (err ? reject(err) : resolve(bound)),
        );
      });
      serving = true;
      setAll("SERVING");
      log.info({ host, port, services: serviceNames }, "gRPC server listening");
      return port;
    },
    shutdown() {
      stopping ??= (async () => {
        serving = false;
        setAll("NOT_SERVING");
        const timeoutMs = opts.shutdownTimeoutMs ?? 10_000;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            log.warn({ timeoutMs }, "gRPC calls still running at the shutdown timeout: cancelling them");
            server.forceShutdown();
            resolve();
          }, timeoutMs);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        log.info("gRPC server stopped");
      })();
      return stopping;
    },
  };
}
