/**
 * Checks, for tests, that a field violation names a real field of the request: every segment of
 * `page.page_token` or `coordinating_units[3]` must be a field (its proto name, snake_case) of the
 * message the previous segment leads to, starting at the method's request message. Read from the
 * descriptor set the contracts are built into (the one gRPC reflection serves), so it follows the
 * proto files exactly and a client can trust a violation's path to point somewhere.
 */
import { createFileRegistry, fromBinary, type DescField, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { loadDescriptorSet } from "@ministry/proto";

let registry: Registry | undefined;

function contracts(): Registry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, loadDescriptorSet()));
  return registry;
}

/** The request message of `service` ("ministry.tasks.v1.TaskService") method `method` ("CreateTask"). */
export function requestMessageOf(service: string, method: string): DescMessage {
  const desc = contracts().getService(service);
  const m = desc?.methods.find((x) => x.name === method);
  if (!m) throw new Error(`no method ${service}/${method} in the contracts`);
  return m.input;
}

const SEGMENT = /^([a-z][a-z0-9_]*)(?:\[(\d+)\])?$/;

/**
 * Why `path` does not name a field of `message` (undefined when it does): the first segment that is
 * not a field, indexes a field that is not repeated, or goes on from a field that is not a message.
 */
export function fieldPathProblem(message: DescMessage, path: string): string | undefined {
  let current: DescMessage | undefined = message;
  for (const segment of path.split(".")) {
    if (!current) return `"${segment}" follows a field that is not a message`;
    const match = SEGMENT.exec(segment);
    if (!match) return `"${segment}" is not a snake_case field name (with an optional [index])`;
    const [, name, index] = match;
    const field: DescField | undefined = current.fields.find((f) => f.name === name);
    if (!field) return `${current.typeName} has no field "${name}"`;
    if (index !== undefined && field.fieldKind !== "list") return `${current.typeName}.${name} is not repeated`;
    current = field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message") ? field.message : undefined;
  }
  return undefined;
}
