import { label, niceMax, rankingChart, timeChart } from "../../../src/http/console/svg-chart";

const HOSTILE = `"><script>alert(1)</script><svg onload=alert(2)><a href="javascript:alert(3)">x</a>`;
const buckets = [new Date("2026-11-23T10:00:00Z"), new Date("2026-11-23T11:00:00Z"), new Date("2026-11-23T12:00:00Z")];

describe("charts drawn as inline SVG", () => {
  it("stacks a bar per bucket and series, and gives the same numbers in its table", () => {
    const chart = timeChart({
      id: "issued",
      title: "Credentials issued",
      buckets,
      bucket: "hour",
      keyName: "environment",
      series: [
        { key: "production", counts: [2, 0, 5], total: 7 },
        { key: "staging", counts: [1, 0, 0], total: 1 },
      ],
    }).text;
    expect(chart.match(/<rect x=/g)).toHaveLength(3);
    expect(chart).toContain('<td data-series="production">7</td><td data-series="staging">1</td><td data-series="">8</td>');
    // Empty buckets have no row; the others have one each.
    expect(chart.match(/<tr data-bucket=/g)).toHaveLength(2);
    expect(chart).toContain('aria-label="Credentials issued: 8 in all, production 7, staging 1"');
  });

  it("writes agent-chosen text only escaped, in text and attributes, never as markup", () => {
    const time = timeChart({
      id: HOSTILE,
      title: "t",
      buckets,
      bucket: "hour",
      keyName: "reason",
      series: [{ key: HOSTILE, counts: [1, 0, 0], total: 1 }],
    }).text;
    const ranking = rankingChart({ id: "top", title: "top", keyName: "agent", rows: [{ key: HOSTILE, count: 3 }] }).text;
    for (const text of [time, ranking]) {
      expect(text).not.toMatch(/<script|<svg onload|<a href|javascript:alert\(3\)">/i);
      expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(text).toContain("&quot;&gt;");
    }
  });

  it("labels buckets in UTC and rounds the axis to whole ticks", () => {
    expect(label(buckets[1], "hour", true)).toBe("2026-11-23 11:00");
    expect(label(buckets[1], "minute", false)).toBe("11:00");
    expect(label(buckets[1], "day", false)).toBe("2026-11-23");
    expect([0, 1, 3, 7, 10, 11, 99, 101].map(niceMax)).toEqual([2, 2, 5, 10, 10, 20, 100, 200]);
  });

  it("says so when a range holds nothing", () => {
    expect(rankingChart({ id: "top", title: "top", keyName: "agent", rows: [] }).text).toContain("None in this range.");
    expect(timeChart({ id: "x", title: "x", buckets, bucket: "hour", keyName: "k", series: [] }).text).toContain("None in this range.");
  });
});
