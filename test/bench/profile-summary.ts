import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/**
 * Self time by function and by package from a V8 .cpuprofile (node --cpu-prof): where the
 * server's CPU went, without a viewer.
 */
export async function summarizeCpuProfile(path: string, top = 25) {
  const profile = JSON.parse(await readFile(path, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  // Percentages of busy time: the server idles between scenarios and while baselines run.
  const idle = profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const total = Math.max(1, profile.samples.length - idle);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
    const fn = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byPackage.set(packageOf(url, functionName), (byPackage.get(packageOf(url, functionName)) ?? 0) + hits);
  }
  const rank = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, hits]) => ({ name, percent: Math.round((hits / total) * 1000) / 10, samples: hits }));
  return { busySamples: total, seconds: (profile.endTime - profile.startTime) / 1e6, functions: rank(byFunction), packages: rank(byPackage) };
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/')) return 'gatehouse (dist/)';
  return url;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const summary = await summarizeCpuProfile(process.argv[2]!, Number(process.argv[3] ?? 30));
  process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
}
