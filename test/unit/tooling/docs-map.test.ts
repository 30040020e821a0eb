import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

// The README is a map (at most 15 KB) and every link of the map and of docs/ leads somewhere real.

const ROOT = join(__dirname, "../../..");
const PAGES = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Relative links `[text](target)` outside code blocks. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test("the README is a map of at most 15 KB", () => {
  expect(readFileSync(join(ROOT, "README.md")).byteLength).toBeLessThanOrEqual(15 * 1024);
});

test.each(PAGES)("every relative link of %s leads to a file and, with an anchor, to a heading in it", (page) => {
  const broken: string[] = [];
  for (const link of linksOf(readFileSync(join(ROOT, page), "utf8"))) {
    const [path, anchor] = link.split("#");
    const target = path === "" ? join(ROOT, page) : join(ROOT, dirname(page), decodeURI(path));
    if (!existsSync(target)) broken.push(`${link}: no file ${relative(ROOT, target)}`);
    else if (anchor !== undefined && !anchorsOf(readFileSync(target, "utf8")).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
  }
  expect(broken).toEqual([]);
});

test("every file the README's quick start names exists", () => {
  const named = readFileSync(join(ROOT, "README.md"), "utf8").match(/\bexamples\/[\w./-]+\w/g) ?? [];
  expect(named.length).toBeGreaterThan(0);
  expect(named.filter((file) => !existsSync(join(ROOT, file)))).toEqual([]);
});
