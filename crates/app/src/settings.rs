//! The company's settings: currency, fiscal year start, the "new product"
//! window and the overstock threshold. Administrators change them; every
//! use case reads them through a cache.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use qudao_domain::periods::FiscalCalendar;
use qudao_domain::settings::Settings;
use qudao_domain::{Invalid, Problem};
use qudao_store::{Aggregate, ConnectionTrait};
use serde::{Deserialize, Serialize};

use crate::text::text_or_number;
use crate::{AppError, Caller, Permission, Qudao};

/// How long another node may keep reading settings changed here.
const TTL: Duration = Duration::from_secs(5);

/// The settings as shown and exchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    /// ISO 4217 code of the company currency.
    #[schema(example = "CNY")]
    pub currency: String,
    /// The month (1–12) the fiscal year starts in.
    pub fiscal_year_start: u32,
    /// A product launched within this many days counts as new.
    pub new_product_days: u32,
    /// Stock covering more than this many days of sales is overstock.
    pub overstock_days: u32,
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        Self {
            currency: s.currency.to_string(),
            fiscal_year_start: s.fiscal_year_start,
            new_product_days: s.new_product_days,
            overstock_days: s.overstock_days,
        }
    }
}

/// New values of every setting (numbers as numbers or text).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SettingsInput {
    #[schema(example = "CNY")]
    pub currency: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "1")]
    pub fiscal_year_start: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "90")]
    pub new_product_days: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "60")]
    pub overstock_days: String,
}

impl From<SettingsView> for SettingsInput {
    fn from(v: SettingsView) -> Self {
        Self {
            currency: v.currency,
            fiscal_year_start: v.fiscal_year_start.to_string(),
            new_product_days: v.new_product_days.to_string(),
            overstock_days: v.overstock_days.to_string(),
        }
    }
}

/// The settings in memory. A change on this node empties it after its
/// commit; other nodes read the table again after [`TTL`]. A read that
/// began before a change does not store what it read (a generation count).
#[derive(Debug, Default)]
pub(crate) struct SettingsCache {
    entry: Mutex<Option<(Settings, Instant)>>,
    generation: AtomicU64,
}

impl SettingsCache {
    async fn get(&self, pool: &impl ConnectionTrait) -> Result<Settings, AppError> {
        if let Some((settings, until)) = *self.entry.lock().unwrap_or_else(|e| e.into_inner())
            && until > Instant::now()
        {
            return Ok(settings);
        }
        let ticket = self.generation.load(Ordering::Acquire);
        let settings = qudao_store::settings::read_settings(pool).await?;
        let mut entry = self.entry.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == ticket {
            *entry = Some((settings, Instant::now() + TTL));
        }
        Ok(settings)
    }

    fn invalidate(&self) {
        let mut entry = self.entry.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        *entry = None;
    }
}

impl Qudao {
    /// The settings, for use cases that apply them (no permission: the
    /// use case that reads them has checked its caller).
    pub async fn current_settings(&self) -> Result<Settings, AppError> {
        self.settings_cache().get(self.db()).await
    }

    /// The company's fiscal calendar: what `2026`, `2026-Q3` mean.
    pub async fn fiscal_calendar(&self) -> Result<FiscalCalendar, AppError> {
        Ok(crate::targets::fiscal(
            self.current_settings().await?.fiscal_year_start,
        ))
    }

    /// How many days after its launch a product counts as new.
    pub async fn new_product_days(&self) -> Result<u32, AppError> {
        Ok(self.current_settings().await?.new_product_days)
    }

    /// The settings, for people and programs that show them.
    pub async fn settings(&self, caller: &Caller) -> Result<SettingsView, AppError> {
        caller.require(Permission::ViewSettings)?;
        Ok(self.current_settings().await?.into())
    }

    /// Changes the settings (administrators). The company currency cannot
    /// change once an exchange rate exists: every rate is quoted against
    /// it, and would silently mean something else.
    pub async fn update_settings(
        &self,
        caller: &Caller,
        input: &SettingsInput,
    ) -> Result<SettingsView, AppError> {
        caller.require(Permission::ConfigureSettings)?;
        let after = Settings::parse(
            &input.currency,
            &input.fiscal_year_start,
            &input.new_product_days,
            &input.overstock_days,
        )?;
        let tx = self.write().await?;
        // Exclusive against every guarded write (facts, rates): none may
        // commit in the old currency after this check.
        tx.lock(Aggregate::Periods).await?;
        let before = qudao_store::settings::read_settings(&tx).await?;
        if after.currency != before.currency && qudao_store::rates::any(&tx).await? {
            return Err(Invalid::new(
                "currency",
                Problem::Conflict {
                    rule: "currency_fixed_by_rates",
                    with: before.currency.to_string(),
                },
            )
            .into());
        }
        qudao_store::settings::save(&tx, &after, &caller.login).await?;
        self.audit(
            &tx,
            caller,
            "settings",
            "company",
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        self.settings_cache().invalidate();
        Ok(after.into())
    }
}
