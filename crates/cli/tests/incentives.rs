//! `qudao incentives import` and `list` as a person runs them: a TOML
//! document with a bad bracket is refused as `FILE: path: message` with a
//! non-zero exit and nothing written; a dry run writes nothing; the fixed
//! document is saved, put in force and listed; `incentives adjustments
//! import` names each bad row and column and writes nothing.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot set up should fail loudly"
)]

use std::process::{Command, Output};

use qudao_app::Qudao;
use sea_orm::{ConnectionTrait, Database, Statement};

const DOC: &str = r#"kind = "rebate"
code = "RB-CLI"
name = "命令行返利"
version = 1
currency = "CNY"
effective_from = "2026-01-01"
effective_to = "2026-12-31"
period = "quarter"
mode = "retroactive"

[scope]
partner_types = ["distributor"]

[base]
measure = "sell_in_net"

[[brackets]]
from = "0%"
rate = "1%"

[[brackets]]
from = "FROM"
rate = "2%"

[stacking]
rule = "stacks"
order = 10

[payout]
form = "cash"
"#;

fn qudao(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qudao"))
        .args(["--db", url, "--lang", "en"])
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

async fn programs(url: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM incentive_programs",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.ok();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_is_imported_checked_activated_and_listed() {
    let dir = std::env::temp_dir().join(format!("qudao-incentives-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("cli.db").display());
    Qudao::open(&url).await.unwrap();
    let file = dir.join("rebate.toml");
    let name = file.display().to_string();

    std::fs::write(&file, DOC.replace("FROM", "0%")).unwrap();
    let refused = qudao(&url, &["incentives", "import", &name]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("{name}: brackets[1].from: ")),
        "{stderr}"
    );
    assert_eq!(programs(&url).await, 0);

    std::fs::write(&file, DOC.replace("FROM", "100%")).unwrap();
    let dry = qudao(&url, &["incentives", "import", &name, "--dry-run"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(programs(&url).await, 0);

    let saved = qudao(&url, &["incentives", "import", &name, "--activate"]);
    let stdout = String::from_utf8_lossy(&saved.stdout);
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    assert!(stdout.contains("RB-CLI v1 is in force"), "{stdout}");
    assert_eq!(programs(&url).await, 1);

    let listed = qudao(&url, &["incentives", "list"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(
        stdout.contains("RB-CLI  1  rebate  命令行返利  2026-01-01 – 2026-12-31  active"),
        "{stdout}"
    );

    // Adjustments of the program: a penalty that adds and an unknown
    // partner are named by row and column, and nothing is written.
    let csv = dir.join("adjustments.csv");
    let csv_name = csv.display().to_string();
    std::fs::write(
        &csv,
        "subject_code,program_code,period,amount,reason,kind\n\
         P404,RB-CLI,2026-Q3,-5,迟付,penalty\n\
         P404,RB-CLI,2026-Q3,5,窜货,penalty\n",
    )
    .unwrap();
    let refused = qudao(&url, &["incentives", "adjustments", "import", &csv_name]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "{csv_name}: Row 2, Column subject_code: There is no partner P404"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{csv_name}: Row 3, Column amount: A penalty must be negative"
        )),
        "{stderr}"
    );
    let listed = qudao(
        &url,
        &["incentives", "adjustments", "list", "--period", "2026-Q3"],
    );
    assert!(listed.status.success());
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().count(),
        1,
        "only the header"
    );
    std::fs::remove_dir_all(&dir).ok();
}
