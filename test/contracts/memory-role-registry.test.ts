import { MemoryRoleRegistry } from "../../src/stores/memory/memory-role-registry";
import { describeRoleRegistryContract } from "./role-registry.contract";

describeRoleRegistryContract("MemoryRoleRegistry", async () => ({ registry: new MemoryRoleRegistry(), close: async () => undefined }));
