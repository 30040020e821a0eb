import { systemClock } from "../../src/domain/clock";
import { MemoryGrantStore } from "../../src/stores/memory/memory-grant-store";
import { describeGrantStoreContract } from "./grant-store.contract";

describeGrantStoreContract("MemoryGrantStore", async () => ({ store: new MemoryGrantStore(systemClock), close: async () => undefined }));
