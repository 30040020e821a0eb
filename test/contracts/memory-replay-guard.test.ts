import { systemClock } from "../../src/domain/clock";
import { MemoryReplayGuard } from "../../src/stores/memory/memory-replay-guard";
import { describeReplayGuardContract } from "./replay-guard.contract";

describeReplayGuardContract("MemoryReplayGuard", async () => {
  const guard = new MemoryReplayGuard(systemClock);
  return { guard, close: async () => guard.close() };
});
