// Bundles src/player.js (hls.js + p2p-media-loader) into one browser script with esbuild.
//   node build.mjs [outfile]     (default: dist/player.js; crates/web/build.rs passes its OUT_DIR)
//
// Two source changes are made while bundling (PATCHES below). First, p2p-media-loader v2 names its tracker swarms
// base64(sha1(...)) of its own stream ids, while PeerTube's swarms (which our private tracker
// accepts) are sha1("2" + masterPlaylistUrl + "+V" + variantIndex). The tracker client is made
// to ask `globalThis.__ferrotubeSwarmInfoHash(stream)` first (player.js answers from the hashes
// the server put in the page). The build fails if the library's code no longer matches, so an
// upgrade cannot silently fall back to unknown swarm ids.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.resolve(process.argv[2] || path.join(here, "dist", "player.js"));

/** Exact source replacements, each checked: a library upgrade that moves the code fails the build. */
const PATCHES = [
  {
    // PeerTube's swarm ids (see above).
    file: /p2p-media-loader-core[\\/]lib[\\/]p2p[\\/]tracker-client\.js$/,
    from: "infoHash: utf8ToUintArray(streamHash),",
    to: "infoHash: (globalThis.__ferrotubeSwarmInfoHash && globalThis.__ferrotubeSwarmInfoHash(stream)) || utf8ToUintArray(streamHash),",
  },
  {
    // Fix: after a peer's segment fails validation the request forgets its size, even for a
    // byte-range segment (HLS fMP4 in one file, as PeerTube and Ferrotube serve it); the HTTP
    // retry then compares the server's Content-Range with `undefined`, calls it a mismatch and
    // retries forever, stalling playback. Keep the size the byte range gives.
    file: /p2p-media-loader-core[\\/]lib[\\/]requests[\\/]request\.js$/,
    from: "        this.bytes = [];\n        this._totalBytes = undefined;",
    to: "        this.bytes = [];\n        this._totalBytes = this.segment.byteRange ? this.segment.byteRange.end - this.segment.byteRange.start + 1 : undefined;",
  },
];

const patchLibraries = {
  name: "patch-p2p-media-loader",
  setup(build) {
    for (const { file, from, to } of PATCHES) {
      build.onLoad({ filter: file }, async (args) => {
        const src = await fs.promises.readFile(args.path, "utf8");
        if (!src.includes(from)) {
          throw new Error(`${args.path}: expected \`${from}\`; p2p-media-loader changed, update build.mjs`);
        }
        return { contents: src.replace(from, to), loader: "js" };
      });
    }
  },
};

await esbuild.build({
  entryPoints: [path.join(here, "src", "player.js")],
  outfile,
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2020"],
  legalComments: "none",
  logLevel: "warning",
  // bittorrent-tracker asks `process.browser` whether it runs in a browser (browserify style).
  define: { "process.env.NODE_ENV": '"production"', "process.browser": "true", global: "globalThis" },
  plugins: [patchLibraries],
});
