import { createPrismaClient } from "../../src/stores/postgres/prisma-client";
import { PrismaRoleRegistry } from "../../src/stores/postgres/prisma-role-registry";
import { createTestDatabase } from "../support/services";
import { describeRoleRegistryContract } from "./role-registry.contract";

describeRoleRegistryContract("PrismaRoleRegistry on PostgreSQL", async () => {
  const database = await createTestDatabase();
  const prisma = createPrismaClient(database.url);
  return {
    registry: new PrismaRoleRegistry(prisma),
    async close() {
      await prisma.$disconnect();
      await database.drop();
    },
  };
});
