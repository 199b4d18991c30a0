// A tiny static file server for the saring sites, bound to 127.0.0.1 only.
//
//   node scripts/serve.mjs DIR [PORT] [OFFICER_DIR]     (PORT 0 picks a free port)
//
// serves DIR at / and, when given, OFFICER_DIR at /officer/ (the officer site).
// Also imported by the browser tests: `startServer(dir, port, { "/officer/": officerDir })`.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** Gzipped bodies by file, modification time and size. */
const GZIPPED = new Map();
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".wasm", ".json", ".webmanifest", ".svg"]);

/**
 * Serves `dir` on 127.0.0.1:`port`, and each directory of `mounts` under its prefix.
 * @param {string} dir
 * @param {number} port
 * @param {Record<string, string>} mounts  prefix ("/officer/") → directory
 * @returns {Promise<{server: import("node:http").Server, url: string, requests: string[]}>}
 */
export function startServer(dir, port = 0, mounts = {}) {
  const roots = [
    ...Object.entries(mounts).map(([prefix, d]) => [prefix, resolve(d)]),
    ["/", resolve(dir)],
  ];
  const requests = [];
  const server = createServer(async (req, res) => {
    requests.push(req.url ?? "");
    try {
      let path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
      if (`${path}/` in mounts) {
        res.writeHead(301, { location: `${path}/` }).end();
        return;
      }
      const [prefix, root] = roots.find(([p]) => path.startsWith(p));
      path = path.slice(prefix.length - 1);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end("forbidden");
        return;
      }
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      let body = await readFile(file);
      const headers = {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        vary: "accept-encoding",
      };
      // Gzip, as any static host does: the slow-network test measures what a phone downloads.
      if (COMPRESSIBLE.has(extname(file)) && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
        const key = `${file}:${(await stat(file)).mtimeMs}:${body.length}`;
        if (!GZIPPED.has(key)) GZIPPED.set(key, gzipSync(body, { level: 9 }));
        body = GZIPPED.get(key);
        headers["content-encoding"] = "gzip";
      }
      headers["content-length"] = String(body.length);
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      ok({ server, url: `http://127.0.0.1:${actual}/`, requests });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node scripts/serve.mjs DIR [PORT]");
    process.exit(2);
  }
  const port = Number(process.argv[3] ?? 8080);
  const officer = process.argv[4];
  startServer(dir, port, officer ? { "/officer/": officer } : {}).then(
    ({ url }) => {
      console.log(`serving ${dir} at ${url}`);
      if (officer) console.log(`serving ${officer} at ${url}officer/`);
    },
    (e) => {
      console.error(`cannot serve on 127.0.0.1:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
