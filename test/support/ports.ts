import net from 'node:net';

// Below Linux's ephemeral range (32768–60999): a port picked there can be taken by any outgoing connection of the
// many tests running beside this one before the process meant for it binds it (npm start's embedded PostgreSQL
// binds its port a minute or so after the pick, once Temporal is up).
const LOW = 20_000;
const HIGH = 32_767;

/** Whether a TCP port is free on loopback now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago on loopback, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} after 50 tries`);
}
