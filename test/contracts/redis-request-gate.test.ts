import { createHash } from "node:crypto";
import { connectRedis } from "../../src/stores/redis/redis-connection";
import { GATE } from "../../src/stores/redis/redis-gate-script";
import { RedisReplayGuard } from "../../src/stores/redis/redis-replay-guard";
import { RedisRequestGate } from "../../src/stores/redis/redis-request-gate";
import { RedisSuspensionStore } from "../../src/stores/redis/redis-suspension-store";
import { RedisTokenStore } from "../../src/stores/redis/redis-token-store";
import { RedisWindowCounter } from "../../src/stores/redis/redis-window-counter";
import { deleteRedisKeys, REDIS_URL, testRedisPrefix } from "../support/services";
import { describeRequestGateContract } from "./request-gate.contract";

describeRequestGateContract("RedisRequestGate", async () => {
  const prefix = testRedisPrefix();
  const redis = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  // Counts the commands that carry the gate's script: one per admission or redemption (one round trip),
  // plus at most one for the whole run when Redis did not know the script yet (EVALSHA → NOSCRIPT → EVAL).
  const sha = createHash("sha1").update(GATE).digest("hex");
  let sent = 0;
  let made = 0;
  const sendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = (command) => {
    if ((command.name === "evalsha" && String(command.args[0]) === sha) || (command.name === "eval" && String(command.args[0]) === GATE)) sent += 1;
    return sendCommand(command);
  };
  const gate = new RedisRequestGate(redis);
  const counted = <T>(work: () => Promise<T>) => {
    made += 1;
    return work();
  };
  return {
    gate: { admit: (admission) => counted(() => gate.admit(admission)), redeem: (redemption) => counted(() => gate.redeem(redemption)) },
    tokens: new RedisTokenStore(redis),
    replay: new RedisReplayGuard(redis),
    counter: new RedisWindowCounter(redis),
    suspensions: new RedisSuspensionStore(redis),
    async close() {
      expect(made).toBeGreaterThan(10);
      expect(sent - made).toBeGreaterThanOrEqual(0);
      expect(sent - made).toBeLessThanOrEqual(1);
      redis.disconnect();
      await deleteRedisKeys(prefix);
    },
  };
});
