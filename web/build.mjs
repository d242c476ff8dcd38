// Bundles src/player.js (hls.js + p2p-media-loader) into one browser script with esbuild.
//   node build.mjs [outfile]     (default: dist/player.js; crates/web/build.rs passes its OUT_DIR)
//
// One source change is made while bundling: p2p-media-loader v2 names its tracker swarms
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

const TRACKER_CLIENT = /p2p-media-loader-core[\\/]lib[\\/]p2p[\\/]tracker-client\.js$/;
const ORIGINAL = "infoHash: utf8ToUintArray(streamHash),";
const PATCHED =
  "infoHash: (globalThis.__ferrotubeSwarmInfoHash && globalThis.__ferrotubeSwarmInfoHash(stream)) || utf8ToUintArray(streamHash),";

const peertubeSwarmIds = {
  name: "peertube-swarm-ids",
  setup(build) {
    build.onLoad({ filter: TRACKER_CLIENT }, async (args) => {
      const src = await fs.promises.readFile(args.path, "utf8");
      if (!src.includes(ORIGINAL)) {
        throw new Error(`${args.path}: expected \`${ORIGINAL}\`; p2p-media-loader changed, update build.mjs`);
      }
      return { contents: src.replace(ORIGINAL, PATCHED), loader: "js" };
    });
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
  define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  plugins: [peertubeSwarmIds],
});
