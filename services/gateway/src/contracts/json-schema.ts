/**
 * JSON Schema (2020-12, as OpenAPI 3.1 uses it) for messages in proto3's canonical JSON mapping: field
 * names in lowerCamelCase, enums by name, 64-bit integers as decimal strings, Timestamps as RFC 3339,
 * bytes as base64. One schema per message, named by its full protobuf name and referenced by `$ref`, so
 * request validation (fastify's Ajv) and the OpenAPI document read the same definitions.
 *
 * The schemas check shape: types, enum names, ranges of 32-bit integers, unknown fields. What a field
 * must hold (required, lengths, rules between fields) stays with the service that owns the message,
 * which answers INVALID_ARGUMENT with field violations, and the gateway turns those into the same 400.
 */
import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { commentOf } from "./registry.js";

export type JsonSchema = Record<string, unknown>;

/** `$ref` of a message's schema, as registered with `messageSchemas`. */
export function refTo(message: DescMessage): JsonSchema {
  return { $ref: `${message.typeName}#` };
}

/**
 * Every message schema reachable from `roots`, each with `$id` = its full name, ready for
 * `fastify.addSchema` (well-known types are inlined where they are used, so they have none).
 */
export function messageSchemas(roots: Iterable<DescMessage>): JsonSchema[] {
  const out = new Map<string, JsonSchema>();
  const visit = (message: DescMessage) => {
    if (out.has(message.typeName) || wellKnown(message)) return;
    const properties: Record<string, JsonSchema> = {};
    out.set(message.typeName, {
      $id: message.typeName,
      type: "object",
      title: message.name,
      ...describe(commentOf(message)),
      properties,
      additionalProperties: false,
    });
    for (const field of message.fields) {
      properties[field.jsonName] = { ...fieldSchema(field), ...describe(commentOf(field)) };
      const nested =
        field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")
          ? field.message
          : field.fieldKind === "map" && field.mapKind === "message"
            ? field.message
            : undefined;
      if (nested) visit(nested);
    }
  };
  for (const root of roots) visit(root);
  return [...out.values()];
}

export function fieldSchema(field: DescField): JsonSchema {
  switch (field.fieldKind) {
    case "scalar":
      return scalarSchema(field.scalar);
    case "enum":
      return enumSchema(field.enum);
    case "message":
      return messageRef(field.message);
    case "list": {
      const items =
        field.listKind === "scalar"
          ? scalarSchema(field.scalar)
          : field.listKind === "enum"
            ? enumSchema(field.enum)
            : messageRef(field.message);
      return { type: "array", items };
    }
    case "map": {
      const values =
        field.mapKind === "scalar"
          ? scalarSchema(field.scalar)
          : field.mapKind === "enum"
            ? enumSchema(field.enum)
            : messageRef(field.message);
      return { type: "object", additionalProperties: values };
    }
  }
}

export function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", minimum: -2147483648, maximum: 2147483647 };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", minimum: 0, maximum: 4294967295 };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    default:
      // 64-bit integers: a decimal string (what the services answer), or a JSON number where it fits.
      return { type: ["string", "integer"], pattern: "^-?[0-9]{1,20}$" };
  }
}

export function enumSchema(desc: DescEnum): JsonSchema {
  return { type: "string", enum: desc.values.map((v) => v.name) };
}

/** Lower-case names without the enum's prefix (TASK_STATUS_IN_PROGRESS → in_progress), accepted in query strings. */
export function shortEnumNames(desc: DescEnum): Map<string, string> {
  // localName is the value's name without the enum's shared prefix (TASK_STATUS_IN_PROGRESS → IN_PROGRESS).
  return new Map(desc.values.map((v) => [v.localName.toLowerCase(), v.name]));
}

function messageRef(message: DescMessage): JsonSchema {
  return wellKnown(message) ?? refTo(message);
}

/** The JSON forms proto3 gives the well-known types. */
export function wellKnown(message: DescMessage): JsonSchema | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time" };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$" };
    case "google.protobuf.FieldMask":
      return { type: "string" };
    case "google.protobuf.Empty":
      return { type: "object", additionalProperties: false };
    case "google.protobuf.Struct":
      return { type: "object" };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.ListValue":
      return { type: "array" };
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] };
    case "google.protobuf.StringValue":
      return { type: ["string", "null"] };
    case "google.protobuf.BoolValue":
      return { type: ["boolean", "null"] };
    case "google.protobuf.Int32Value":
    case "google.protobuf.UInt32Value":
      return { type: ["integer", "null"] };
    case "google.protobuf.DoubleValue":
    case "google.protobuf.FloatValue":
      return { type: ["number", "null"] };
    case "google.protobuf.Int64Value":
    case "google.protobuf.UInt64Value":
      return { type: ["string", "integer", "null"] };
    case "google.protobuf.BytesValue":
      return { type: ["string", "null"] };
    default:
      return undefined;
  }
}

function describe(text: string | undefined): JsonSchema {
  return text ? { description: text } : {};
}
