/**
 * gRPC test helpers every service's tests use: a generated client as promises, and what a refused call said.
 */
import type { ServiceError } from "@grpc/grpc-js";
import { decodeStatusDetails } from "../grpc/index.js";

/** A generated grpc-js client with each unary method as `(request) => Promise<response>`. */
export type Promised<C> = {
  // biome-ignore lint/suspicious/noExplicitAny: matching the generated overloads
  [K in keyof C as C[K] extends (req: any, m: any, o: any, cb: (err: any, res: any) => void) => any ? K : never]: C[K] extends (
    req: infer Req,
    // biome-ignore lint/suspicious/noExplicitAny: matching the generated overloads
    m: any,
    // biome-ignore lint/suspicious/noExplicitAny: matching the generated overloads
    o: any,
    // biome-ignore lint/suspicious/noExplicitAny: matching the generated overloads
    cb: (err: any, res: infer Res) => void,
    // biome-ignore lint/suspicious/noExplicitAny: matching the generated overloads
  ) => any
    ? (req: Req) => Promise<Res>
    : never;
};

export function promised<C extends object>(client: C): Promised<C> {
  return new Proxy(client, {
    get(target, name) {
      const method = (target as Record<string | symbol, unknown>)[name];
      if (typeof method !== "function") return method;
      return (req: unknown) =>
        new Promise((resolve, reject) => {
          (method as (r: unknown, cb: (e: ServiceError | null, v: unknown) => void) => void).call(target, req, (e, v) =>
            e ? reject(e) : resolve(v),
          );
        });
    },
  }) as unknown as Promised<C>;
}

/** What a refused call said: its code, message, ErrorInfo and field violations. */
export interface Refusal {
  code: number;
  message: string;
  reason?: string;
  metadata: Record<string, string>;
  violations: { field: string; description: string }[];
  /** The violations' field paths. */
  fields: string[];
}

/** The refusal a call ends in; fails the test when the call succeeds. */
export async function refusal(p: Promise<unknown>): Promise<Refusal> {
  try {
    await p;
  } catch (err) {
    const details = decodeStatusDetails(err as never);
    const violations = details?.badRequest?.fieldViolations ?? [];
    return {
      code: (err as { code: number }).code,
      message: (err as { details: string }).details,
      reason: details?.errorInfo?.reason,
      metadata: details?.errorInfo?.metadata ?? {},
      violations,
      fields: violations.map((v) => v.field),
    };
  }
  throw new Error("expected the call to be refused");
}
