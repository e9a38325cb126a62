# One image for the three apps and the CLI; the command picks the app.
# The apps run compiled (`npm run build`, then `npm run serve:<app>`): they start in about
# a second instead of compiling their TypeScript at every start (docs/deployment.md).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts=false
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY . .
COPY --from=build /app/dist ./dist
RUN npm run build:contracts && mkdir -p /config && chown -R node:node /config /app
USER node
CMD ["npm", "run", "serve:api"]
