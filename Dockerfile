# One image for the three apps and the CLI; the command picks the app.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY . .
RUN npm run build:contracts && mkdir -p /config && chown -R node:node /config /app
USER node
CMD ["npm", "run", "start:api"]
