//! The in-memory columnar projection of the trade facts (DESIGN.md §3,
//! §7a). `app` loads it from the store at start-up through the fact
//! interface (`app::facts`) and publishes each committed batch of facts to
//! it; every aggregate a page, the API, the CLI or a later run reads comes
//! from here. It never writes, and the database stays the source of truth:
//! dropping the engine and loading again gives the same answers.
//!
//! Readers hold an `Arc<Snapshot>`. A publication builds the next snapshot
//! beside the current one and swaps it in at once, so a reader sees all of
//! a committed import or none of it.

mod dims;
mod exec;
mod lines;
mod persist;
mod query;
mod snapshot;
mod table;

use std::sync::{Arc, Mutex, RwLock};

pub use dims::{Dims, DimsInput, NONE, Named, OwnerInput, PartnerInput, ProductInput, RegionInput};
pub use exec::{Answer, AnswerRow, Group, Holdings, Key, Position, Scope, Sums};
pub use lines::{Line, LineSort, Lines};
pub use persist::{Sample, Stored};
pub use query::{
    Compare, Dim, Filter, MAX_LIMIT, Measure, Query, QueryText, month_number, month_of_number,
};
pub use snapshot::{EncodeError, FactInput, RateInput, RateUsed, Snapshot};
pub use table::Kind;

/// The projection, shared by every request of a process.
#[derive(Debug)]
pub struct Engine {
    current: RwLock<Arc<Snapshot>>,
    /// One publication at a time, so two catch-ups never append the same
    /// facts twice.
    publishing: Mutex<()>,
}

/// What one publication brings.
#[derive(Debug, Default)]
pub struct Update {
    /// Fresh dimensions, when partners, products or regions changed or a
    /// fact names one the engine has not seen.
    pub dims: Option<DimsInput>,
    pub rates: Option<Vec<RateInput>>,
    pub facts: Vec<(Kind, Vec<FactInput>)>,
}

impl Engine {
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            current: RwLock::new(Arc::new(snapshot)),
            publishing: Mutex::new(()),
        }
    }

    /// What readers see now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Applies an update and makes it visible at once. Facts already held
    /// (an id at or below the table's last one) are skipped, so a
    /// catch-up that raced another is harmless.
    pub fn publish(&self, update: Update) -> Result<Arc<Snapshot>, EncodeError> {
        let _one = self
            .publishing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.snapshot();
        let dims = update
            .dims
            .as_ref()
            .map(|input| Dims::build(input, Some(&current.dims)));
        let facts: Vec<(Kind, Vec<FactInput>)> = update
            .facts
            .into_iter()
            .map(|(kind, facts)| {
                let last = current.table(kind).last_id;
                (kind, facts.into_iter().filter(|f| f.id > last).collect())
            })
            .collect();
        let next = Arc::new(current.published(dims, update.rates.as_deref(), &facts)?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = next.clone();
        Ok(next)
    }

    /// Where the catch-up of `kind` reads from.
    pub fn position(&self, kind: Kind) -> i64 {
        self.snapshot().table(kind).last_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use qudao_domain::periods::{FiscalCalendar, Month};
    use rust_decimal::Decimal;

    fn dims() -> DimsInput {
        let partner = |id: i64, code: &str, kind: &str, region: i64| PartnerInput {
            id,
            code: code.into(),
            name: format!("{code} 公司"),
            partner_type: kind.into(),
            grade: None,
            region_id: Some(region),
            owner_id: None,
            parent_id: None,
            created_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        };
        let region = |id: i64, code: &str, level: &str, parent: Option<i64>| RegionInput {
            id,
            code: code.into(),
            name_zh: code.into(),
            name_en: code.into(),
            level: level.into(),
            parent_id: parent,
        };
        DimsInput {
            partners: vec![
                partner(1, "P1", "distributor", 11),
                partner(2, "P2", "retailer", 21),
            ],
            products: vec![ProductInput {
                id: 7,
                sku: "TEA-1".into(),
                name_zh: "茶".into(),
                name_en: "Tea".into(),
                line: "TEA".into(),
                category: "茶饮".into(),
                cost: Some(500),
            }],
            regions: vec![
                region(1, "CN", "country", None),
                region(10, "310000", "province", Some(1)),
                region(11, "310101", "county", Some(10)),
                region(20, "440000", "province", Some(1)),
                region(21, "440300", "city", Some(20)),
            ],
            ..DimsInput::default()
        }
    }

    fn fact(
        id: i64,
        partner: i64,
        date: (i32, u32, u32),
        qty: i64,
        amount: i64,
        currency: &str,
    ) -> FactInput {
        FactInput {
            id,
            partner_id: partner,
            product_id: Some(7),
            region_id: None,
            date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
            qty,
            amount_minor: amount,
            currency: currency.into(),
        }
    }

    fn engine() -> Engine {
        let engine = Engine::new(Snapshot::empty("CNY", FiscalCalendar::new(1).unwrap()));
        engine
            .publish(Update {
                dims: Some(dims()),
                rates: Some(vec![RateInput {
                    currency: "USD".into(),
                    month: Month::new(2026, 3).unwrap(),
                    rate: Decimal::new(71_234, 4),
                }]),
                facts: vec![(
                    Kind::SellIn,
                    vec![
                        fact(1, 1, (2026, 3, 1), 10, 10_000, "CNY"),
                        fact(2, 2, (2026, 3, 2), 1, 105, "USD"),
                        fact(3, 1, (2026, 3, 5), -2, -2_000, "CNY"),
                        fact(4, 1, (2025, 3, 9), 4, 4_000, "CNY"),
                    ],
                )],
            })
            .unwrap();
        engine
    }

    fn ask(engine: &Engine, text: &QueryText, scope: &Scope) -> Answer {
        let snapshot = engine.snapshot();
        let query = Query::parse(text, snapshot.fiscal).unwrap();
        snapshot.query(&query, scope).unwrap()
    }

    fn text(measures: &[&str], by: &[&str], period: &str) -> QueryText {
        QueryText {
            measures: measures.iter().map(|m| (*m).to_owned()).collect(),
            by: by.iter().map(|m| (*m).to_owned()).collect(),
            period: Some(period.into()),
            ..QueryText::default()
        }
    }

    #[test]
    fn amounts_convert_once_per_fact_and_name_the_rate() {
        let a = ask(
            &engine(),
            &text(
                &["sell_in_amount", "returns_amount", "gross_margin"],
                &["province"],
                "2026-03",
            ),
            &Scope::All,
        );
        // 105 USD cents × 7.1234 = 747.957 → 748; returns count positive;
        // margin = amount − qty × cost where the cost is known.
        let by: Vec<_> = a
            .rows
            .iter()
            .map(|r| (r.keys[0].code.as_str(), r.values.clone()))
            .collect();
        assert_eq!(
            by,
            [
                (
                    "310000",
                    vec![Some(8_000), Some(2_000), Some(8_000 - 8 * 500)]
                ),
                ("440000", vec![Some(748), Some(0), Some(748 - 500)]),
            ]
        );
        assert_eq!(a.rates.len(), 1);
        assert_eq!(a.rates[0].rate, Some(Decimal::new(71_234, 4)));
    }

    #[test]
    fn the_scope_keeps_other_partners_out_and_last_year_lines_up() {
        let engine = engine();
        let mut t = text(&["sell_in_qty", "active_partners"], &["month"], "2026-03");
        t.compare = Some("last_year".into());
        let a = ask(&engine, &t, &Scope::Partners(vec![1]));
        assert_eq!(a.rows.len(), 1);
        assert_eq!(a.rows[0].values, vec![Some(8), Some(1)]);
        assert_eq!(a.rows[0].compare, Some(vec![Some(4), Some(1)]));
        let none = ask(
            &engine,
            &text(&["sell_in_qty"], &[], "2026-03"),
            &Scope::Partners(vec![]),
        );
        assert_eq!(none.totals, vec![Some(0)]);
    }

    #[test]
    fn a_publication_is_seen_whole_and_facts_already_held_are_skipped() {
        let engine = engine();
        let before = engine.snapshot();
        let more: Vec<FactInput> = (5..70_005)
            .map(|id| fact(id, 2, (2026, 3, 10), 1, 100, "CNY"))
            .collect();
        engine
            .publish(Update {
                facts: vec![(Kind::SellIn, more.clone())],
                ..Update::default()
            })
            .unwrap();
        engine
            .publish(Update {
                facts: vec![(Kind::SellIn, more)],
                ..Update::default()
            })
            .unwrap();
        assert_eq!(before.table(Kind::SellIn).rows, 4);
        let after = engine.snapshot();
        assert_eq!(after.table(Kind::SellIn).rows, 70_004);
        assert_eq!(after.table(Kind::SellIn).chunks.len(), 2);
        let a = ask(&engine, &text(&["sell_in_qty"], &[], "2026"), &Scope::All);
        assert_eq!(a.totals, vec![Some(10 + 1 - 2 + 70_000)]);
    }

    #[test]
    fn an_unknown_partner_asks_for_fresh_dimensions() {
        let engine = engine();
        let err = engine
            .publish(Update {
                facts: vec![(Kind::SellIn, vec![fact(99, 3, (2026, 3, 1), 1, 1, "CNY")])],
                ..Update::default()
            })
            .unwrap_err();
        assert_eq!(
            err,
            EncodeError::UnknownDimension {
                kind: Kind::SellIn,
                id: 99
            }
        );
    }

    #[test]
    fn a_projection_file_reads_back_to_the_same_answers_or_not_at_all() {
        let engine = engine();
        let saved = engine.snapshot();
        let mut file = Vec::new();
        saved.write_to(&mut file).unwrap();
        let rates = vec![RateInput {
            currency: "USD".into(),
            month: Month::new(2026, 3).unwrap(),
            rate: Decimal::new(71_234, 4),
        }];
        let stored = Stored::read_from(&mut file.as_slice()).unwrap();
        assert_eq!(stored.last_id(Kind::SellIn), 4);
        let sample = &stored.samples(Kind::SellIn)[0];
        assert_eq!((sample.id, sample.partner_id, sample.qty), (4, 1, 4));
        let fiscal = saved.fiscal;
        let again = Engine::new(stored.into_snapshot("CNY", fiscal, &rates).unwrap());
        again
            .publish(Update {
                dims: Some(dims()),
                ..Update::default()
            })
            .unwrap();
        let t = text(
            &["sell_in_amount", "gross_margin"],
            &["province"],
            "2026-03",
        );
        assert_eq!(ask(&again, &t, &Scope::All), ask(&engine, &t, &Scope::All));
        let query = Query::parse(&t, fiscal).unwrap();
        let lines = |e: &Engine| {
            let s = e.snapshot();
            s.lines(
                Measure::SellInAmount,
                &query,
                &Scope::All,
                (LineSort::Date, false),
            )
            .unwrap()
            .page(0, 10)
        };
        assert_eq!(lines(&again), lines(&engine));
        assert!(
            lines(&again)
                .iter()
                .any(|l| l.written == 105 && l.amount == 748)
        );

        // Another rate, currency or calendar: the file's amounts are stale.
        let stored = || Stored::read_from(&mut file.as_slice()).unwrap();
        let mut moved = rates.clone();
        moved[0].rate = Decimal::new(72, 1);
        assert!(stored().into_snapshot("CNY", fiscal, &moved).is_none());
        assert!(stored().into_snapshot("USD", fiscal, &rates).is_none());
        let april = FiscalCalendar::new(4).unwrap();
        assert!(stored().into_snapshot("CNY", april, &rates).is_none());
        // A file cut short or of another format is refused.
        assert!(Stored::read_from(&mut &file[..file.len() - 1]).is_err());
        assert!(Stored::read_from(&mut &b"not an engine file"[..]).is_err());
    }

    #[test]
    fn stock_on_hand_starts_from_the_last_count_and_flags_follow_the_inventory_rules() {
        let engine = engine();
        let count = FactInput {
            amount_minor: 0,
            currency: String::new(),
            ..fact(1, 1, (2026, 3, 4), 20, 0, "")
        };
        engine
            .publish(Update {
                facts: vec![
                    (Kind::StockCount, vec![count]),
                    (
                        Kind::SellThrough,
                        vec![
                            fact(1, 1, (2026, 3, 2), 5, 500, "CNY"),
                            fact(2, 1, (2026, 3, 10), 3, 300, "CNY"),
                            fact(3, 2, (2026, 3, 20), 1, 100, "CNY"),
                        ],
                    ),
                ],
                ..Update::default()
            })
            .unwrap();
        let by_partner = |period: &str| {
            ask(
                &engine,
                &text(&["stock_on_hand"], &["partner"], period),
                &Scope::All,
            )
            .rows
            .into_iter()
            .map(|r| (r.keys[0].code.clone(), r.values[0]))
            .collect::<Vec<_>>()
        };
        // P1: counted 20 on the 4th, then 2 returned and 3 sold; what came
        // and went before the count is in it already. P2: never counted,
        // 1 received and 1 sold.
        assert_eq!(
            by_partner("2026-03"),
            [("P1".to_owned(), Some(15)), ("P2".to_owned(), Some(0))]
        );
        // Before any count or sale: what was received.
        assert_eq!(by_partner("2026-02"), [("P1".to_owned(), Some(4))]);
        let snapshot = engine.snapshot();
        let query = Query::parse(&text(&["sell_in_qty"], &[], "2026-03"), snapshot.fiscal).unwrap();
        let march_end = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        // P1 holds 15 against 8 sold in the window: overstocked at 60 days;
        // P2 holds nothing and sold: out of stock.
        assert_eq!(
            snapshot
                .stock_flags(&query, &Scope::All, march_end, 60)
                .unwrap(),
            (1, 1)
        );
        assert_eq!(
            snapshot
                .stock_flags(&query, &Scope::Partners(vec![2]), march_end, 60)
                .unwrap(),
            (0, 1)
        );
        // The holdings behind the flags, with the last day that sold
        // within the days asked for.
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d);
        let held = |recent| {
            let holdings = snapshot
                .stock_holdings(&query, &Scope::All, march_end, recent)
                .unwrap();
            // One partner's at a time gives what all at once gives.
            let by_partner: Vec<_> = holdings
                .partners()
                .into_iter()
                .flat_map(|(_, range)| holdings.positions_in(range).collect::<Vec<_>>())
                .collect();
            assert_eq!(by_partner, holdings.positions().collect::<Vec<_>>());
            by_partner
                .into_iter()
                .map(|p| {
                    let sku = holdings.sku(p.product).to_owned();
                    (
                        p.partner_id,
                        sku,
                        p.on_hand,
                        p.sold_in_window,
                        p.last_sold_on,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            held(30),
            [
                (1, "TEA-1".to_owned(), 15, 8, day(10)),
                (2, "TEA-1".to_owned(), 0, 1, day(20)),
            ]
        );
        assert_eq!(
            held(15),
            [
                (1, "TEA-1".to_owned(), 15, 8, None),
                (2, "TEA-1".to_owned(), 0, 1, day(20)),
            ]
        );
    }
}
