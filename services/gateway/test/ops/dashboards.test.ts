/**
 * The Grafana dashboard, its provisioning and the Prometheus alert rules (deploy/) cannot drift from what
 * the services export: every metric a PromQL expression names, and every label it matches on, must be
 * in the /metrics of the running system (after traffic and a poison event, so the failure counters
 * exist). Prometheus's own `up`, and the `job`/`instance` labels it adds, are allowed.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricNames, parsePrometheusText, type Sample } from "../../src/ops/prometheus.js";
import { startSystem, type SystemHarness } from "../harness.js";
import { injectPoison } from "./poison.js";

const DEPLOY = new URL("../../../../deploy/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, DEPLOY), "utf8");
const PROMETHEUS_METRICS = new Set(["up"]);
/** Grafana's variable syntax, not a template literal. */
const DATASOURCE_VARIABLE = "$" + "{datasource}";
const PROMETHEUS_LABELS = new Set(["job", "instance", "le"]);
const FUNCTIONS_AND_WORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "and",
  "or",
  "unless",
]);

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string; refId: string }[];
  panels?: Panel[];
}

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\boffset\s+-?[0-9a-z]+/g, "")
    .replace(/\$\w+/g, "");
  const out: string[] = [];
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const [word, call] = [m[0].replace(/\s*\($/, ""), m[1]];
    if (call || FUNCTIONS_AND_WORDS.has(word) || /^\d/.test(word)) continue;
    out.push(word);
  }
  return out;
}

/** [metric, label] pairs of `metric{label=...}` selectors, and the labels of `by (...)` clauses. */
function labelsIn(expr: string): { selectors: [string, string][]; grouping: string[] } {
  const selectors: [string, string][] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g))
    for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) selectors.push([m[1]!, l[1]!]);
  const grouping = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return { selectors, grouping };
}

function panelsOf(list: Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

/** The `expr:` of every rule, one line or a `|` block. */
function alertExpressions(yaml: string): string[] {
  const out: string[] = [];
  const lines = yaml.split("\n");
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[2] !== "|" && m[2] !== ">") {
      out.push(m[2]!);
      return;
    }
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === "" || lines[j]!.search(/\S/) > m[1]!.length); j++)
      block.push(lines[j]!.trim());
    out.push(block.join(" "));
  });
  return out;
}

const dashboard = JSON.parse(read("grafana/dashboards/ministry-ops.json")) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; current: { value: string } }[] };
};
const alerts = read("prometheus/alerts.yml");
const expressions = [
  ...panelsOf(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  ...alertExpressions(alerts).map((expr) => ({ where: "alerts.yml", expr })),
];

describe("deploy/grafana and deploy/prometheus, statically", () => {
  it("a dashboard Grafana can provision: unique ids, every query on the Prometheus datasource", () => {
    const panels = panelsOf(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const queried = panels.filter((p) => p.type !== "row");
    expect(queried.length).toBeGreaterThanOrEqual(15);
    for (const p of queried) {
      expect(p.datasource?.uid, p.title).toBe(DATASOURCE_VARIABLE);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    const datasourceYaml = read("grafana/provisioning/datasources/prometheus.yaml");
    const uid = /uid:\s*(\S+)/.exec(datasourceYaml)?.[1];
    expect(dashboard.templating.list.find((v) => v.name === "datasource")?.current.value).toBe(uid);
    expect(read("grafana/provisioning/dashboards/ministry-ops.yaml")).toMatch(/path:\s*\S+/);
    expect(read("prometheus/prometheus.yml")).toMatch(/rule_files:\s*\n\s*- alerts\.yml/);
  });

  it("alert rules for overdue growth, dead letters, outbox age, error ratio and p99", () => {
    const names = [...alerts.matchAll(/- alert: (\S+)/g)].map((m) => m[1]);
    expect(names).toEqual(
      expect.arrayContaining(["OverdueTasksGrowing", "DeadLetters", "OutboxStale", "HighErrorRatio", "HighP99Latency"]),
    );
    expect(alertExpressions(alerts)).toHaveLength(names.length);
  });

  it("reads metric names out of PromQL", () => {
    expect(
      metricsIn('histogram_quantile(0.99, sum by (job, le) (rate(rpc_server_call_duration_seconds_bucket{job=~"a|b"}[$__rate_interval])))'),
    ).toEqual(["rpc_server_call_duration_seconds_bucket"]);
    expect(metricsIn("sum by (unit) (tasks_overdue) > sum by (unit) (tasks_overdue offset 1h)")).toEqual([
      "tasks_overdue",
      "tasks_overdue",
    ]);
  });
});

describe("deploy/grafana and deploy/prometheus against the running system", () => {
  let sys: SystemHarness;
  let exported: Set<string>;
  let samples: Sample[];
  beforeAll(async () => {
    sys = await startSystem();
    expect((await sys.http("GET", "/v1/tasks", { as: "vp-head", query: { pageSize: 1 } })).status).toBe(200);
    await injectPoison(sys.nats.url);
    const admin = [...Object.values(sys.services).map((s) => s.admin.port), sys.gateway.admin.port];
    const scrape = async () => Promise.all(admin.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    // The dead letters are counted once both consumers have given up on the poison event.
    const texts = await sys.until(
      async () => {
        const t = await scrape();
        return t.some((x) => /^events_dead_lettered_total\{/m.test(x)) ? t : undefined;
      },
      "the poison event dead-lettered",
      30_000,
    );
    exported = new Set(texts.flatMap((t) => [...metricNames(t)]));
    samples = texts.flatMap(parsePrometheusText);
  }, 120_000);
  afterAll(async () => sys?.stop());

  it("every metric a dashboard panel or an alert names is exported", () => {
    const missing = expressions.flatMap(({ where, expr }) =>
      metricsIn(expr)
        .filter((name) => !exported.has(name) && !PROMETHEUS_METRICS.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    const named = new Set(expressions.flatMap(({ expr }) => metricsIn(expr)));
    for (const name of ["tasks_overdue", "documents_awaiting_handling", "events_dead_letters", "outbox_oldest_unsent_age_seconds"])
      expect(named).toContain(name);
  });

  it("every label an expression matches or groups on is on the metric", () => {
    const labelsOf = new Map<string, Set<string>>();
    for (const s of samples) {
      const set = labelsOf.get(s.name) ?? new Set<string>();
      for (const l of Object.keys(s.labels)) set.add(l);
      labelsOf.set(s.name, set);
    }
    const all = new Set([...labelsOf.values()].flatMap((s) => [...s]));
    const wrong: string[] = [];
    for (const { where, expr } of expressions) {
      const { selectors, grouping } = labelsIn(expr);
      for (const [metric, label] of selectors)
        if (!PROMETHEUS_LABELS.has(label) && !PROMETHEUS_METRICS.has(metric) && !labelsOf.get(metric)?.has(label))
          wrong.push(`${where}: ${metric}{${label}}`);
      for (const label of grouping) if (!PROMETHEUS_LABELS.has(label) && !all.has(label)) wrong.push(`${where}: by (${label})`);
    }
    expect(wrong).toEqual([]);
  });
});
