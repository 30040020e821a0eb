import { systemClock } from "../../src/domain/clock";
import { MemoryTokenStore } from "../../src/stores/memory/memory-token-store";
import { describeTokenStoreContract } from "./token-store.contract";

describeTokenStoreContract("MemoryTokenStore", async () => {
  const store = new MemoryTokenStore(systemClock);
  return { store, close: async () => store.close() };
});
