// Start and stop of the in-test fake servers (a control plane, a JSON API, a Prometheus): only their input is fake,
// the HTTP is real, on loopback.

/** Listens on 127.0.0.1:`port` (0: a free one) and resolves with the server's base URL. */
export async function listenLoopback(server, port = 0, scheme = 'http') {
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `${scheme}://127.0.0.1:${server.address().port}`;
}

/** Closes `server` at once, its open connections too (keep-alive ones would hold close() back); none: nothing. */
export async function closeNow(server) {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
