import { systemClock } from "../../src/domain/clock";
import { MemoryRevocationFeed } from "../../src/stores/memory/memory-revocation-feed";
import { describeRevocationFeedContract } from "./revocation-feed.contract";

describeRevocationFeedContract("MemoryRevocationFeed", async () => {
  const feed = new MemoryRevocationFeed(systemClock);
  return { feed, other: feed, close: () => feed.close() };
});
