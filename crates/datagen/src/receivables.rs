//! Opening invoices and payments for the demo network over the last six
//! months: one invoice a month per partner with an agreement in force,
//! dated from the agreement's start, paid around its due date by most, and
//! three late payers (one paying about 45 days late, one paying half and
//! stopping, one not paying since four months), so the ageing, the
//! overdue list, collection rates and statements show something real.
//! Invoices are "opening" ones (no shipment): entered as if taken over
//! from the previous system.

use chrono::{Datelike, Days, NaiveDate};
use qudao_app::receivables::{AllocationInput, OpeningInvoiceInput, PaymentInput};
use qudao_app::{AppError, Caller, Qudao};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::agreements::Term;
use crate::network::Network;

const MONTHS: u32 = 6;
/// Partners with invoices, at most (the demo stays quick to load).
const PAYERS: usize = 40;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Habit {
    OnTime,
    Late,
    PaysHalf,
    Stopped,
}

#[derive(Default)]
pub(crate) struct Written {
    pub(crate) invoices: usize,
    pub(crate) payments: usize,
}

pub(crate) async fn ledger(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    terms: &[Option<Term>],
) -> Result<Written, AppError> {
    let today = qudao_app::today();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(MONTHS)))
        .unwrap_or(today);
    // The portal's two partners first, so their users see an account.
    let portal = [network.portal_distributor, network.portal_downstream];
    let mut chosen = portal.to_vec();
    chosen.extend(
        (0..network.partners.len())
            .filter(|i| terms[*i].is_some() && !portal.contains(i))
            .take(PAYERS),
    );
    // The portal's downstream partner buys through its distributor and has
    // no agreement with us; its invoices come from the previous system.
    chosen.retain(|i| terms[*i].is_some() || portal.contains(i));
    let mut written = Written::default();
    let mut number = 0;
    for (n, &i) in chosen.iter().enumerate() {
        let partner = &network.partners[i];
        let term = terms[i];
        // The portal's partners pay on time; three others do not.
        let habit = match n {
            5 => Habit::Late,
            9 => Habit::PaysHalf,
            13 => Habit::Stopped,
            _ => Habit::OnTime,
        };
        let net_days: u64 = [30, 30, 45, 60][rng.random_range(0..4)];
        let scale: i64 = if partner.parent.is_some() { 1 } else { 5 };
        let mut month = first;
        while month <= today {
            let issued = month + Days::new(rng.random_range(2..8));
            month = month
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(NaiveDate::MAX);
            if issued > today || term.is_some_and(|t| issued < t.from || issued > t.to) {
                continue;
            }
            number += 1;
            let invoice = format!("QC-{}-{number:05}", issued.year());
            let amount = rng.random_range(8_000..40_000) * scale * 100;
            let due = issued + Days::new(net_days);
            app.record_opening_invoice(
                system,
                &OpeningInvoiceInput {
                    partner: partner.code.clone(),
                    number: invoice.clone(),
                    currency: partner.currency.to_owned(),
                    amount: yuan(amount),
                    issued_on: issued.to_string(),
                    due_on: due.to_string(),
                },
            )
            .await?;
            written.invoices += 1;
            let stopped_from = today - Days::new(120);
            let (paid_on, paid) = match habit {
                Habit::OnTime => (due - Days::new(rng.random_range(0..10)), amount),
                Habit::Late => (due + Days::new(rng.random_range(40..50)), amount),
                Habit::PaysHalf if issued < stopped_from => (due + Days::new(5), amount / 2),
                Habit::Stopped if issued < stopped_from => (due, amount),
                Habit::PaysHalf | Habit::Stopped => continue,
            };
            if paid_on > today {
                continue;
            }
            let reference = format!("CMB{}{number:05}", paid_on.format("%Y%m%d"));
            app.record_payment(
                system,
                &PaymentInput {
                    partner: partner.code.clone(),
                    currency: partner.currency.to_owned(),
                    amount: yuan(paid),
                    received_on: paid_on.to_string(),
                    reference,
                    allocations: vec![AllocationInput {
                        invoice,
                        amount: yuan(paid),
                    }],
                    ..Default::default()
                },
            )
            .await?;
            written.payments += 1;
        }
    }
    Ok(written)
}

/// Minor units as the decimal a form takes.
fn yuan(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}
