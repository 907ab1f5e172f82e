# Mahnwerk worker/API image (see docker-compose.yml). Runs the TypeScript sources with tsx.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    MAHNWERK_HOST=0.0.0.0 \
    PORT=3000 \
    MAHNWERK_DATA_DIR=/app/data

WORKDIR /app

# --include=dev: NODE_ENV=production would skip devDependencies, but the runtime imports @temporalio/testing.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY . .

RUN mkdir -p /app/data && chown -R node:node /app/data
USER node

EXPOSE 3000
CMD ["node_modules/.bin/tsx", "cli/mahnwerk.ts", "api"]
