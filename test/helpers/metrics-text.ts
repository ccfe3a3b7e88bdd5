/** The value of the first sample of `name` whose labels include `labels`, in /metrics text; 0 when there is none. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`)
    && Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
