//! The catalog (产品目录): product lines, products and the channels that may
//! buy each line. Admins and channel managers keep it (`ManageCatalog`);
//! every staff role reads all of it; a partner's users read the products of
//! the lines their own channel may buy (`channel_allows` with their type and
//! grade), never the cost, which is internal.

use std::collections::HashMap;

use chrono::NaiveDate;
use qudao_domain::catalog::{
    CatalogStatus, ChannelRule, ProductLine, Sku, channel_allows, is_new, parse_category,
    parse_name, parse_unit,
};
use qudao_domain::dates::parse_date;
use qudao_domain::grades::GradeCode;
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerType;
use qudao_domain::{Invalid, Problem};
use qudao_store::ConnectionTrait;
use qudao_store::catalog::{
    self as repo, NewLine, NewProduct, ProductFilter, ProductRow, product_line,
};
use serde::{Deserialize, Serialize};

use crate::error::{AllFields, given};
use crate::text::optional_bool;
use crate::{AppError, Caller, Page, PageRequest, Permission, Qudao, SortDir, non_empty};

pub use qudao_store::catalog::ProductSort;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProductLineView {
    /// `TEA`, `LIGHTING`.
    pub code: String,
    /// The name in Chinese.
    pub name: String,
    pub name_en: String,
    pub status: CatalogStatus,
    /// Who may buy it; empty: every channel.
    pub channels: Vec<ChannelRuleView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChannelRuleView {
    /// The rule's id, for removing it.
    pub id: i64,
    pub partner_type: PartnerType,
    /// Only partners of this grade; absent: every grade.
    pub grade: Option<String>,
}

/// A product line to create, or a line's new names and status (the code
/// is then ignored: rights name the line by it).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProductLineInput {
    /// 1–32 of `A-Z 0-9 - _`.
    pub code: String,
    /// The name in Chinese.
    pub name: String,
    pub name_en: String,
    /// `active` (default) or `discontinued`.
    pub status: Option<String>,
}

/// A channel that may buy a line: a partner type, optionally one grade.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ChannelRuleInput {
    pub partner_type: String,
    /// A grade's code, or empty for every grade.
    pub grade: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProductView {
    pub sku: String,
    /// The name in Chinese.
    pub name: String,
    pub name_en: String,
    pub product_line: String,
    pub product_line_name: String,
    pub product_line_name_en: String,
    pub category: String,
    pub unit: String,
    pub currency: String,
    /// Decimal text, `1280.00`.
    pub list_price: String,
    /// Decimal text; internal, absent for partner users.
    pub cost: Option<String>,
    pub launch_date: Option<NaiveDate>,
    pub serial_tracked: bool,
    pub status: CatalogStatus,
    /// Launched within the last "new product days" (a company setting).
    pub is_new: bool,
}

/// A product to create, or a product's new values (the sku is then ignored).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProductInput {
    /// 1–40 of `A-Z 0-9 - _`.
    pub sku: String,
    /// The name in Chinese.
    pub name: String,
    pub name_en: String,
    /// The product line's code.
    pub product_line: String,
    pub category: String,
    /// 箱, 瓶, pcs.
    pub unit: String,
    /// ISO 4217; CNY when empty.
    pub currency: String,
    #[serde(deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "1280.00")]
    pub list_price: String,
    /// Optional; the margin is list price minus cost.
    #[serde(deserialize_with = "crate::text::optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "760.00")]
    pub cost: Option<String>,
    /// `YYYY-MM-DD`, optional.
    pub launch_date: Option<String>,
    #[serde(deserialize_with = "optional_bool")]
    #[schema(value_type = Option<bool>)]
    pub serial_tracked: Option<bool>,
    /// `active` (default) or `discontinued`.
    pub status: Option<String>,
}

/// What a product list is narrowed to, as text from a page or a file.
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    pub product_line: Option<String>,
    pub category: Option<String>,
    pub status: Option<CatalogStatus>,
    /// Only products launched within the last the setting `new_product_days` days.
    pub new_only: bool,
    /// Part of the sku or a name.
    pub q: Option<String>,
}

/// A product's values, parsed.
pub(crate) struct ParsedProduct {
    pub name_zh: String,
    pub name_en: String,
    pub line: product_line::Model,
    pub category: String,
    pub unit: String,
    pub list_price: Money,
    pub cost: Option<Money>,
    pub launch_date: Option<NaiveDate>,
    pub serial_tracked: bool,
    pub status: CatalogStatus,
}

impl ParsedProduct {
    pub(crate) fn new_product<'a>(&'a self, sku: &'a Sku) -> NewProduct<'a> {
        NewProduct {
            sku,
            name_zh: &self.name_zh,
            name_en: &self.name_en,
            product_line_id: self.line.id,
            category: &self.category,
            unit: &self.unit,
            list_price: self.list_price,
            cost: self.cost,
            launch_date: self.launch_date,
            serial_tracked: self.serial_tracked,
            status: self.status,
        }
    }
}

fn status_or_active(raw: Option<&str>) -> Result<CatalogStatus, Invalid> {
    non_empty(raw).map_or(Ok(CatalogStatus::Active), CatalogStatus::parse)
}

fn line_missing() -> Invalid {
    Invalid::new(
        "product_line",
        Problem::Rule {
            rule: "product_line_must_exist",
        },
    )
}

/// Parses a product's fields against the lines there are (by code), every
/// field error at once.
pub(crate) fn parse_product(
    input: &ProductInput,
    line_of: impl FnOnce(&ProductLine) -> Option<product_line::Model>,
) -> Result<ParsedProduct, Vec<Invalid>> {
    let line = ProductLine::parse("product_line", &input.product_line)
        .and_then(|code| line_of(&code).ok_or_else(line_missing));
    let currency =
        non_empty(Some(input.currency.as_str())).map_or(Ok(Currency::CNY), Currency::parse);
    let currency_known = currency.as_ref().ok().copied();
    let (name_zh, name_en, line, category, unit, (), list_price, cost, launch_date, status) = (
        parse_name("name", &input.name),
        parse_name("name_en", &input.name_en),
        line,
        parse_category(&input.category),
        parse_unit(&input.unit),
        currency.map(|_| ()),
        given(currency_known, |c| {
            let price = Money::parse("list_price", &input.list_price, c)?;
            if price.is_negative() {
                return Err(negative("list_price"));
            }
            Ok(price)
        }),
        given(currency_known, |c| {
            non_empty(input.cost.as_deref())
                .map(|raw| {
                    let cost = Money::parse("cost", raw, c)?;
                    if cost.is_negative() {
                        return Err(negative("cost"));
                    }
                    Ok(cost)
                })
                .transpose()
        }),
        non_empty(input.launch_date.as_deref())
            .map(|raw| parse_date("launch_date", raw))
            .transpose(),
        status_or_active(input.status.as_deref()),
    )
        .all()?;
    Ok(ParsedProduct {
        name_zh,
        name_en,
        line,
        category,
        unit,
        list_price,
        cost,
        launch_date,
        serial_tracked: input.serial_tracked.unwrap_or(false),
        status,
    })
}

fn negative(field: &'static str) -> Invalid {
    Invalid::new(
        field,
        Problem::Rule {
            rule: "amount_not_negative",
        },
    )
}

/// Which lines a caller may see products of: `None` for staff (all of them),
/// the ids of its channel's lines for a partner's users.
struct Reach {
    lines: Option<Vec<i64>>,
    internal: bool,
}

impl Qudao {
    /// Every product line with its channel rules; a partner's users see only
    /// the lines their channel may buy.
    pub async fn product_lines(&self, caller: &Caller) -> Result<Vec<ProductLineView>, AppError> {
        caller.require(Permission::ViewCatalog)?;
        let views = self.line_views(self.db()).await?;
        if !caller.role.is_partner_role() {
            return Ok(views);
        }
        let allowed = self.allowed_line_codes(caller).await?;
        Ok(views
            .into_iter()
            .filter(|v| allowed.contains(&v.code))
            .collect())
    }

    pub async fn product_line(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<ProductLineView, AppError> {
        let code =
            ProductLine::parse("code", code).map_err(|_| AppError::NotFound("product line"))?;
        self.product_lines(caller)
            .await?
            .into_iter()
            .find(|line| line.code == code.as_str())
            .ok_or(AppError::NotFound("product line"))
    }

    async fn line_views(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Vec<ProductLineView>, AppError> {
        let lines = repo::lines(db).await?;
        let mut rules = repo::channel_rules(db).await?;
        let grades = self
            .grade_cache()
            .codes(
                self.db(),
                rules.values().flatten().filter_map(|r| r.grade_id),
            )
            .await?;
        let mut views = Vec::with_capacity(lines.len());
        for line in lines {
            let mut channels = Vec::new();
            for rule in rules.remove(&line.id).unwrap_or_default() {
                channels.push(ChannelRuleView {
                    id: rule.id,
                    partner_type: rule.partner_type()?,
                    grade: rule.grade_id.and_then(|id| grades.get(&id).cloned()),
                });
            }
            views.push(ProductLineView {
                code: line.code()?.as_str().to_owned(),
                status: line.status()?,
                name: line.name_zh,
                name_en: line.name_en,
                channels,
            });
        }
        Ok(views)
    }

    /// The codes of the lines a partner's users may buy: every line whose
    /// rules admit their organisation's type and grade.
    async fn allowed_line_codes(&self, caller: &Caller) -> Result<Vec<String>, AppError> {
        let Some(partner_id) = caller.partner_id else {
            return Ok(Vec::new());
        };
        let Some(partner) =
            qudao_store::scope::partner_by_id(self.db(), caller.scope(), partner_id).await?
        else {
            return Ok(Vec::new());
        };
        self.channel_line_codes(&partner).await
    }

    /// The codes of the lines a partner's channel (its type and grade) may
    /// buy, by the lines' channel rules.
    pub(crate) async fn channel_line_codes(
        &self,
        partner: &qudao_store::scope::Visible,
    ) -> Result<Vec<String>, AppError> {
        let partner_type = partner.row().partner_type()?;
        let grade_id = qudao_store::grades::grade_of(self.db(), partner).await?;
        let grades = self.grade_cache().codes(self.db(), grade_id).await?;
        let grade = grade_id
            .and_then(|id| grades.get(&id))
            .map(|code| GradeCode::parse("grade", code))
            .transpose()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut allowed = Vec::new();
        for line in self.line_views(self.db()).await? {
            let rules = line
                .channels
                .iter()
                .map(|rule| {
                    Ok(ChannelRule {
                        partner_type: rule.partner_type,
                        grade: rule
                            .grade
                            .as_deref()
                            .map(|g| GradeCode::parse("grade", g))
                            .transpose()?,
                    })
                })
                .collect::<Result<Vec<_>, Invalid>>()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            if channel_allows(&rules, partner_type, grade.as_ref()) {
                allowed.push(line.code);
            }
        }
        Ok(allowed)
    }

    async fn reach(&self, caller: &Caller) -> Result<Reach, AppError> {
        if !caller.role.is_partner_role() {
            return Ok(Reach {
                lines: None,
                internal: true,
            });
        }
        let allowed = self.allowed_line_codes(caller).await?;
        let ids = repo::lines(self.db())
            .await?
            .into_iter()
            .filter(|line| allowed.contains(&line.code))
            .map(|line| line.id)
            .collect();
        Ok(Reach {
            lines: Some(ids),
            internal: false,
        })
    }

    /// Creates a product line (admins and channel managers).
    pub async fn create_product_line(
        &self,
        caller: &Caller,
        input: &ProductLineInput,
    ) -> Result<ProductLineView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let (code, name_zh, name_en, status) = (
            ProductLine::parse("code", &input.code),
            parse_name("name", &input.name),
            parse_name("name_en", &input.name_en),
            status_or_active(input.status.as_deref()),
        )
            .all()?;
        let tx = self.write().await?;
        if repo::line_by_code(&tx, &code).await?.is_some() {
            return Err(AppError::Duplicate { field: "code" });
        }
        repo::insert_line(
            &tx,
            NewLine {
                code: &code,
                name_zh: &name_zh,
                name_en: &name_en,
                status,
            },
        )
        .await?;
        let view = self.line_view_in(&tx, &code).await?;
        self.audit(
            &tx,
            caller,
            "product_line",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        self.line_names_changed();
        Ok(view)
    }

    /// Renames a line or changes its status; the code stays.
    pub async fn update_product_line(
        &self,
        caller: &Caller,
        code: &str,
        input: &ProductLineInput,
    ) -> Result<ProductLineView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let code =
            ProductLine::parse("code", code).map_err(|_| AppError::NotFound("product line"))?;
        let tx = self.write().await?;
        let row = repo::line_for_write(&tx, &code)
            .await?
            .ok_or(AppError::NotFound("product line"))?;
        let (name_zh, name_en, status) = (
            parse_name("name", &input.name),
            parse_name("name_en", &input.name_en),
            status_or_active(input.status.as_deref()),
        )
            .all()?;
        let before = self.line_view_in(&tx, &code).await?;
        repo::update_line(&tx, row, &name_zh, &name_en, status).await?;
        let after = self.line_view_in(&tx, &code).await?;
        self.audit(
            &tx,
            caller,
            "product_line",
            &after.code,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        self.line_names_changed();
        Ok(after)
    }

    async fn line_view_in(
        &self,
        db: &impl ConnectionTrait,
        code: &ProductLine,
    ) -> Result<ProductLineView, AppError> {
        self.line_views(db)
            .await?
            .into_iter()
            .find(|v| v.code == code.as_str())
            .ok_or(AppError::NotFound("product line"))
    }

    /// Lets one more channel buy a line. The first rule closes the line to
    /// every channel it does not name.
    pub async fn add_channel_rule(
        &self,
        caller: &Caller,
        code: &str,
        input: &ChannelRuleInput,
    ) -> Result<ProductLineView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let code =
            ProductLine::parse("code", code).map_err(|_| AppError::NotFound("product line"))?;
        let tx = self.write().await?;
        let line = repo::line_for_write(&tx, &code)
            .await?
            .ok_or(AppError::NotFound("product line"))?;
        let grade = match non_empty(input.grade.as_deref()) {
            None => Ok(None),
            Some(raw) => self.grade_by_code(&tx, raw).await?.map(Some),
        };
        let (partner_type, grade) = (PartnerType::parse(&input.partner_type), grade).all()?;
        let before = self.line_view_in(&tx, &code).await?;
        let grade_code = grade.as_ref().map(|g| g.code.clone());
        if before
            .channels
            .iter()
            .any(|r| r.partner_type == partner_type && r.grade == grade_code)
        {
            return Err(Invalid::new(
                "partner_type",
                Problem::Rule {
                    rule: "channel_rule_exists",
                },
            )
            .into());
        }
        repo::insert_rule(
            &tx,
            line.id,
            partner_type.as_str(),
            grade.map(|g| g.id),
            &caller.login,
        )
        .await?;
        let after = self.line_view_in(&tx, &code).await?;
        self.audit(
            &tx,
            caller,
            "product_line",
            &after.code,
            "add_channel",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// Takes a channel rule off a line; the last one removed opens the line
    /// to every channel again.
    pub async fn remove_channel_rule(
        &self,
        caller: &Caller,
        code: &str,
        rule_id: i64,
    ) -> Result<ProductLineView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let code =
            ProductLine::parse("code", code).map_err(|_| AppError::NotFound("product line"))?;
        let tx = self.write().await?;
        let line = repo::line_for_write(&tx, &code)
            .await?
            .ok_or(AppError::NotFound("product line"))?;
        let before = self.line_view_in(&tx, &code).await?;
        if !repo::delete_rule(&tx, line.id, rule_id).await? {
            return Err(AppError::NotFound("channel rule"));
        }
        let after = self.line_view_in(&tx, &code).await?;
        self.audit(
            &tx,
            caller,
            "product_line",
            &after.code,
            "remove_channel",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// A page of products; a partner's users see only their channel's lines
    /// and no cost.
    pub async fn products(
        &self,
        caller: &Caller,
        query: &ProductQuery,
        sort: ProductSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<ProductView>, AppError> {
        caller.require(Permission::ViewCatalog)?;
        let reach = self.reach(caller).await?;
        let today = crate::today();
        let new_days = self.new_product_days().await?;
        let mut filter = ProductFilter {
            line_ids: reach.lines,
            category: query.category.clone(),
            status: query.status,
            text: non_empty(query.q.as_deref()).map(str::to_owned),
            ..ProductFilter::default()
        };
        if let Some(raw) = non_empty(query.product_line.as_deref()) {
            match ProductLine::parse("product_line", raw) {
                Ok(line) => filter.line_code = Some(line.as_str().to_owned()),
                // No line has that code: nothing matches.
                Err(_) => {
                    return Ok(Page {
                        items: Vec::new(),
                        total: 0,
                        page: page.page,
                        per_page: page.per_page,
                    });
                }
            }
        }
        if query.new_only {
            let since = today - chrono::Days::new(u64::from(new_days.saturating_sub(1)));
            filter.launched_since = Some((since, today));
        }
        let rows = repo::list_products(self.db(), &filter, sort, dir, page).await?;
        rows.try_map(|row| product_view(row, reach.internal, today, new_days))
    }

    /// One product, as the caller may see it.
    pub async fn product(&self, caller: &Caller, sku: &str) -> Result<ProductView, AppError> {
        caller.require(Permission::ViewCatalog)?;
        let sku = Sku::parse_as("sku", sku).map_err(|_| AppError::NotFound("product"))?;
        let reach = self.reach(caller).await?;
        let row = repo::product_row(self.db(), &sku)
            .await?
            .filter(|row| {
                reach
                    .lines
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&row.product_line_id))
            })
            .ok_or(AppError::NotFound("product"))?;
        product_view(
            row,
            reach.internal,
            crate::today(),
            self.new_product_days().await?,
        )
    }

    /// The categories products have, for the list's filter.
    pub async fn product_categories(&self, caller: &Caller) -> Result<Vec<String>, AppError> {
        caller.require(Permission::ViewCatalog)?;
        Ok(repo::categories(self.db()).await?)
    }

    /// Adds a product to a line that exists.
    pub async fn create_product(
        &self,
        caller: &Caller,
        input: &ProductInput,
    ) -> Result<ProductView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let tx = self.write().await?;
        let line = match ProductLine::parse("product_line", &input.product_line) {
            Ok(code) => repo::line_by_code(&tx, &code).await?,
            Err(_) => None,
        };
        let (sku, parsed) = (
            Sku::parse_as("sku", &input.sku),
            parse_product(input, |_| line),
        )
            .all()?;
        if repo::product_by_sku(&tx, &sku).await?.is_some() {
            return Err(AppError::Duplicate { field: "sku" });
        }
        repo::insert_product(&tx, parsed.new_product(&sku)).await?;
        let view = self.product_in(&tx, &sku).await?;
        self.audit(
            &tx,
            caller,
            "product",
            &view.sku,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Changes a product's values; the sku stays.
    pub async fn update_product(
        &self,
        caller: &Caller,
        sku: &str,
        input: &ProductInput,
    ) -> Result<ProductView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let sku = Sku::parse_as("sku", sku).map_err(|_| AppError::NotFound("product"))?;
        let tx = self.write().await?;
        let row = repo::product_for_write(&tx, &sku)
            .await?
            .ok_or(AppError::NotFound("product"))?;
        let line = match ProductLine::parse("product_line", &input.product_line) {
            Ok(code) => repo::line_by_code(&tx, &code).await?,
            Err(_) => None,
        };
        let parsed = parse_product(input, |_| line)?;
        let before = self.product_in(&tx, &sku).await?;
        repo::update_product(&tx, row, parsed.new_product(&sku)).await?;
        let after = self.product_in(&tx, &sku).await?;
        self.audit(
            &tx,
            caller,
            "product",
            &after.sku,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// Stops a product being ordered. It stays in the catalog, because facts
    /// refer to it.
    pub async fn discontinue_product(
        &self,
        caller: &Caller,
        sku: &str,
    ) -> Result<ProductView, AppError> {
        caller.require(Permission::ManageCatalog)?;
        let sku = Sku::parse_as("sku", sku).map_err(|_| AppError::NotFound("product"))?;
        let tx = self.write().await?;
        let row = repo::product_for_write(&tx, &sku)
            .await?
            .ok_or(AppError::NotFound("product"))?;
        if row.status()? == CatalogStatus::Discontinued {
            return Err(Invalid::new(
                "status",
                Problem::Rule {
                    rule: "product_already_discontinued",
                },
            )
            .into());
        }
        let before = self.product_in(&tx, &sku).await?;
        let line = repo::lines(&tx)
            .await?
            .into_iter()
            .find(|l| l.id == row.product_line_id)
            .ok_or(AppError::NotFound("product line"))?;
        let kept = ParsedProduct {
            name_zh: row.name_zh.clone(),
            name_en: row.name_en.clone(),
            category: row.category.clone(),
            unit: row.unit.clone(),
            list_price: row.list_price()?,
            cost: row.cost()?,
            launch_date: row.launch_date,
            serial_tracked: row.serial_tracked,
            status: CatalogStatus::Discontinued,
            line,
        };
        repo::update_product(&tx, row, kept.new_product(&sku)).await?;
        let after = self.product_in(&tx, &sku).await?;
        self.audit(
            &tx,
            caller,
            "product",
            &after.sku,
            "discontinue",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    async fn product_in(
        &self,
        db: &impl ConnectionTrait,
        sku: &Sku,
    ) -> Result<ProductView, AppError> {
        let row = repo::product_row(db, sku)
            .await?
            .ok_or(AppError::NotFound("product"))?;
        product_view(row, true, crate::today(), self.new_product_days().await?)
    }

    /// The product lines by code, for the imports that check rows in memory.
    pub(crate) async fn lines_by_code(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<HashMap<String, product_line::Model>, AppError> {
        Ok(repo::lines(db)
            .await?
            .into_iter()
            .map(|line| (line.code.clone(), line))
            .collect())
    }

    /// The field error for a product line that is not a record, or nothing.
    /// Grants and selective limits name lines by code; the line must exist.
    pub(crate) async fn line_must_exist(
        &self,
        db: &impl ConnectionTrait,
        line: &ProductLine,
    ) -> Result<Result<(), Invalid>, AppError> {
        Ok(repo::line_by_code(db, line)
            .await?
            .map(|_| ())
            .ok_or_else(line_missing))
    }
}

fn product_view(
    row: ProductRow,
    internal: bool,
    today: NaiveDate,
    new_days: u32,
) -> Result<ProductView, AppError> {
    let list_price = row.list_price()?;
    let cost = row.cost()?;
    Ok(ProductView {
        status: row.status()?,
        is_new: is_new(row.launch_date, today, new_days),
        sku: row.sku,
        name: row.name_zh,
        name_en: row.name_en,
        product_line: row.line_code,
        product_line_name: row.line_name_zh,
        product_line_name_en: row.line_name_en,
        category: row.category,
        unit: row.unit,
        currency: list_price.currency().as_str().to_owned(),
        list_price: list_price.amount_text(),
        cost: cost.filter(|_| internal).map(Money::amount_text),
        launch_date: row.launch_date,
        serial_tracked: row.serial_tracked,
    })
}
