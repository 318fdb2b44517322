/**
 * The services' contracts as the gateway sees them: the descriptor set buf builds (the same one gRPC
 * reflection serves), read into @bufbuild/protobuf's registry. The gateway translates HTTP/JSON to gRPC
 * through these descriptors alone (proto3's canonical JSON mapping), so a field added to a contract is
 * served, validated and documented without a change here.
 */
import { createFileRegistry, fromBinary, type DescMessage, type DescMethod, type DescService, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { loadDescriptorSet } from "@ministry/proto";

let registry: FileRegistry | undefined;

export function contracts(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, loadDescriptorSet()));
  return registry;
}

/** "ministry.tasks.v1.TaskService/ListTasks" → the method's descriptor; throws at start-up for a name that is not one. */
export function methodByPath(rpc: string): DescMethod {
  const slash = rpc.indexOf("/");
  const service = contracts().getService(rpc.slice(0, slash));
  const method = service?.methods.find((m) => m.name === rpc.slice(slash + 1));
  if (!method) throw new Error(`no method ${rpc} in the contracts`);
  return method;
}

export function serviceByName(name: string): DescService {
  const service = contracts().getService(name);
  if (!service) throw new Error(`no service ${name} in the contracts`);
  return service;
}

/** The leading comment of a message or field in its .proto file (buf keeps source info in the set), for the OpenAPI descriptions. */
export function commentOf(desc: DescMessage | DescMessage["fields"][number] | DescMethod): string | undefined {
  const path = pathOf(desc);
  if (!path) return undefined;
  const file = desc.kind === "field" ? desc.parent.file : desc.kind === "rpc" ? desc.parent.file : desc.file;
  const key = path.join(".");
  let index = commentIndex.get(file.proto);
  if (!index) {
    index = new Map();
    for (const loc of file.proto.sourceCodeInfo?.location ?? []) {
      const text = loc.leadingComments.trim();
      if (text) index.set(loc.path.join("."), text.replace(/\n\s*/g, " "));
    }
    commentIndex.set(file.proto, index);
  }
  return index.get(key);
}

const commentIndex = new WeakMap<object, Map<string, string>>();

function pathOf(desc: DescMessage | DescMessage["fields"][number] | DescMethod): number[] | undefined {
  if (desc.kind === "rpc") {
    const service = desc.parent;
    return [6, service.file.services.indexOf(service), 2, service.methods.indexOf(desc)];
  }
  if (desc.kind === "field") {
    const parent = pathOf(desc.parent);
    return parent && [...parent, 2, desc.parent.proto.field.indexOf(desc.proto)];
  }
  if (desc.parent) {
    const parent = pathOf(desc.parent);
    return parent && [...parent, 3, desc.parent.nestedMessages.indexOf(desc)];
  }
  return [4, desc.file.messages.indexOf(desc)];
}
