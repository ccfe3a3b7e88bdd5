# syntax=docker/dockerfile:1
# One image for the three Node services of docker-compose.yml (Gatehouse, the protected API, the
# demo); each service picks its entry point with `command`. Build: docker build -t gatehouse .

# --- build: install everything, compile TypeScript, then drop the dev dependencies ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: the official Node 24 image, our files read-only, running as the image's `node` user ---
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY config ./config
# The only writable place: development keys are generated here when none are configured.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000 3001 3002
CMD ["node", "dist/main.js"]
