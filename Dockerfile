# Locksmith: multi-stage build, non-root runtime, on a supported Node LTS (22, maintained until April 2027).
# Build: docker build -t locksmith .   Run: see docker-compose.yml (Redis + PostgreSQL + migrations).
# The runtime image holds no policy and no key, not even the public demo ones: mount your bundle
# (LOCKSMITH_POLICY) and keys (LOCKSMITH_KEYS_FILE, LOCKSMITH_LEDGER_KEY_FILE); `npx locksmith init` writes them.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY src ./src
COPY bin ./bin
# `npm ci` runs the `prepare` script: prisma generate (no engine download needed) + tsc.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/false
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The console's static script and stylesheet (no build step: served as written).
COPY public ./public
COPY prisma/migrations ./prisma/migrations
# Runs as the unprivileged `node` user.
USER node
EXPOSE 8080
# Liveness (the process answers): /healthz. Readiness (every store answers, route traffic here): /readyz,
# used by compose's health check and a Kubernetes readinessProbe.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
