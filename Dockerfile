FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
USER node
# The same image runs the API (default) or the worker (command: npm run worker).
CMD ["npm", "run", "api"]
