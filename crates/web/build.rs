//! Embeds the front-end assets into the binary under content-hashed names, so
//! browsers may cache them forever. Third-party files come from `node_modules`
//! (installed from the npm registry by `npm ci`, which `make` runs); our own
//! live in `assets/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "assets/app.css", "text/css; charset=utf-8"),
    ("app.js", "assets/app.js", "text/javascript; charset=utf-8"),
    (
        "htmx.js",
        "node_modules/htmx.org/dist/htmx.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "echarts.js",
        "node_modules/echarts/dist/echarts.min.js",
        "text/javascript; charset=utf-8",
    ),
    // The provinces of China for the dashboard's map (antvis/china-geojson).
    (
        "china.json",
        "node_modules/china-geojson/src/geojson/china.json",
        "application/json",
    ),
    (
        "swagger-ui.js",
        "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "swagger-ui.css",
        "node_modules/swagger-ui-dist/swagger-ui.css",
        "text/css; charset=utf-8",
    ),
    (
        "api-docs.js",
        "assets/api-docs.js",
        "text/javascript; charset=utf-8",
    ),
];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("../..")
        .canonicalize()
        .expect("repository root");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir"));
    let mut table = String::from("pub(crate) static ASSETS: &[Asset] = &[\n");
    for (name, source, content_type) in ASSETS {
        let path = root.join(source);
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}. Run `npm ci` in the repository root (make does).",
                path.display()
            )
        });
        let hash = hex::encode(&Sha256::digest(&bytes)[..6]);
        let (stem, ext) = name
            .rsplit_once('.')
            .expect("asset names have an extension");
        let hashed = format!("{stem}.{hash}.{ext}");
        let copy = out.join(&hashed);
        std::fs::write(&copy, &bytes).expect("copy asset");
        writeln!(
            table,
            "    Asset {{ name: {name:?}, hashed: {hashed:?}, content_type: {content_type:?}, bytes: include_bytes!({:?}) }},",
            path_str(&copy)
        )
        .expect("write table");
    }
    table.push_str("];\n");
    std::fs::write(out.join("assets.rs"), table).expect("write assets.rs");
}

fn path_str(path: &Path) -> String {
    path.to_str().expect("utf-8 path").to_owned()
}
