import { createPrismaClient } from "../../src/stores/postgres/prisma-client";
import { PrismaSecretStore } from "../../src/stores/postgres/prisma-secret-store";
import { createTestDatabase } from "../support/services";
import { describeSecretStoreContract } from "./secret-store.contract";

describeSecretStoreContract("PrismaSecretStore on PostgreSQL", async () => {
  const database = await createTestDatabase();
  const prisma = createPrismaClient(database.url);
  return {
    store: new PrismaSecretStore(prisma),
    async close() {
      await prisma.$disconnect();
      await database.drop();
    },
  };
});
