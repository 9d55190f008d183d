/** One sample line of Prometheus' text exposition format. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/**
 * Parses Prometheus' text format (version 0.0.4) strictly, for tests: a
 * malformed line, or a sample whose family has no `# TYPE`, throws.
 */
export function parsePrometheusText(text: string): MetricSample[] {
  const types = new Map<string, string>();
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    const family = [sample.name, ...SUFFIXES.filter((suffix) => sample.name.endsWith(suffix)).map((suffix) => sample.name.slice(0, -suffix.length))];
    if (!family.some((name) => types.has(name))) throw new Error(`sample without # TYPE: ${line}`);
    samples.push(sample);
  }
  return samples;
}

/** The samples named `name` whose labels include `labels`. */
export function findSamples(samples: MetricSample[], name: string, labels: Record<string, string> = {}): MetricSample[] {
  return samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}

/** The value of the one sample named `name` with `labels`; undefined if none, throws if several match. */
export function sampleValue(samples: MetricSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = findSamples(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

function parseSample(line: string): MetricSample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) throw new Error(`malformed sample: ${line}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    while (line[at] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!label) throw new Error(`malformed labels: ${line}`);
      at += label[0].length;
      let value = '';
      for (; at < line.length && line[at] !== '"'; at += 1) {
        if (line[at] !== '\\') {
          value += line[at];
          continue;
        }
        at += 1;
        const escaped = { '\\': '\\', '"': '"', n: '\n' }[line[at] ?? ''];
        if (escaped === undefined) throw new Error(`malformed escape: ${line}`);
        value += escaped;
      }
      if (line[at] !== '"') throw new Error(`unterminated label value: ${line}`);
      labels[label[1]!] = value;
      at += 1;
      if (line[at] === ',') at += 1;
      else if (line[at] !== '}') throw new Error(`malformed labels: ${line}`);
    }
    at += 1;
  }
  const rest = /^ (\S+)(?: -?\d+)?$/.exec(line.slice(at));
  if (!rest) throw new Error(`malformed sample: ${line}`);
  // Like Prometheus (Go's ParseFloat), any case of Inf and NaN: prom-client writes "Nan".
  const raw = rest[1]!.toLowerCase();
  const value = /^\+?inf$/.test(raw) ? Infinity : raw === '-inf' ? -Infinity : raw === 'nan' ? NaN : Number(raw);
  if (Number.isNaN(value) && raw !== 'nan') throw new Error(`malformed value: ${line}`);
  return { name, labels, value };
}
