/**
 * Checks of the gateway's answers shared by every test file: a problem+json of a status, a 400 whose
 * violations name a field (in the JSON names the caller sent, a path parameter or a header), a success.
 */
import { expect } from "vitest";
import type { Loose } from "./harness.js";

/** What the checks read of an answer, JSON or bytes. */
export interface Answer {
  status: number;
  headers: Headers;
  json: Loose;
}

/** A problem+json of `status` (RFC 9457 members and the request id), naming `field` among its violations when given. */
export function expectProblem(res: Answer, status: number, field?: string): void {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ status, type: expect.any(String), title: expect.any(String), requestId: expect.any(String) });
  if (field) expectViolation(res, field, status);
}

/** A 400 problem+json whose violations name `field`, or a part of it (`field.x`, `field[0]`). */
export function expectViolation(res: Answer, field: string, status = 400): void {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const fields: string[] = (res.json.violations ?? []).map((v: { field: string }) => v.field);
  expect(
    fields.some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`)),
    `${fields.join(", ")} name ${field}`,
  ).toBe(true);
}

/** A 400 problem+json whose violations name exactly `fields`, in order. */
export function expectViolations(res: Answer, fields: string[]): void {
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.json.violations.map((v: { field: string }) => v.field)).toEqual(fields);
}

export function expectOk(res: Answer & { text?: string }, status = 200): void {
  expect(res.status, res.text ?? JSON.stringify(res.json)).toBe(status);
}
