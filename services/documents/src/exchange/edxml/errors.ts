import { type FieldViolation, InvalidArgument } from "@ministry/platform";

/**
 * A refused edXML packet: every problem found, each naming the element path (e.g.
 * "MessageHeader/From/OrganId") with a "Vietnamese / English" description.
 */
export class EdxmlInvalid extends InvalidArgument {
  get problems(): readonly FieldViolation[] {
    return this.violations;
  }
}

/** Collects problems so a sender learns all of them at once. */
export class Problems {
  readonly list: FieldViolation[] = [];

  add(path: string, vi: string, en: string): void {
    this.list.push({ field: path, description: `${vi} / ${en}` });
  }

  missing(path: string): void {
    this.add(path, "Thiếu trường bắt buộc", "Required element is missing");
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new EdxmlInvalid(this.list);
  }
}

/** Refuse at once with one problem (for checks after which nothing else is worth reading). */
export function refuse(path: string, vi: string, en: string): never {
  const problems = new Problems();
  problems.add(path, vi, en);
  return problems.throwIfAny() as never;
}
