/**
 * HTTP on Node.js (node:http): each IncomingMessage becomes a web-standard
 * Request, and the handler's Response is written back.
 *
 * @module
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import {
  addressInUse,
  answer,
  type HttpHandler,
  type HttpServeOptions,
  type HttpServer,
} from "./http.ts";

/** Serves with node:http. */
export function serveNode(
  options: HttpServeOptions,
  handler: HttpHandler,
): Promise<HttpServer> {
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    const aborted = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    const request = toRequest(req, host, server, aborted.signal);
    void answer(handler, request, options.onError)
      .then((response) => send(res, response, req.method === "HEAD"))
      .catch(() => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? addressInUse(host, options.port ?? 0, err)
          : err,
      ));
    server.listen(options.port ?? 0, host, () => {
      server.removeAllListeners("error");
      server.on("error", (err) => options.onError?.(err));
      let closing: Promise<void> | undefined;
      resolve({
        host,
        port: (server.address() as AddressInfo).port,
        close: () =>
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function toRequest(
  req: http.IncomingMessage,
  host: string,
  server: http.Server,
  signal: AbortSignal,
): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch { /* a header the Fetch API refuses is dropped */ }
  }
  const port = (server.address() as AddressInfo | null)?.port ?? 0;
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? ""}`);
  } catch {
    url = new URL(req.url ?? "/", `http://${host}:${port}`);
  }
  const method = req.method ?? "GET";
  const bodyless = method === "GET" || method === "HEAD";
  return new Request(url, {
    method,
    headers,
    signal,
    ...(bodyless ? {} : {
      body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>,
      duplex: "half",
    }),
  } as RequestInit);
}

async function send(
  res: http.ServerResponse,
  response: Response,
  head: boolean,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (head || response.body === null) {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise((ok) => {
          res.once("drain", ok);
          res.once("close", ok);
        });
      }
      if (res.destroyed) return void reader.cancel();
    }
    res.end();
  } catch {
    res.destroy();
  }
}
