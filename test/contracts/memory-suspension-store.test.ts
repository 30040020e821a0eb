import { systemClock } from "../../src/domain/clock";
import { MemorySuspensionStore } from "../../src/stores/memory/memory-suspension-store";
import { describeSuspensionStoreContract } from "./suspension-store.contract";

describeSuspensionStoreContract("MemorySuspensionStore", async () => ({ store: new MemorySuspensionStore(systemClock), close: async () => undefined }));
