/**
 * A unary gRPC service built from one real generated message (request and response of the same type),
 * for tests and benchmarks of the gRPC stack that need a service without a contract of their own.
 */
import { makeGenericClientConstructor, type ServiceDefinition } from "@grpc/grpc-js";
import type { BinaryWriter } from "@bufbuild/protobuf/wire";

export interface MessageCodec<T> {
  encode(message: T): BinaryWriter;
  decode(input: Uint8Array): T;
}

/** `/<fullName>/Echo`, taking and returning `T`; the client constructor calls it `echo`. */
export function echoService<T>(fullName: string, codec: MessageCodec<T>) {
  const serialize = (m: T) => Buffer.from(codec.encode(m).finish());
  const deserialize = (b: Buffer) => codec.decode(b);
  const definition = {
    echo: {
      path: `/${fullName}/Echo`,
      requestStream: false,
      responseStream: false,
      requestSerialize: serialize,
      requestDeserialize: deserialize,
      responseSerialize: serialize,
      responseDeserialize: deserialize,
    },
  } satisfies ServiceDefinition;
  const Client = makeGenericClientConstructor(definition, fullName.slice(fullName.lastIndexOf(".") + 1));
  return { definition, Client };
}
