/**
 * The collector's arithmetic on real Prometheus text shapes: parsing, whose series is whose when several
 * services share a process, rates across a restart, and p99 as histogram_quantile computes it.
 */
import { describe, expect, it } from "vitest";
import { between, quantile } from "../../src/ops/figures.js";
import { parsePrometheusText } from "../../src/ops/prometheus.js";
import { readingOf, type Health } from "../../src/ops/reading.js";

const health: Health = { up: true, ready: true, checks: {}, version: null };

const text = (calls: number, slow: number) => `# HELP target_info Target metadata
target_info{service_name="gateway-test",service_version="1.2.3"} 1
rpc_server_calls_total{rpc_method="ministry.tasks.v1.TaskService/ListTasks",rpc_status_code="OK",otel_scope_name="ministry.platform"} ${calls}
rpc_server_calls_total{rpc_method="ministry.tasks.v1.TaskService/GetTask",rpc_status_code="NOT_FOUND"} 1
rpc_server_calls_total{rpc_method="ministry.meetings.v1.MeetingService/GetMeeting",rpc_status_code="OK"} 500
rpc_server_calls_total{rpc_method="ministry.platform.v1.OperationsService/ListDeadLetters",rpc_status_code="OK"} 7
rpc_server_call_duration_seconds_bucket{rpc_method="ministry.tasks.v1.TaskService/ListTasks",le="0.01"} ${calls - slow}
rpc_server_call_duration_seconds_bucket{rpc_method="ministry.tasks.v1.TaskService/ListTasks",le="0.1"} ${calls}
rpc_server_call_duration_seconds_bucket{rpc_method="ministry.tasks.v1.TaskService/ListTasks",le="+Inf"} ${calls}
events_consumed_total{consumer="tasks-MEETINGS",stream="MEETINGS",type="ministry.meetings.meeting.concluded.v1",outcome="processed"} 3
events_consumed_total{consumer="documents-MEETINGS",stream="MEETINGS",type="ministry.meetings.meeting.concluded.v1",outcome="processed"} 9
events_dead_letters{consumer="tasks-MEETINGS",stream="MEETINGS"} 2
outbox_backlog{db="tasks"} 4
outbox_backlog{db="meetings"} 40
tasks_overdue{unit="VP",otel_scope_name="ministry-tasks"} 3
`;

describe("ops figures", () => {
  it("leaves live streams out: an SSE client that leaves is neither an error nor a slow call", () => {
    const live = `rpc_server_calls_total{rpc_method="ministry.notifications.v1.NotificationService/StreamNotifications",rpc_status_code="CANCELLED"} 5
rpc_server_call_duration_seconds_bucket{rpc_method="ministry.notifications.v1.NotificationService/StreamNotifications",le="+Inf"} 5
rpc_server_calls_total{rpc_method="ministry.notifications.v1.NotificationService/ListNotifications",rpc_status_code="OK"} 20
rpc_server_call_duration_seconds_bucket{rpc_method="ministry.notifications.v1.NotificationService/ListNotifications",le="0.01"} 20
rpc_server_call_duration_seconds_bucket{rpc_method="ministry.notifications.v1.NotificationService/ListNotifications",le="+Inf"} 20
`;
    const r = readingOf("notifications", parsePrometheusText(live), health);
    expect(r).toMatchObject({ calls: 20, errors: 0 });
  });

  it("counts for a service only what its labels name when the process is shared", () => {
    const r = readingOf("tasks", parsePrometheusText(text(100, 10)), health);
    expect(r).toMatchObject({
      calls: 101,
      errors: 1,
      outbox: { backlog: 4 },
      byUnit: { VP: 3 },
      consumed: { "ministry.meetings.meeting.concluded.v1": 3 },
    });
    expect(r.consumers["tasks-MEETINGS"]).toMatchObject({ stream: "MEETINGS", deadLetters: 2 });
    // target_info names another process: its version is not this service's.
    expect(r.version).toBeNull();
    expect(readingOf("meetings", parsePrometheusText(text(100, 10)), health).calls).toBe(500);
  });

  it("takes unlabelled series and the version when the process is the service's own", () => {
    const own = text(100, 10).replace("gateway-test", "tasks");
    const r = readingOf("tasks", parsePrometheusText(own), health);
    expect(r.calls).toBe(108);
    expect(r.version).toBe("1.2.3");
  });

  it("computes rate, error ratio and p99 between two readings, and survives a restart", () => {
    const then = readingOf("tasks", parsePrometheusText(text(100, 10)), health);
    const now = readingOf("tasks", parsePrometheusText(text(300, 30)), health);
    const f = between(then, now, 20);
    expect(f.requestRate).toBe(10);
    expect(f.errorRatio).toBe(0);
    // 20 of 200 calls took 10–100 ms: the 99th percentile is 0.01 + 0.09 × (198 − 180) / 20.
    expect(f.p99Seconds).toBeCloseTo(0.091, 6);
    const restarted = readingOf("tasks", parsePrometheusText(text(50, 0)), health);
    expect(between(now, restarted, 10).requestRate).toBeCloseTo(5.1, 6);
  });

  it("places the quantile as histogram_quantile does", () => {
    expect(quantile(0.99, [])).toBeNull();
    expect(
      quantile(0.5, [
        [1, 10],
        [2, 20],
        [Number.POSITIVE_INFINITY, 20],
      ]),
    ).toBe(1);
    expect(
      quantile(0.99, [
        [1, 0],
        [Number.POSITIVE_INFINITY, 5],
      ]),
    ).toBe(1);
  });
});
