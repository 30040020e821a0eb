import type { Redis } from "ioredis";
import { StoreUnavailableError } from "../../domain/errors";
import type { Revocation, RevocationEntry } from "../../domain/revocations/revocation";
import { REVOCATION_RETENTION_MS, type RevocationFeed } from "../../domain/revocations/revocation-feed";

const STREAM = "revocations";
/** Below the connection's command timeout, so a quiet stream is not mistaken for a dead Redis. */
const BLOCK_MS = 1000;
const RETRY_MS = 500;

type StreamReply = [id: string, fields: string[]][];

/**
 * Revocations in a Redis Stream, so every replica hears every revocation in
 * the same order; the stream's entry ids are the feed's ids (and the SSE ids).
 * Each replica runs one blocking reader on its own connection and fans out to
 * its listeners; the stream is trimmed to the retention window on append.
 */
export class RedisRevocationFeed implements RevocationFeed {
  private readonly listeners = new Set<(entry: RevocationEntry) => void>();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly redis: Redis,
    private readonly reader: Redis,
  ) {}

  /** Starts the reader at the stream's current end, so every later entry reaches `subscribe`rs. */
  static async start(redis: Redis): Promise<RedisRevocationFeed> {
    const reader = redis.duplicate();
    reader.on("error", () => undefined);
    const feed = new RedisRevocationFeed(redis, reader);
    const [last] = await guard(() => redis.xrevrange(STREAM, "+", "-", "COUNT", 1));
    feed.loop = feed.follow(last?.[0] ?? "0-0");
    return feed;
  }

  publish(revocation: Revocation): Promise<string> {
    const oldest = Date.now() - REVOCATION_RETENTION_MS;
    return guard(async () => (await this.redis.xadd(STREAM, "MINID", "~", String(oldest), "*", "r", JSON.stringify(revocation)))!);
  }

  since(afterId: string | undefined, limit: number): Promise<RevocationEntry[]> {
    const start = afterId === undefined ? String(Date.now() - REVOCATION_RETENTION_MS) : `(${afterId}`;
    return guard(async () => toEntries(await this.redis.xrange(STREAM, start, "+", "COUNT", limit)));
  }

  subscribe(listener: (entry: RevocationEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.listeners.clear();
    await this.loop;
    this.reader.disconnect();
  }

  private async follow(cursor: string): Promise<void> {
    while (!this.stopped) {
      try {
        const reply = (await this.reader.xread("COUNT", 100, "BLOCK", BLOCK_MS, "STREAMS", STREAM, cursor)) as [string, StreamReply][] | null;
        for (const entry of toEntries(reply?.[0]?.[1] ?? [])) {
          cursor = entry.id;
          for (const listener of this.listeners) listener(entry);
        }
      } catch {
        // Redis is away: keep the cursor and resume where we were once it answers again.
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}

function toEntries(reply: StreamReply): RevocationEntry[] {
  return reply.map(([id, fields]) => ({ id, revocation: JSON.parse(fields[fields.indexOf("r") + 1]) as Revocation }));
}

async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new StoreUnavailableError("Redis", error);
  }
}
