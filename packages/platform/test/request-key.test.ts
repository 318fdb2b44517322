/** RequestLog.keyOf: the key every service's `once` gives the request log. */
import { describe, expect, it } from "vitest";
import { InvalidArgument } from "../src/errors.js";
import { MAX_REQUEST_ID_LENGTH, RequestLog } from "../src/requests.js";

describe("RequestLog.keyOf", () => {
  it("has no key without a request id (blank counts as none): every call runs", () => {
    expect(RequestLog.keyOf("CreateTask", "u-1", { target: "task:1", body: { a: 1 } })).toBeUndefined();
    expect(RequestLog.keyOf("CreateTask", "u-1", { requestId: "  ", target: "task:1", body: { a: 1 } })).toBeUndefined();
  });

  it("keys a request by method, caller, trimmed request id, target and the body's fingerprint", () => {
    const key = RequestLog.keyOf("CreateTask", "u-1", { requestId: " r-1 ", target: "task:1", body: { a: 1, b: "x" } });
    expect(key).toEqual({
      method: "CreateTask",
      caller: "u-1",
      requestId: "r-1",
      target: "task:1",
      fingerprint: RequestLog.fingerprint({ b: "x", a: 1 }),
    });
  });

  it("refuses a request id longer than the limit, on request_id, counting characters", () => {
    const ok = "đ".repeat(MAX_REQUEST_ID_LENGTH);
    expect(RequestLog.keyOf("M", "u", { requestId: ok, target: "t", body: null })?.requestId).toBe(ok);
    let refused: unknown;
    try {
      RequestLog.keyOf("M", "u", { requestId: `${ok}x`, target: "t", body: null });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(InvalidArgument);
    expect((refused as InvalidArgument).violations.map((v) => v.field)).toEqual(["request_id"]);
    expect((refused as InvalidArgument).violations[0]?.description).toContain(`${MAX_REQUEST_ID_LENGTH}`);
  });
});
