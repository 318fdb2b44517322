/**
 * A reader of the Prometheus text format (0.0.4) as the services' `/metrics` write it: one sample per
 * line, `name{label="value",...} value [timestamp]`, comments and blank lines skipped. The platform only
 * writes this format (prometheus-text.ts), so this reads what the ops page needs and nothing more
 * (no exemplars, no OpenMetrics extensions).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseLine(line);
    if (sample) out.push(sample);
  }
  return out;
}

function parseLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (i < line.length && line[i] !== "}") {
      const eq = line.indexOf("=", i);
      if (eq < 0 || line[eq + 1] !== '"') return undefined;
      const key = line.slice(i, eq).trim();
      let value = "";
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < line.length) {
          j++;
          value += line[j] === "n" ? "\n" : line[j];
        } else value += line[j];
      }
      labels[key] = value;
      i = j + 1;
      if (line[i] === ",") i++;
    }
    i++;
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  const value = parseValue(valueText ?? "");
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const n = Number(text);
  return text !== "" && !Number.isNaN(n) ? n : undefined;
}

/** Every metric name a text defines (from `# TYPE` lines and samples), for checking dashboards against it. */
export function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      names.add(type[1]!);
      if (type[2] === "histogram") for (const s of ["_bucket", "_count", "_sum"]) names.add(`${type[1]}${s}`);
      continue;
    }
    const s = line.startsWith("#") ? undefined : NAME.exec(line.trim())?.[0];
    if (s) names.add(s);
  }
  return names;
}
