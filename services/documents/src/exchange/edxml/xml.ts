/**
 * The XML layer under the codec: the namespace, the checks made before parsing (size, DOCTYPE,
 * well-formedness) and a namespace-aware walk over fast-xml-parser's output, so `edXML:From` and
 * `From` under a default namespace read the same and an element in another namespace is not ours.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { refuse } from "./errors.js";

export const EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
export const XLINK_NS = "http://www.w3.org/1999/xlink";

const ATTR = "@_";
const TEXT = "#text";

/**
 * Checks a packet before it is parsed and returns its text. The size is checked on the bytes first,
 * so an oversized packet costs nothing; a DOCTYPE or ENTITY declaration is refused outright (entity
 * expansion), and so is anything that is not well-formed XML.
 */
export function admitXml(xml: Buffer | string, maxBytes: number, root: string): string {
  const size = typeof xml === "string" ? Buffer.byteLength(xml, "utf8") : xml.length;
  if (size > maxBytes) {
    refuse(
      root,
      `Gói tin lớn quá giới hạn ${maxBytes} byte (${size} byte)`,
      `Packet exceeds the limit of ${maxBytes} bytes (${size} bytes)`,
    );
  }
  let text = typeof xml === "string" ? xml : xml.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) {
    refuse(root, "Không chấp nhận khai báo DOCTYPE/ENTITY", "DOCTYPE and ENTITY declarations are not accepted");
  }
  if (!text.trimStart().startsWith("<")) refuse(root, "Nội dung không phải XML", "Content is not XML");
  const result = XMLValidator.validate(text);
  if (result !== true) {
    const { msg, line, col } = result.err;
    refuse(root, `XML không hợp lệ (dòng ${line}, cột ${col})`, `Malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  return text;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Every element is a list, so repeated and single elements read the same way.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  // Only the predefined XML entities can occur (declarations are refused before parsing); the
  // tight limits are a second line should one slip through.
  processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 1, maxExpansionDepth: 1 },
});

type RawNode = string | Record<string, unknown>;

/** An element with the namespace declarations in scope at it and its path for messages. */
export class XmlElement {
  private constructor(
    private readonly raw: RawNode,
    private readonly scope: ReadonlyMap<string, string>,
    readonly localName: string,
    readonly namespace: string | undefined,
    readonly path: string,
  ) {}

  /** The document's root element. */
  static root(text: string): XmlElement {
    const doc = parser.parse(text) as Record<string, unknown>;
    const name = Object.keys(doc).find((k) => !k.startsWith(ATTR) && k !== TEXT);
    const raw = name === undefined ? undefined : (doc[name] as RawNode[])[0];
    if (name === undefined || raw === undefined) return refuse("/", "Không có phần tử gốc", "No root element");
    return XmlElement.of(raw, new Map(), name, "");
  }

  private static of(raw: RawNode, parentScope: ReadonlyMap<string, string>, qname: string, parentPath: string): XmlElement {
    const scope = declarations(raw, parentScope);
    const colon = qname.indexOf(":");
    const prefix = colon < 0 ? "" : qname.slice(0, colon);
    const local = colon < 0 ? qname : qname.slice(colon + 1);
    return new XmlElement(raw, scope, local, scope.get(prefix), parentPath ? `${parentPath}/${local}` : local);
  }

  get inEdxmlNamespace(): boolean {
    return this.namespace === EDXML_NS;
  }

  /** The child elements named `local` in the edXML namespace, in document order. */
  children(local: string): XmlElement[] {
    return this.anyChildren(local).filter((child) => child.inEdxmlNamespace);
  }

  /** Follows child names in any namespace: for wrappers outside edXML (a SOAP envelope). */
  descendant(locals: readonly string[]): XmlElement | undefined {
    let at: XmlElement | undefined = this;
    for (const local of locals) at = at?.anyChildren(local)[0];
    return at;
  }

  private anyChildren(local: string): XmlElement[] {
    if (typeof this.raw === "string") return [];
    const found: XmlElement[] = [];
    for (const [key, value] of Object.entries(this.raw)) {
      if (key.startsWith(ATTR) || key === TEXT) continue;
      if (key !== local && !key.endsWith(`:${local}`)) continue;
      for (const item of value as RawNode[]) found.push(XmlElement.of(item, this.scope, key, this.path));
    }
    return found;
  }

  child(local: string): XmlElement | undefined {
    return this.children(local)[0];
  }

  /** The element's text ("" when empty). */
  get text(): string {
    if (typeof this.raw === "string") return this.raw;
    const text = this.raw[TEXT];
    return typeof text === "string" ? text : text === undefined ? "" : String(text);
  }

  /** The text of a child, or undefined when the child is absent. */
  childText(local: string): string | undefined {
    return this.child(local)?.text;
  }

  attribute(name: string): string | undefined {
    if (typeof this.raw === "string") return undefined;
    const value = this.raw[`${ATTR}${name}`];
    return typeof value === "string" ? value : undefined;
  }
}

function declarations(raw: RawNode, parent: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (typeof raw === "string") return parent;
  let scope: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(raw)) {
    if (key !== `${ATTR}xmlns` && !key.startsWith(`${ATTR}xmlns:`)) continue;
    scope ??= new Map(parent);
    scope.set(key === `${ATTR}xmlns` ? "" : key.slice(ATTR.length + 6), String(value));
  }
  return scope ?? parent;
}
