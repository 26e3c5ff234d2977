//! The order-time preview: how an order not yet approved moves its
//! partner's attainment and estimated rebate ("this order takes you to
//! the 3% bracket, about ¥X more"). The partner's inputs are read once per
//! period (the engine asked about that partner alone), and the order's
//! contribution is added to a copy of them and calculated again, never
//! asked of the engine line by line. Computed on a page view, never
//! written.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use qudao_domain::catalog::ProductLine;
use qudao_domain::catalog::Sku;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::program::{BaseMeasure, Pay, PeriodKind, ProgramKind};
use qudao_domain::incentives::{Inputs, Program};
use qudao_domain::orders::OrderStatus;
use qudao_domain::periods::{Month, Period};
use qudao_store::incentives::{ProgramRow, ProgramStatus};
use qudao_store::scorecards::Scored;

use crate::incentive_compute::Read;
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// How one order moves its partner's result under one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgramMove {
    pub program_code: String,
    pub program_name: String,
    /// The period the program is computed over, the one under way.
    pub period: String,
    /// `sell_in_net` or `quantity` (units).
    pub measure: String,
    /// What the order adds to the base within the program's products
    /// (minor units, or units).
    pub contribution: i64,
    /// The same as the program counts it, multipliers applied.
    pub counted: String,
    /// Attainment (or growth) without and with the order, decimal ratios.
    pub attainment_before: Option<String>,
    pub attainment_after: Option<String>,
    /// The bracket reached without and with the order, counted from 1.
    pub bracket_before: Option<u32>,
    pub bracket_after: Option<u32>,
    /// The rate of the bracket reached with the order: a fraction, or an
    /// amount (major units) a unit for a quantity base.
    pub rate_after: Option<String>,
    /// The estimated amount without and with the order, and the
    /// difference, minor units.
    pub amount_before: i64,
    pub amount_after: i64,
    pub difference: i64,
    /// With the order: the next bracket, counted from 1, how much more
    /// base reaches it, and its rate.
    pub next_bracket: Option<u32>,
    pub next_distance: Option<i64>,
    pub next_rate: Option<String>,
}

/// An order's preview: every program in force that it moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderIncentivePreview {
    pub number: String,
    pub partner: String,
    pub partner_name: String,
    pub currency: String,
    pub programs: Vec<ProgramMove>,
}

/// A program the order moves, with what it adds as is and multiplied.
type Moving = (ProgramRow, i64, Decimal);

/// One order line as a program's base counts it.
struct LineFigures {
    sku: Sku,
    line: Option<ProductLine>,
    category: String,
    qty: i64,
    amount: i64,
}

fn bracket_rate(pay: &Pay, bracket: usize) -> Option<String> {
    match pay {
        Pay::Retroactive(b) | Pay::Marginal(b) => {
            b.get(bracket).map(|b| b.value.normalize().to_string())
        }
        _ => None,
    }
}

/// The period of the program's kind under way today.
fn current_period(program: &Program, fiscal: qudao_domain::periods::FiscalCalendar) -> Period {
    let today = crate::today();
    match program.period {
        PeriodKind::Month => Period::Month(Month::of(today)),
        PeriodKind::Quarter => {
            let (year, quarter) = fiscal.quarter_of(today);
            Period::Quarter(year, quarter)
        }
        PeriodKind::Year => Period::Year(fiscal.year_of(today)),
    }
}

/// What the order adds to the program's base, as is and multiplied; `None`
/// when the program's base is not one an order moves.
fn contribution(
    program: &Program,
    lines: &[LineFigures],
    downstream: bool,
) -> Option<(i64, Decimal)> {
    let base = &program.base;
    match base.measure {
        BaseMeasure::SellInNet if !downstream || base.count_downstream_purchases => {}
        BaseMeasure::Quantity if !downstream => {}
        _ => return None,
    }
    let mut plain = 0_i64;
    let mut counted = Decimal::ZERO;
    for l in lines {
        let within = (base.product_lines.is_empty()
            || l.line
                .as_ref()
                .is_some_and(|c| base.product_lines.contains(c)))
            && (base.categories.is_empty() || base.categories.contains(&l.category))
            && (base.skus.is_empty() || base.skus.contains(&l.sku));
        if !within {
            continue;
        }
        let figure = if base.measure == BaseMeasure::Quantity {
            l.qty
        } else {
            l.amount
        };
        let (factor, _) = program.factors(l.line.as_ref(), &l.sku);
        plain = plain.saturating_add(figure);
        counted += Decimal::from(figure) * factor;
    }
    (plain != 0).then_some((plain, counted))
}

impl Qudao {
    /// How an order not yet approved moves its partner's attainment and
    /// estimated amount under every program in force for the period under
    /// way that reaches the partner. Another partner's order, or one out
    /// of scope, is not found.
    pub async fn incentive_preview(
        &self,
        caller: &Caller,
        number: &str,
    ) -> Result<OrderIncentivePreview, AppError> {
        if !caller.role.is_partner_role() {
            caller.require(Permission::ViewIncentives)?;
        }
        caller.require(Permission::ViewOrders)?;
        let (order, partner_code) = qudao_store::orders::order_in_scope(
            self.db(),
            scope_in(caller, Area::Orders),
            number.trim(),
        )
        .await?
        .ok_or(AppError::NotFound("order"))?;
        let partner = self
            .visible(self.db(), caller, Area::Orders, &partner_code)
            .await?;
        let status = order.status()?;
        if !matches!(status, OrderStatus::Draft | OrderStatus::Submitted) {
            return Err(Invalid::new(
                "number",
                Problem::Conflict {
                    rule: "incentive_preview_order_decided",
                    with: status.as_str().to_owned(),
                },
            )
            .into());
        }
        let rows = qudao_store::orders::lines_of(self.db(), order.id).await?;
        let skus: Vec<Sku> = rows
            .iter()
            .map(|r| Sku::parse_as("sku", &r.sku))
            .collect::<Result<_, _>>()?;
        let products =
            qudao_store::catalog::products_with_skus(self.db(), &skus.iter().collect::<Vec<_>>())
                .await?;
        let line_codes: HashMap<i64, ProductLine> = qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .map(|l| Ok((l.id, l.code()?)))
            .collect::<Result<_, AppError>>()?;
        let lines: Vec<LineFigures> = rows
            .iter()
            .zip(skus)
            .map(|(r, sku)| LineFigures {
                line: line_codes.get(&r.product_line_id).cloned(),
                category: products
                    .get(sku.as_str())
                    .map(|p| p.category.clone())
                    .unwrap_or_default(),
                sku,
                qty: r.qty,
                amount: r.amount_minor,
            })
            .collect();
        let settings = self.current_settings().await?;
        let fiscal = crate::targets::fiscal(settings.fiscal_year_start);
        let downstream = order.seller_id.is_some();
        // Programs by the period they are under way in; a program an order
        // does not move is never read.
        let mut by_period: Vec<(Period, Vec<Moving>)> = Vec::new();
        for row in qudao_store::incentives::all_versions(self.db()).await? {
            // Commissions pay reps, not the partner.
            if row.status != ProgramStatus::Active || row.program.kind == ProgramKind::Commission {
                continue;
            }
            let period = current_period(&row.program, fiscal);
            if row.program.covers(period, fiscal).is_err() {
                continue;
            }
            let Some((plain, counted)) = contribution(&row.program, &lines, downstream) else {
                continue;
            };
            match by_period.iter_mut().find(|(p, _)| *p == period) {
                Some((_, list)) => list.push((row, plain, counted)),
                None => by_period.push((period, vec![(row, plain, counted)])),
            }
        }
        let mut programs = Vec::new();
        for (period, list) in &by_period {
            let refs: Vec<&Program> = list.iter().map(|(r, ..)| &r.program).collect();
            let gathered = self
                .gather_only(*period, &refs, Some(partner.code()))
                .await?;
            for read in &gathered.reads {
                if gathered.earners[read.earner].scored != Scored::Partner(partner.id().0) {
                    continue;
                }
                let (row, plain, counted) = &list[read.program];
                programs.push(moved(&row.program, *period, read, *plain, *counted)?);
            }
        }
        programs.sort_by(|a, b| {
            b.difference
                .cmp(&a.difference)
                .then(a.program_code.cmp(&b.program_code))
        });
        Ok(OrderIncentivePreview {
            number: order.number.clone(),
            partner: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            currency: settings.currency.as_str().to_owned(),
            programs,
        })
    }
}

/// The partner's result under `program` now and with the order added.
fn moved(
    program: &Program,
    period: Period,
    read: &Read,
    plain: i64,
    counted: Decimal,
) -> Result<ProgramMove, AppError> {
    let before = read.outcome(program)?;
    let mut with = read.clone();
    with.inputs.base = with.inputs.base.saturating_add(plain);
    with.inputs.multiplied_base += counted;
    let after = with.outcome(program)?;
    let inputs = Inputs {
        adjustments: &with.adjustments,
        ..with.inputs.clone()
    };
    let next = qudao_domain::incentives::watch::watch(&program.rules, &inputs, &after)?;
    let ratio = |r: Option<Decimal>| r.map(|x| format!("{x:.6}"));
    let bracket = |b: Option<usize>| b.map(|b| b as u32 + 1);
    Ok(ProgramMove {
        program_code: program.code.as_str().to_owned(),
        program_name: program.name.clone(),
        period: period.to_string(),
        measure: program.base.measure.as_str().to_owned(),
        contribution: plain,
        counted: counted.normalize().to_string(),
        attainment_before: ratio(before.ratio),
        attainment_after: ratio(after.ratio),
        bracket_before: bracket(before.bracket),
        bracket_after: bracket(after.bracket),
        rate_after: after.rate.map(|r| r.normalize().to_string()),
        amount_before: before.amount,
        amount_after: after.amount,
        difference: after.amount - before.amount,
        next_bracket: next.map(|w| w.next_bracket as u32 + 1),
        next_distance: next.map(|w| w.distance),
        next_rate: next.and_then(|w| bracket_rate(&program.rules.pay, w.next_bracket)),
    })
}
