import { MemorySecretStore } from "../../src/stores/memory/memory-secret-store";
import { describeSecretStoreContract } from "./secret-store.contract";

describeSecretStoreContract("MemorySecretStore", async () => ({ store: new MemorySecretStore(), close: async () => undefined }));
