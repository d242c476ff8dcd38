//! Embeds hls.js from `web/node_modules` (installed with `npm ci --prefix web`) and the P2P
//! player bundle (hls.js + p2p-media-loader), which it builds by running `node web/build.mjs`
//! (esbuild) into `OUT_DIR`.
//!
//! On a clean checkout without `web/node_modules` the build still succeeds: a
//! small stub script that logs a clear error is embedded instead and a
//! `cargo:warning` is printed; without the bundle, pages play over HTTP only.

use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let web_dir = manifest_dir.join("../../web");
    let hls = web_dir.join("node_modules/hls.js/dist/hls.min.js");
    let stub = manifest_dir.join("assets/hls-missing.js");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", stub.display());

    let (bytes, bundled, version) = match std::fs::read(&hls) {
        Ok(bytes) => {
            // Rebuild when hls.js is updated or removed.
            println!("cargo:rerun-if-changed={}", hls.display());
            let version = read_version(&web_dir.join("node_modules/hls.js/package.json"));
            (bytes, true, version)
        }
        Err(_) => {
            // A missing rerun-if-changed path makes cargo rerun the script on
            // every build, so watch the `web/` folder instead: it changes when
            // `node_modules` appears in it.
            if web_dir.is_dir() {
                println!("cargo:rerun-if-changed={}", web_dir.display());
            }
            println!(
                "cargo:warning=hls.js not found at {}; embedding a stub that logs an error. Run `npm ci --prefix web` and rebuild.",
                hls.display()
            );
            let bytes = std::fs::read(&stub).expect("assets/hls-missing.js");
            (bytes, false, String::from("missing"))
        }
    };

    std::fs::write(out_dir.join("hls.min.js"), &bytes).expect("write hls.min.js");
    let player = build_player(&web_dir, &out_dir);

    // Content hash of all served assets, used as `?v=` cache-busting query.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    // Every file under assets/ (the core script and stylesheet, and each area's), in name order.
    let assets_dir = manifest_dir.join("assets");
    println!("cargo:rerun-if-changed={}", assets_dir.display());
    let mut names: Vec<_> = std::fs::read_dir(&assets_dir)
        .expect("assets dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for path in names {
        println!("cargo:rerun-if-changed={}", path.display());
        hash = fnv1a(&std::fs::read(&path).expect("read asset"), hash);
    }
    hash = fnv1a(&bytes, hash);
    hash = fnv1a(&player, hash);
    let p2p_bundled = !player.is_empty();
    let asset_version = format!("{:012x}", hash & 0xffff_ffff_ffff);
    std::fs::write(
        out_dir.join("hls_info.rs"),
        format!(
            "/// Whether the real hls.js was embedded (false: a stub that logs an error).\npub const HLS_JS_BUNDLED: bool = {bundled};\n/// Version of the embedded hls.js (\"missing\" for the stub).\npub const HLS_JS_VERSION: &str = {version:?};\n/// Hash of the embedded assets.\npub const ASSET_VERSION: &str = {asset_version:?};\n/// Whether the P2P player bundle was built (false: pages play over HTTP only).\npub const P2P_PLAYER_BUNDLED: bool = {p2p_bundled};\n"
        ),
    )
    .expect("write hls_info.rs");
}

/// Runs `node web/build.mjs <OUT_DIR>/player.js`; answers the bundle, or nothing (with a
/// warning) when node or the packages are missing.
fn build_player(web_dir: &Path, out_dir: &Path) -> Vec<u8> {
    for watched in ["build.mjs", "src/player.js", "package-lock.json"] {
        println!("cargo:rerun-if-changed={}", web_dir.join(watched).display());
    }
    let out = out_dir.join("player.js");
    let esbuild = web_dir.join("node_modules/esbuild");
    if !esbuild.is_dir() {
        println!(
            "cargo:warning=esbuild not found in {}; the P2P player is not bundled. Run `npm ci --prefix web` and rebuild.",
            web_dir.join("node_modules").display()
        );
        let _ = std::fs::write(&out, b"");
        return Vec::new();
    }
    println!(
        "cargo:rerun-if-changed={}",
        web_dir.join("node_modules/.package-lock.json").display()
    );
    let status = std::process::Command::new("node")
        .arg(web_dir.join("build.mjs"))
        .arg(&out)
        .current_dir(web_dir)
        .status();
    match status {
        Ok(s) if s.success() => std::fs::read(&out).expect("read the player bundle"),
        other => panic!("bundling the player (node web/build.mjs) failed: {other:?}"),
    }
}

fn read_version(package_json: &Path) -> String {
    let text = std::fs::read_to_string(package_json).unwrap_or_default();
    // Tiny extraction of `"version": "x.y.z"` without a JSON dependency.
    text.split("\"version\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .map(str::to_owned)
        .unwrap_or_else(|| String::from("unknown"))
}

fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
