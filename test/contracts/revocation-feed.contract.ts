import { randomUUID } from "node:crypto";
import type { RevocationFeed } from "../../src/domain/revocations/revocation-feed";
import { compareEntryIds } from "../../src/domain/revocations/revocation";

export interface RevocationFeedFixture {
  readonly feed: RevocationFeed;
  /** Another replica's view of the same feed (the same object for memory). */
  readonly other: RevocationFeed;
  close(): Promise<void>;
}

/** Resolves once `id` is among `got` (a subscriber's list) or arrives on the feed. */
const heardId = (feed: RevocationFeed, id: string, got: string[]) =>
  new Promise<void>((resolve) => {
    if (got.includes(id)) return resolve();
    const stop = feed.subscribe((entry) => {
      if (entry.id === id || got.includes(id)) {
        stop();
        resolve();
      }
    });
  });

/** The guarantees every RevocationFeed gives. */
export function describeRevocationFeedContract(name: string, factory: () => Promise<RevocationFeedFixture>): void {
  describe(`${name} (RevocationFeed contract)`, () => {
    let fixture: RevocationFeedFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(() => fixture?.close());

    test("gives increasing ids and replays entries after a given id, in order", async () => {
      const jtis = [randomUUID(), randomUUID(), randomUUID()];
      const ids: string[] = [];
      for (const jti of jtis) ids.push(await fixture.feed.publish({ jti, environment: "production" }));
      expect(compareEntryIds(ids[0], ids[1])).toBeLessThan(0);
      expect(compareEntryIds(ids[1], ids[2])).toBeLessThan(0);
      const after = await fixture.feed.since(ids[0], 100);
      expect(after.map((entry) => entry.id)).toEqual(ids.slice(1));
      expect(after.map((entry) => entry.revocation)).toEqual(jtis.slice(1).map((jti) => ({ jti, environment: "production" })));
    });

    test("without an id, replays the retention window; limit bounds the answer", async () => {
      const id = await fixture.feed.publish({ jti: randomUUID() });
      const all = await fixture.feed.since(undefined, 10_000);
      expect(all.map((entry) => entry.id)).toContain(id);
      expect(await fixture.feed.since(undefined, 1)).toHaveLength(1);
    });

    test("carries bulk revocations by agent, user or environment", async () => {
      const bulk = { agent: "support-agent", environment: "production", before: 1_767_225_600 };
      const id = await fixture.feed.publish(bulk);
      const [entry] = (await fixture.feed.since(undefined, 10_000)).filter((e) => e.id === id);
      expect(entry.revocation).toEqual(bulk);
    });

    test("delivers entries published by any replica to subscribers, in order", async () => {
      const got: string[] = [];
      const stop = fixture.other.subscribe((entry) => got.push(entry.id));
      const first = await fixture.feed.publish({ jti: randomUUID() });
      const second = await fixture.other.publish({ jti: randomUUID() });
      await heardId(fixture.other, second, got);
      stop();
      expect(got.filter((id) => compareEntryIds(id, first) >= 0)).toEqual([first, second]);
    });

    test("stops delivering after unsubscribe", async () => {
      const got: string[] = [];
      const stop = fixture.feed.subscribe((entry) => got.push(entry.id));
      stop();
      const kept: string[] = [];
      const stopKept = fixture.feed.subscribe((entry) => kept.push(entry.id));
      const id = await fixture.other.publish({ jti: randomUUID() });
      await heardId(fixture.feed, id, kept);
      stopKept();
      expect(got).not.toContain(id);
    });
  });
}
