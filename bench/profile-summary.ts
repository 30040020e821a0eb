import { readFileSync } from "node:fs";

/**
 * Summarizes a V8 .cpuprofile (from `npm run bench -- --profile`): the functions
 * with the most self time, and the share of each package. Usage:
 *   node dist-bench/bench/profile-summary.js bench/results/profiles/<file>.cpuprofile [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const time = selfTime.get(node.id) ?? 0;
  const url = node.callFrame.url.replace(/^file:\/\//, "");
  const where =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes("/dist/") ? "locksmith" : url.startsWith("node:") ? "node" : url || "(native)");
  const name = `${node.callFrame.functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  byPackage.set(where, (byPackage.get(where) ?? 0) + time);
}
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
process.stdout.write(`total ${(total / 1e6).toFixed(1)} s sampled\n\nby package\n`);
for (const [name, t] of top(byPackage, 15)) process.stdout.write(`${pct(t)}  ${name}\n`);
process.stdout.write(`\nby function (self time)\n`);
for (const [name, t] of top(byFunction, Number(topArg ?? 30))) process.stdout.write(`${pct(t)}  ${name}\n`);
