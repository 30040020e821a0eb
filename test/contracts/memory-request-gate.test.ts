import { systemClock } from "../../src/domain/clock";
import { MemoryReplayGuard } from "../../src/stores/memory/memory-replay-guard";
import { MemoryRequestGate } from "../../src/stores/memory/memory-request-gate";
import { MemorySuspensionStore } from "../../src/stores/memory/memory-suspension-store";
import { MemoryTokenStore } from "../../src/stores/memory/memory-token-store";
import { MemoryWindowCounter } from "../../src/stores/memory/memory-window-counter";
import { describeRequestGateContract } from "./request-gate.contract";

describeRequestGateContract("MemoryRequestGate", async () => {
  const stores = {
    replay: new MemoryReplayGuard(systemClock),
    counter: new MemoryWindowCounter(systemClock),
    suspensions: new MemorySuspensionStore(systemClock),
    tokens: new MemoryTokenStore(systemClock),
  };
  return {
    ...stores,
    gate: new MemoryRequestGate(stores),
    async close() {
      stores.replay.close();
      stores.tokens.close();
    },
  };
});
