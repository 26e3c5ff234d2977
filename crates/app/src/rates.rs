//! Monthly exchange rates to the company currency. Amounts are kept in
//! each order's own currency; reports convert them with the rate of the
//! month they belong to ([`Qudao::rate_for`]). Finance keeps the table (the
//! page, the API, the `exchange-rates` import); every set and amendment is
//! audited with the rate before and after.
//!
//! A rate belongs to its month's books: it is refused for a closed month
//! (through the fact writers' guard), so a closed month's converted figures
//! never change.

use chrono::{DateTime, Utc};
use qudao_domain::money::Currency;
use qudao_domain::periods::Month;
use qudao_domain::rates::ExchangeRate;
use qudao_domain::{Invalid, Problem};
use qudao_store::WriteTx;
use qudao_store::rates::{self as repo, RateRow};
use serde::{Deserialize, Serialize};

use crate::error::AllFields;
use crate::text::text_or_number;
use crate::{AppError, Caller, Permission, Qudao};

/// A rate as shown and exchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RateView {
    #[schema(example = "2026-07")]
    pub month: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Units of the company currency one unit of `currency` buys, as
    /// decimal text (at most 8 decimals).
    #[schema(example = "7.1234")]
    pub rate: String,
    /// The company currency the rate is quoted in.
    #[schema(example = "CNY")]
    pub quoted_in: String,
    pub updated_by: String,
    pub updated_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A rate to set: a new one, or the amendment of the month's existing one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RateInput {
    #[schema(example = "2026-07")]
    pub month: String,
    #[schema(example = "USD")]
    pub currency: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "7.1234")]
    pub rate: String,
}

/// What setting a rate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateChange {
    Added,
    Amended(ExchangeRate),
    Unchanged,
}

/// A rate as one audit record's field.
#[derive(Serialize)]
struct Audited {
    month: Month,
    currency: Currency,
    rate: ExchangeRate,
}

impl Qudao {
    /// Every rate, newest month first (finance and administrators); only
    /// the months from `from` on when given.
    pub async fn list_rates(
        &self,
        caller: &Caller,
        from: Option<&str>,
    ) -> Result<Vec<RateView>, AppError> {
        caller.require(Permission::ManageFinance)?;
        let from = match crate::non_empty(from) {
            Some(text) => Some(Month::parse("from", text)?),
            None => None,
        };
        let rows = repo::list(self.db(), from).await?;
        self.rate_views(rows).await
    }

    /// Sets the rate of a currency in a month, or amends it.
    pub async fn put_rate(&self, caller: &Caller, input: &RateInput) -> Result<RateView, AppError> {
        caller.require(Permission::ManageFinance)?;
        let (month, currency, rate) = parse(input)?;
        let tx = self.write().await?;
        self.put_rate_in(&tx, caller, month, currency, rate, true)
            .await?;
        let row = repo::find(&tx, month, currency)
            .await?
            .ok_or(AppError::NotFound("exchange rate"))?;
        crate::commit(tx).await?;
        let mut views = self.rate_views(vec![row]).await?;
        views.pop().ok_or(AppError::NotFound("exchange rate"))
    }

    /// Sets a rate inside the caller's transaction (the form, the API, a
    /// row of an import). With `amend` false an existing different rate is
    /// refused rather than replaced (an import in create mode).
    pub(crate) async fn put_rate_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        month: Month,
        currency: Currency,
        rate: ExchangeRate,
        amend: bool,
    ) -> Result<RateChange, AppError> {
        caller.require(Permission::ManageFinance)?;
        let open = self.open_periods(tx).await?;
        let company = qudao_store::settings::read_settings(tx).await?.currency;
        let checks = (
            open.check_month("month", month),
            if currency == company {
                Err(Invalid::new(
                    "currency",
                    Problem::Conflict {
                        rule: "rate_of_company_currency",
                        with: company.to_string(),
                    },
                ))
            } else {
                Ok(())
            },
        );
        checks.all()?;
        let before = repo::find(tx, month, currency).await?.map(|row| row.rate);
        match before {
            Some(old) if old == rate => return Ok(RateChange::Unchanged),
            Some(old) if !amend => {
                return Err(Invalid::new(
                    "rate",
                    Problem::Conflict {
                        rule: "rate_exists",
                        with: old.to_string(),
                    },
                )
                .into());
            }
            _ => {}
        }
        repo::put(tx, month, currency, rate, &caller.login).await?;
        let key = format!("{month} {currency}");
        let audited = |rate| Audited {
            month,
            currency,
            rate,
        };
        let (action, change) = match before {
            Some(old) => ("amend", RateChange::Amended(old)),
            None => ("set", RateChange::Added),
        };
        self.audit(
            tx,
            caller,
            "exchange_rate",
            &key,
            action,
            before.map(audited).as_ref(),
            Some(&audited(rate)),
        )
        .await?;
        Ok(change)
    }

    /// The rate to convert amounts of `currency` in `month` into the
    /// company currency: 1 for the company currency itself, else the
    /// stored rate. A missing rate is an error naming month and currency,
    /// never a guess. For reports, which check their own caller; rates are
    /// no partner's data.
    pub async fn rate_for(
        &self,
        month: Month,
        currency: Currency,
    ) -> Result<ExchangeRate, AppError> {
        if currency == self.current_settings().await?.currency {
            return Ok(ExchangeRate::ONE);
        }
        repo::find(self.db(), month, currency)
            .await?
            .map(|row| row.rate)
            .ok_or_else(|| {
                Invalid::new(
                    "rate",
                    Problem::Conflict {
                        rule: "rate_missing",
                        with: format!("{month} {currency}"),
                    },
                )
                .into()
            })
    }

    async fn rate_views(&self, rows: Vec<RateRow>) -> Result<Vec<RateView>, AppError> {
        let quoted_in = self.current_settings().await?.currency.to_string();
        let logins = rows.iter().map(|r| r.updated_by.clone()).collect();
        let names = crate::visibility::user_names(self.db(), logins).await?;
        Ok(rows
            .into_iter()
            .map(|row| RateView {
                month: row.month.to_string(),
                currency: row.currency.to_string(),
                rate: row.rate.to_string(),
                quoted_in: quoted_in.clone(),
                updated_by_name: names.get(&row.updated_by).cloned(),
                updated_by: row.updated_by,
                updated_at: row.updated_at,
            })
            .collect())
    }
}

/// A rate input parsed, with every field's error.
pub(crate) fn parse(input: &RateInput) -> Result<(Month, Currency, ExchangeRate), Vec<Invalid>> {
    (
        Month::parse("month", &input.month),
        Currency::parse(&input.currency),
        ExchangeRate::parse("rate", &input.rate),
    )
        .all()
}
