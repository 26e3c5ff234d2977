//! Price lists (价格表) and the quote an order line's price comes from.
//!
//! Admins and channel managers keep the brand's lists: a list is created as
//! a draft, its items are set while it is a draft, and activation checks it
//! whole (every item against the mode, no overlap with another active list
//! of the same target and currency). An active list is never edited: a new
//! version is a copy with new dates. Staff read every brand list and the
//! own lists of partners in their scope; a partner reads the active lists
//! that target its own organisation. The rules of the quote are
//! `qudao_domain::pricing`'s.

use std::collections::HashMap;

use chrono::NaiveDate;
use qudao_domain::agreements as agreement_rules;
use qudao_domain::catalog::Sku;
use qudao_domain::dates::{DateRange, parse_date};
use qudao_domain::grades::GradeCode;
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::{PartnerId, PartnerType};
use qudao_domain::pricing::{
    self as rules, AppliesKind, AppliesTo, Band, ListHead, PartnerKey, PriceBreak, PriceItem,
    PriceList, PriceListCode, PriceListStatus, PriceMode, Why, parse_name, parse_quantity,
};
use qudao_domain::{Invalid, Problem};
pub use qudao_store::pricing::ListFilter;
use qudao_store::pricing::{self as repo, ItemRow, ListFields, price_list};
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::{Aggregate, ConnectionTrait, WriteTx};
use serde::{Deserialize, Serialize};

use crate::error::{AllFields, rule};
use crate::scope::{Area, scope_in};
use crate::text::{optional_text_or_number, text_or_number};
use crate::{AppError, Caller, Permission, Qudao, non_empty};

/// A price list as lists and detail pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceListView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// `partner_type`, `grade` or `partner`.
    pub applies_to: String,
    /// The target's code: a partner type, a grade code or a partner code.
    pub target: String,
    /// The target's name (a grade's or a partner's); empty for a type,
    /// whose word comes from the UI's language.
    pub target_name: String,
    pub currency: String,
    /// `unified` or `flexible`.
    pub mode: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// `draft`, `active` or `retired`.
    pub status: String,
    /// The distributor whose downstream list this is (二级订货); none for
    /// ours. Its code when the reader sees that partner, else empty.
    pub seller: Option<String>,
    pub seller_name: Option<String>,
}

/// One product's price on a list. Amounts are plain decimals in the
/// list's currency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceItemView {
    pub sku: String,
    pub product_name: String,
    pub product_name_en: String,
    pub unit: String,
    pub price: String,
    pub min: Option<String>,
    pub max: Option<String>,
    /// On our lists: the band a distributor priced by this item keeps its
    /// downstream price in.
    pub downstream_min: Option<String>,
    pub downstream_max: Option<String>,
    /// Ascending by quantity.
    pub breaks: Vec<PriceBreakView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriceBreakView {
    pub from_qty: u32,
    pub price: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceListDetail {
    #[serde(flatten)]
    pub list: PriceListView,
    pub items: Vec<PriceItemView>,
}

/// A list's head: to create a draft, or a draft's new values (the code is
/// then ignored). `items`, when given (API), replace the draft's items.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PriceListInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// `partner_type`, `grade` or `partner`.
    #[serde(default)]
    pub applies_to: String,
    /// A partner type (`distributor`), a grade code (`gold`) or a partner
    /// code (`P00012`), as `applies_to` says.
    #[serde(default)]
    pub target: String,
    /// ISO 4217; CNY when empty.
    #[serde(default)]
    pub currency: String,
    /// `unified` or `flexible`.
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub items: Option<Vec<PriceItemInput>>,
}

/// One product's price: `min`/`max` only on flexible lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PriceItemInput {
    #[serde(default)]
    pub sku: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "128.00")]
    pub price: String,
    #[serde(default, deserialize_with = "optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "115.00")]
    pub min: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "140.00")]
    pub max: Option<String>,
    /// Our lists only: the band a distributor's downstream price for this
    /// product must keep to; both or neither.
    #[serde(default, deserialize_with = "optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "150.00")]
    pub downstream_min: Option<String>,
    #[serde(default, deserialize_with = "optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "190.00")]
    pub downstream_max: Option<String>,
    #[serde(default)]
    pub breaks: Vec<PriceBreakView>,
}

/// A new version of a list: a draft copy with its own code and dates.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CopyInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
}

/// Why an imported list was refused: problems of its head, and of its
/// items by their position in the list.
#[derive(Debug, Default)]
pub(crate) struct ListRefusal {
    pub head: Vec<Invalid>,
    pub items: Vec<(usize, Invalid)>,
}

/// The price of a product for a partner, quantity and day, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteView {
    pub partner: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name: String,
    pub product_name_en: String,
    pub qty: u32,
    pub date: NaiveDate,
    pub currency: String,
    /// The list that priced it.
    pub list: String,
    pub list_name: String,
    pub list_name_en: String,
    /// `partner_list` (named by the agreement), `grade_list` or `type_list`.
    pub why: String,
    pub unit_price: String,
    pub base_price: String,
    /// The quantity break that applied, by its starting quantity.
    pub break_from: Option<u32>,
    /// Present for flexible lists: the band an override must stay in.
    pub min: Option<String>,
    pub max: Option<String>,
    /// Whether a person may override the price (flexible lists only).
    pub overridable: bool,
}

/// The quote's question as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteQuery {
    #[serde(default)]
    pub partner: String,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub qty: String,
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub date: String,
}

fn amount(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).amount_text()
}

/// Reads the form's break text, `10=9.50; 50=9.00` (from quantity = unit
/// price), into breaks; empty is none.
pub fn parse_break_text(text: &str) -> Result<Vec<PriceBreakView>, Invalid> {
    let bad = || {
        Invalid::new(
            "breaks",
            Problem::Format {
                expected: "10=9.50; 50=9.00",
            },
        )
    };
    text.split([';', '；', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (qty, price) = part.split_once(['=', '＝']).ok_or_else(bad)?;
            Ok(PriceBreakView {
                from_qty: parse_quantity("breaks", qty).map_err(|_| bad())?,
                price: price.trim().to_owned(),
            })
        })
        .collect()
}

/// The form's text for breaks, the inverse of [`parse_break_text`].
pub fn break_text(breaks: &[PriceBreakView]) -> String {
    breaks
        .iter()
        .map(|b| format!("{}={}", b.from_qty, b.price))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The target as parsed, with the ids the store keeps.
struct Target {
    applies_to: AppliesTo,
    grade_id: Option<i64>,
}

struct Head {
    seller_id: Option<i64>,
    name_zh: String,
    name_en: String,
    target: Target,
    currency: Currency,
    mode: PriceMode,
    validity: DateRange,
}

impl Head {
    fn fields(&self) -> ListFields<'_> {
        ListFields {
            name_zh: &self.name_zh,
            name_en: &self.name_en,
            kind: self.target.applies_to.kind(),
            partner_type: match self.target.applies_to {
                AppliesTo::PartnerType(t) => Some(t),
                _ => None,
            },
            grade_id: self.target.grade_id,
            partner_id: match self.target.applies_to {
                AppliesTo::Partner(id) => Some(id.0),
                _ => None,
            },
            seller_id: self.seller_id,
            currency: self.currency,
            mode: self.mode,
            validity: self.validity,
        }
    }
}

fn list_code(field: &'static str, code: &str) -> Result<PriceListCode, Invalid> {
    PriceListCode::parse_as(field, code)
}

fn not_found() -> AppError {
    AppError::NotFound("price list")
}

impl Qudao {
    async fn parse_target(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        seller: Option<&Visible>,
        kind: &str,
        target: &str,
    ) -> Result<Result<Target, Invalid>, AppError> {
        let kind = match AppliesKind::parse(kind) {
            Ok(kind) => kind,
            Err(invalid) => return Ok(Err(invalid)),
        };
        let missing = || {
            Invalid::new(
                "target",
                Problem::Rule {
                    rule: "price_target_unknown",
                },
            )
        };
        Ok(match kind {
            AppliesKind::PartnerType => {
                PartnerType::parse(target)
                    .map_err(|_| missing())
                    .map(|t| Target {
                        applies_to: AppliesTo::PartnerType(t),
                        grade_id: None,
                    })
            }
            AppliesKind::Grade => match GradeCode::parse("target", target) {
                Err(_) => Err(missing()),
                Ok(code) => match qudao_store::grades::find_by_code(db, code.as_str()).await? {
                    None => Err(missing()),
                    Some(grade) => Ok(Target {
                        applies_to: AppliesTo::Grade(code),
                        grade_id: Some(grade.id),
                    }),
                },
            },
            AppliesKind::Partner => match self.visible(db, caller, Area::Partners, target).await {
                // A distributor's list for one partner names one of its
                // own tier-2 partners.
                Ok(partner)
                    if seller.is_some_and(|s| partner.row().parent_id != Some(s.id().0)) =>
                {
                    Err(missing())
                }
                Ok(partner) => Ok(Target {
                    applies_to: AppliesTo::Partner(partner.id()),
                    grade_id: None,
                }),
                Err(AppError::NotFound(_)) => Err(missing()),
                Err(other) => return Err(other),
            },
        })
    }

    async fn parse_head(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        seller: Option<&Visible>,
        input: &PriceListInput,
    ) -> Result<Result<Head, Vec<Invalid>>, AppError> {
        let target = self
            .parse_target(db, caller, seller, &input.applies_to, &input.target)
            .await?;
        let parsed = (
            parse_name("name", &input.name),
            match non_empty(Some(&input.name_en)) {
                None => Ok(String::new()),
                Some(name) => parse_name("name_en", name),
            },
            target,
            Currency::parse(non_empty(Some(&input.currency)).unwrap_or("CNY")),
            PriceMode::parse(&input.mode),
            DateRange::parse_validity(&input.valid_from, &input.valid_to),
        )
            .all();
        Ok(parsed.map(
            |(name_zh, name_en, target, currency, mode, validity)| Head {
                seller_id: seller.map(|s| s.id().0),
                name_zh,
                name_en,
                target,
                currency,
                mode,
                validity,
            },
        ))
    }

    /// A draft list, with its items when given.
    pub async fn create_price_list(
        &self,
        caller: &Caller,
        input: &PriceListInput,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        let (code, head) = (
            list_code("code", &input.code),
            self.parse_head(&tx, caller, seller.as_ref(), input).await?,
        )
            .all()?;
        let row = repo::insert(&tx, &code, &head.fields(), &caller.login)
            .await
            .map_err(|e| match e {
                qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "code" },
                other => other.into(),
            })?;
        if let Some(items) = &input.items {
            self.put_items(&tx, &row, seller.as_ref(), items).await?;
        }
        let detail = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "create", None, detail)
            .await
    }

    /// Rewrites a draft's head (and its items, when given).
    pub async fn update_price_list(
        &self,
        caller: &Caller,
        code: &str,
        input: &PriceListInput,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        let row = self
            .draft_for_write(&tx, caller, seller.as_ref(), code)
            .await?;
        let before = self.detail_of(&tx, caller, row.clone()).await?;
        let head = self
            .parse_head(&tx, caller, seller.as_ref(), input)
            .await??;
        let row = repo::update(&tx, row, &head.fields()).await?;
        if let Some(items) = &input.items {
            for old in repo::items(&tx, &row).await? {
                repo::remove_item(&tx, &row, old.product.id).await?;
            }
            self.put_items(&tx, &row, seller.as_ref(), items).await?;
        }
        let after = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "update", Some(&before), after)
            .await
    }

    /// Sets one product's price on a draft (replacing its old one).
    pub async fn set_price_item(
        &self,
        caller: &Caller,
        code: &str,
        input: &PriceItemInput,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        let row = self
            .draft_for_write(&tx, caller, seller.as_ref(), code)
            .await?;
        let before = self.detail_of(&tx, caller, row.clone()).await?;
        self.put_items(&tx, &row, seller.as_ref(), std::slice::from_ref(input))
            .await?;
        let after = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "set_item", Some(&before), after)
            .await
    }

    /// Takes a product off a draft.
    pub async fn remove_price_item(
        &self,
        caller: &Caller,
        code: &str,
        sku: &str,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        let row = self
            .draft_for_write(&tx, caller, seller.as_ref(), code)
            .await?;
        let before = self.detail_of(&tx, caller, row.clone()).await?;
        let product = self.priced_product(&tx, "sku", sku).await?;
        if !repo::remove_item(&tx, &row, product.id).await? {
            return Err(AppError::NotFound("price list item"));
        }
        let after = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "remove_item", Some(&before), after)
            .await
    }

    /// Puts a draft in force: every item is checked against the list's
    /// mode and currency, and no active list of the same target and
    /// currency may overlap its dates.
    pub async fn activate_price_list(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        tx.lock(Aggregate::PriceLists).await?;
        let row = self
            .draft_for_write(&tx, caller, seller.as_ref(), code)
            .await?;
        let before = self.detail_of(&tx, caller, row.clone()).await?;
        let row = self.activate_in(&tx, row, seller.as_ref()).await?;
        let after = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "activate", Some(&before), after)
            .await
    }

    /// The activation's checks and write, in a transaction that holds the
    /// price lists' lock: items that keep the rules, at least one, and no
    /// overlap with an active list of the same target and currency.
    async fn activate_in(
        &self,
        tx: &WriteTx,
        row: price_list::Model,
        seller: Option<&Visible>,
    ) -> Result<price_list::Model, AppError> {
        let grades = self.grade_codes(tx).await?;
        let items = repo::items(tx, &row).await?;
        let list = domain_list(&row, &items, &grades)?;
        rule(!list.items.is_empty(), || {
            Invalid::new(
                "items",
                Problem::Rule {
                    rule: "price_list_has_items",
                },
            )
        })?;
        // Our band may have changed since the items were priced.
        if let Some(seller) = seller {
            for (item, stored) in list.items.iter().zip(&items) {
                let band = self
                    .downstream_band(tx, seller, &stored.product, row.valid_from)
                    .await?;
                qudao_domain::downstream::check_item(item, band)?;
            }
        }
        let others = repo::active_in(tx, list.head.currency, row.seller_id)
            .await?
            .iter()
            .map(|other| head_of(other, &grades))
            .collect::<Result<Vec<_>, _>>()?;
        rules::check_no_overlap(&list.head, &others)?;
        Ok(repo::set_status(tx, row, PriceListStatus::Active).await?)
    }

    /// Writes one list of an import file in the import's transaction (the
    /// caller holds the price lists' lock): created as a draft with its
    /// items, then put in the file's status through the checks the forms
    /// use, so a file and a form refuse the same lists with the same words.
    /// A retired list is history (past orders name it) and overlaps
    /// nothing. Problems come back as those of the list's head and those of
    /// each item by its position; nothing is kept of a refused list.
    pub(crate) async fn import_price_list(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        input: &PriceListInput,
        status: PriceListStatus,
    ) -> Result<Result<(), ListRefusal>, AppError> {
        let items = input.items.as_deref().unwrap_or_default();
        let (code, head) = (
            list_code("code", &input.code),
            self.parse_head(tx, caller, None, input).await?,
        );
        let (code, head) = match (code, head) {
            (Ok(code), Ok(head)) => (code, head),
            (code, head) => {
                let mut refusal = ListRefusal {
                    head: code.err().into_iter().collect(),
                    items: Vec::new(),
                };
                match head {
                    Err(mut invalid) => refusal.head.append(&mut invalid),
                    Ok(head) => {
                        if let Err(mut bad) = self
                            .check_items(tx, head.mode, head.currency, None, items)
                            .await?
                        {
                            refusal.items.append(&mut bad);
                        }
                    }
                }
                return Ok(Err(refusal));
            }
        };
        let parsed = match self
            .check_items(tx, head.mode, head.currency, None, items)
            .await?
        {
            Ok(parsed) => parsed,
            Err(items) => {
                return Ok(Err(ListRefusal {
                    head: Vec::new(),
                    items,
                }));
            }
        };
        let head_refused = |invalid: Vec<Invalid>| {
            Ok(Err(ListRefusal {
                head: invalid,
                items: Vec::new(),
            }))
        };
        if repo::code_taken(tx, &code).await? {
            return head_refused(vec![Invalid::new(
                "code",
                Problem::Rule { rule: "code_taken" },
            )]);
        }
        let row = repo::insert(tx, &code, &head.fields(), &caller.login).await?;
        for (product_id, item, downstream) in &parsed {
            repo::put_item(tx, &row, *product_id, item, *downstream).await?;
        }
        let row = match status {
            PriceListStatus::Draft => row,
            PriceListStatus::Active => match self.activate_in(tx, row, None).await {
                Ok(row) => row,
                Err(AppError::Invalid(invalid)) => return head_refused(invalid),
                Err(other) => return Err(other),
            },
            PriceListStatus::Retired => repo::set_status(tx, row, PriceListStatus::Retired).await?,
        };
        let detail = self.detail_of(tx, caller, row).await?;
        self.audit(
            tx,
            caller,
            "price_list",
            &detail.list.code,
            "import",
            None,
            Some(&detail),
        )
        .await?;
        Ok(Ok(()))
    }

    /// Takes an active list out of use; past orders keep naming it.
    pub async fn retire_price_list(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        let row = self
            .list_for_write(&tx, caller, seller.as_ref(), code)
            .await?;
        rule(row.status()? == PriceListStatus::Active, || {
            Invalid::new(
                "status",
                Problem::Rule {
                    rule: "price_list_not_active",
                },
            )
        })?;
        let before = self.detail_of(&tx, caller, row.clone()).await?;
        let row = repo::set_status(&tx, row, PriceListStatus::Retired).await?;
        let after = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "retire", Some(&before), after)
            .await
    }

    /// A new version: a draft copy of a list, items and all, with its own
    /// code and dates.
    pub async fn copy_price_list(
        &self,
        caller: &Caller,
        code: &str,
        input: &CopyInput,
    ) -> Result<PriceListDetail, AppError> {
        let tx = self.write().await?;
        let seller = self.list_keeper(&tx, caller).await?;
        let source = self
            .list_for_write(&tx, caller, seller.as_ref(), code)
            .await?;
        let (new_code, validity) = (
            list_code("code", &input.code),
            DateRange::parse_validity(&input.valid_from, &input.valid_to),
        )
            .all()?;
        let grades = self.grade_codes(&tx).await?;
        let items = repo::items(&tx, &source).await?;
        let list = domain_list(&source, &items, &grades)?;
        let fields = ListFields {
            name_zh: &source.name_zh,
            name_en: &source.name_en,
            kind: source.kind()?,
            partner_type: source.target_type()?,
            grade_id: source.grade_id,
            partner_id: source.partner_id,
            seller_id: source.seller_id,
            currency: list.head.currency,
            mode: list.head.mode,
            validity,
        };
        let row = repo::insert(&tx, &new_code, &fields, &caller.login)
            .await
            .map_err(|e| match e {
                qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "code" },
                other => other.into(),
            })?;
        for (item, row_item) in list.items.iter().zip(&items) {
            let downstream = row_item
                .item
                .downstream_min
                .zip(row_item.item.downstream_max);
            repo::put_item(&tx, &row, row_item.product.id, item, downstream).await?;
        }
        let detail = self.detail_of(&tx, caller, row).await?;
        self.audit_and_commit(tx, caller, "copy", None, detail)
            .await
    }

    /// The end of every price-list write: the audit record (the list as
    /// it was and as it is now), the commit, and the list as it is now.
    async fn audit_and_commit(
        &self,
        tx: WriteTx,
        caller: &Caller,
        action: &str,
        before: Option<&PriceListDetail>,
        after: PriceListDetail,
    ) -> Result<PriceListDetail, AppError> {
        self.audit(
            &tx,
            caller,
            "price_list",
            &after.list.code,
            action,
            before,
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// Price lists the caller may read: staff see the brand's lists and
    /// the own lists of partners in scope; a partner the active lists that
    /// target its own organisation.
    pub async fn price_lists(
        &self,
        caller: &Caller,
        filter: &ListFilter,
    ) -> Result<Vec<PriceListView>, AppError> {
        caller.require(Permission::ViewPriceLists)?;
        let rows = match self.own_partner(caller).await? {
            Some(partner) => self.partner_lists(caller, &partner, filter).await?,
            None if caller.role.is_partner_role() => Vec::new(),
            None => repo::list(self.db(), scope_in(caller, Area::Pricing), filter).await?,
        };
        self.views_of(caller, &rows).await
    }

    /// One list with its items.
    pub async fn price_list(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<PriceListDetail, AppError> {
        caller.require(Permission::ViewPriceLists)?;
        let code = list_code("code", code).map_err(|_| not_found())?;
        let row = match self.own_partner(caller).await? {
            Some(partner) => self
                .partner_lists(caller, &partner, &ListFilter::default())
                .await?
                .into_iter()
                .find(|row| row.code == code.as_str()),
            None if caller.role.is_partner_role() => None,
            None => repo::by_code(self.db(), scope_in(caller, Area::Pricing), &code).await?,
        }
        .ok_or_else(not_found)?;
        self.detail_of(self.db(), caller, row).await
    }

    /// The price an order line for `partner` gets: the function orders
    /// call. A partner asks only about its own organisation.
    pub async fn quote(&self, caller: &Caller, query: &QuoteQuery) -> Result<QuoteView, AppError> {
        caller.require(Permission::ViewPriceLists)?;
        let partner = self
            .visible(self.db(), caller, Area::Pricing, &query.partner)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => Invalid::new(
                    "partner",
                    Problem::Rule {
                        rule: "price_partner_unknown",
                    },
                )
                .into(),
                other => other,
            })?;
        let (sku, qty, day) = (
            Sku::parse_as("sku", &query.sku),
            parse_quantity("qty", &query.qty),
            match non_empty(Some(&query.date)) {
                None => Ok(crate::today()),
                Some(date) => parse_date("date", date),
            },
        )
            .all()?;
        let product = self.priced_product(self.db(), "sku", sku.as_str()).await?;
        let currency = partner.row().currency()?;
        let (quote, row) = self
            .quote_for(self.db(), &partner, &product, qty, day)
            .await?
            .ok_or_else(|| {
                Invalid::new(
                    "sku",
                    Problem::Rule {
                        rule: "price_none_in_force",
                    },
                )
            })?;
        Ok(QuoteView {
            partner: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            sku: product.sku.clone(),
            product_name: product.name_zh.clone(),
            product_name_en: product.name_en.clone(),
            qty,
            date: day,
            currency: currency.as_str().to_owned(),
            list: quote.list.as_str().to_owned(),
            list_name: row.name_zh.clone(),
            list_name_en: row.name_en,
            why: match quote.why {
                Why::PartnerList => "partner_list",
                Why::GradeList => "grade_list",
                Why::TypeList => "type_list",
            }
            .to_owned(),
            unit_price: quote.unit_price.amount_text(),
            base_price: quote.base_price.amount_text(),
            break_from: quote.break_from,
            min: quote.band.map(|b| b.min().amount_text()),
            max: quote.band.map(|b| b.max().amount_text()),
            overridable: quote.mode == PriceMode::Flexible,
        })
    }

    /// The quote for a partner already found, and the list that priced
    /// it; none when no list in force prices the product.
    pub(crate) async fn quote_for(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        product: &qudao_store::catalog::product::Model,
        qty: u32,
        day: NaiveDate,
    ) -> Result<Option<(rules::Quote, price_list::Model)>, AppError> {
        self.quote_from(db, partner, None, product, qty, day).await
    }

    /// The quote from `seller`'s lists (a downstream order) or, when none,
    /// ours.
    pub(crate) async fn quote_from(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        seller: Option<i64>,
        product: &qudao_store::catalog::product::Model,
        qty: u32,
        day: NaiveDate,
    ) -> Result<Option<(rules::Quote, price_list::Model)>, AppError> {
        let book = self
            .price_book(db, partner, seller, day, &[product.id])
            .await?;
        Ok(book
            .quote(&Sku::parse_as("sku", &product.sku)?, qty)
            .map(|(quote, row)| (quote, row.clone())))
    }

    /// What prices a partner's products on `day`, from `seller`'s lists (a
    /// downstream order) or ours: the partner as the rules see it and the
    /// lists in force with these products' items, read once. Orders price
    /// and re-check all their lines through one book; a quote is one book
    /// of one product. A distributor's list for one partner needs no
    /// agreement with us naming it: its target is enough.
    pub(crate) async fn price_book(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        seller: Option<i64>,
        day: NaiveDate,
        product_ids: &[i64],
    ) -> Result<PriceBook, AppError> {
        let currency = partner.row().currency()?;
        let grades = self.grade_codes(db).await?;
        let versions = qudao_store::agreements::versions_of(db, partner).await?;
        let dates = versions
            .iter()
            .map(|v| v.dates())
            .collect::<Result<Vec<_>, _>>()?;
        let agreement_list = agreement_rules::in_force(&dates, day)
            .and_then(|in_force| versions.iter().find(|v| v.version == in_force.version))
            .and_then(|v| v.price_list_code.as_deref())
            .and_then(|code| PriceListCode::parse_as("price_list_code", code).ok());
        let candidates = repo::in_force_for(
            db,
            partner,
            partner.row().grade_id,
            seller,
            currency,
            day,
            product_ids,
        )
        .await?;
        let agreement_list = match seller {
            None => agreement_list,
            Some(_) => candidates
                .iter()
                .find(|(row, _)| row.partner_id == Some(partner.id().0))
                .and_then(|(row, _)| row.code().ok()),
        };
        let key = PartnerKey {
            id: partner.id(),
            partner_type: partner.row().partner_type()?,
            grade: partner
                .row()
                .grade_id
                .and_then(|id| grades.get(&id))
                .and_then(|code| GradeCode::parse("grade", code).ok()),
            currency,
            agreement_list,
        };
        let lists = candidates
            .iter()
            .map(|(row, items)| domain_list(row, items, &grades))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PriceBook {
            key,
            day,
            lists,
            rows: candidates.into_iter().map(|(row, _)| row).collect(),
        })
    }

    /// What a partner reads: our active lists that target it, the active
    /// lists its distributor keeps for it, and (a distributor's boss) its
    /// own downstream lists in every status.
    async fn partner_lists(
        &self,
        caller: &Caller,
        partner: &Visible,
        filter: &ListFilter,
    ) -> Result<Vec<price_list::Model>, AppError> {
        let grade = partner.row().grade_id;
        let mut rows = repo::applicable(self.db(), partner, grade, None, filter).await?;
        if let Some(parent) = partner.row().parent_id {
            rows.extend(repo::applicable(self.db(), partner, grade, Some(parent), filter).await?);
        }
        if caller.can(Permission::SellDownstream) {
            rows.extend(repo::seller_lists(self.db(), partner, filter).await?);
        }
        Ok(rows)
    }

    /// The band we set on `seller`'s downstream price of a product: on our
    /// item that prices the product for the seller on the day.
    pub(crate) async fn downstream_band(
        &self,
        db: &impl ConnectionTrait,
        seller: &Visible,
        product: &qudao_store::catalog::product::Model,
        day: NaiveDate,
    ) -> Result<Option<Band>, AppError> {
        let Some((quote, list)) = self.quote_for(db, seller, product, 1, day).await? else {
            return Ok(None);
        };
        let Some(item) = repo::item_of(db, list.id, product.id).await? else {
            return Ok(None);
        };
        Ok(qudao_domain::downstream::band_of(
            item.downstream_min,
            item.downstream_max,
            quote.unit_price,
        )
        .transpose()
        .map_err(|_| qudao_store::StoreError::Unreadable {
            table: "price_list_items",
            row: item.id,
            column: "downstream_max",
            value: format!("{:?}", item.downstream_max),
        })?)
    }

    /// The caller's own organisation, for partner roles.
    async fn own_partner(&self, caller: &Caller) -> Result<Option<Visible>, AppError> {
        match caller.partner_id {
            Some(id) if caller.role.is_partner_role() => {
                Ok(
                    store_scope::partner_by_id(self.db(), scope_in(caller, Area::Pricing), id)
                        .await?,
                )
            }
            _ => Ok(None),
        }
    }

    /// Whose lists the caller keeps: ours (none) for those who manage the
    /// brand's lists, its own organisation's downstream lists for a
    /// distributor's boss; anyone else may not write a list.
    async fn list_keeper(
        &self,
        tx: &WriteTx,
        caller: &Caller,
    ) -> Result<Option<Visible>, AppError> {
        if caller.can(Permission::ManagePriceLists) {
            return Ok(None);
        }
        caller.require(Permission::SellDownstream)?;
        let own = caller.partner_id.ok_or(AppError::Forbidden)?;
        store_scope::partner_by_id(tx, scope_in(caller, Area::Pricing), own)
            .await?
            .map(Some)
            .ok_or(AppError::Forbidden)
    }

    /// A list the keeper may write. Staff see a distributor's downstream
    /// lists but may not change them (403, as for its orders).
    async fn list_for_write(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        seller: Option<&Visible>,
        code: &str,
    ) -> Result<price_list::Model, AppError> {
        let code = list_code("code", code).map_err(|_| not_found())?;
        let row = match seller {
            Some(seller) => repo::seller_list(tx, seller, &code, true).await?,
            None => repo::for_write(tx, scope_in(caller, Area::Pricing), &code).await?,
        }
        .ok_or_else(not_found)?;
        if seller.is_none() && row.seller_id.is_some() {
            return Err(AppError::Forbidden);
        }
        Ok(row)
    }

    async fn draft_for_write(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        seller: Option<&Visible>,
        code: &str,
    ) -> Result<price_list::Model, AppError> {
        let row = self.list_for_write(tx, caller, seller, code).await?;
        rule(row.status()? == PriceListStatus::Draft, || {
            Invalid::new(
                "status",
                Problem::Rule {
                    rule: "price_list_not_draft",
                },
            )
        })?;
        Ok(row)
    }

    async fn priced_product(
        &self,
        db: &impl ConnectionTrait,
        field: &'static str,
        sku: &str,
    ) -> Result<qudao_store::catalog::product::Model, AppError> {
        let sku = Sku::parse_as(field, sku)?;
        qudao_store::catalog::product_by_sku(db, &sku)
            .await?
            .ok_or_else(|| {
                Invalid::new(
                    field,
                    Problem::Rule {
                        rule: "price_product_unknown",
                    },
                )
                .into()
            })
    }

    /// Parses and writes items on a draft; every bad item is reported (by
    /// its line, 1-based, in the message) and nothing is written.
    async fn put_items(
        &self,
        tx: &WriteTx,
        list: &price_list::Model,
        seller: Option<&Visible>,
        items: &[PriceItemInput],
    ) -> Result<(), AppError> {
        let parsed = self
            .check_items(
                tx,
                list.mode()?,
                list.currency()?,
                seller.map(|seller| (seller, list.valid_from)),
                items,
            )
            .await?
            .map_err(|errors| AppError::Invalid(errors.into_iter().map(|(_, e)| e).collect()))?;
        for (product_id, item, downstream) in &parsed {
            repo::put_item(tx, list, *product_id, item, *downstream).await?;
        }
        Ok(())
    }

    /// Parses items against a list's mode and currency: each with its
    /// product's id and our downstream band, or every problem with the
    /// position of its item. On a distributor's list (`seller`, with the
    /// day the list starts) each price keeps within the band we set.
    async fn check_items(
        &self,
        db: &impl ConnectionTrait,
        mode: PriceMode,
        currency: Currency,
        seller: Option<(&Visible, NaiveDate)>,
        items: &[PriceItemInput],
    ) -> Result<Result<Vec<(i64, PriceItem, Option<(i64, i64)>)>, Vec<(usize, Invalid)>>, AppError>
    {
        let mut parsed = Vec::new();
        let mut errors = Vec::new();
        for (at, input) in items.iter().enumerate() {
            let product = match self.priced_product(db, "sku", &input.sku).await {
                Ok(product) => Some(product),
                Err(AppError::Invalid(e)) => {
                    errors.extend(e.into_iter().map(|e| (at, e)));
                    None
                }
                Err(other) => return Err(other),
            };
            let downstream = parse_downstream(input, currency, seller.is_some());
            match (product, parse_item(input, mode, currency), downstream) {
                (Some(product), Ok(item), Ok(downstream)) => {
                    if let Some((seller, day)) = seller {
                        let band = self.downstream_band(db, seller, &product, day).await?;
                        if let Err(e) = qudao_domain::downstream::check_item(&item, band) {
                            errors.push((at, e));
                            continue;
                        }
                    }
                    parsed.push((product.id, item, downstream));
                }
                (_, item, downstream) => {
                    let item = item.err().into_iter().flatten();
                    let downstream = downstream.err().into_iter().flatten();
                    errors.extend(item.chain(downstream).map(|e| (at, e)));
                }
            }
        }
        Ok(if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(errors)
        })
    }

    async fn grade_codes(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<HashMap<i64, String>, AppError> {
        Ok(qudao_store::grades::list(db)
            .await?
            .into_iter()
            .map(|g| (g.id, g.code))
            .collect())
    }

    async fn views_of(
        &self,
        caller: &Caller,
        rows: &[price_list::Model],
    ) -> Result<Vec<PriceListView>, AppError> {
        let grades = qudao_store::grades::list(self.db()).await?;
        let partner_ids: Vec<i64> = rows
            .iter()
            .flat_map(|r| r.partner_id.into_iter().chain(r.seller_id))
            .collect();
        let partners = qudao_store::agreements::partners_by_id(
            self.db(),
            scope_in(caller, Area::Pricing),
            &partner_ids,
        )
        .await?;
        rows.iter()
            .map(|row| {
                let (target, target_name) = match row.kind()? {
                    AppliesKind::PartnerType => (
                        row.target_type()?
                            .map(|t| t.as_str().to_owned())
                            .unwrap_or_default(),
                        String::new(),
                    ),
                    AppliesKind::Grade => grades
                        .iter()
                        .find(|g| Some(g.id) == row.grade_id)
                        .map(|g| (g.code.clone(), g.name.clone()))
                        .unwrap_or_default(),
                    AppliesKind::Partner => partners
                        .iter()
                        .find(|p| Some(p.id) == row.partner_id)
                        .map(|p| (p.code.clone(), p.name.clone()))
                        .unwrap_or_default(),
                };
                Ok(PriceListView {
                    code: row.code.clone(),
                    name: row.name_zh.clone(),
                    name_en: row.name_en.clone(),
                    applies_to: row.kind()?.as_str().to_owned(),
                    target,
                    target_name,
                    currency: row.currency()?.as_str().to_owned(),
                    mode: row.mode()?.as_str().to_owned(),
                    valid_from: row.valid_from,
                    valid_to: row.valid_to,
                    status: row.status()?.as_str().to_owned(),
                    seller: row.seller_id.map(|id| {
                        partners
                            .iter()
                            .find(|p| p.id == id)
                            .map(|p| p.code.clone())
                            .unwrap_or_default()
                    }),
                    seller_name: row.seller_id.map(|id| {
                        partners
                            .iter()
                            .find(|p| p.id == id)
                            .map(|p| p.name.clone())
                            .unwrap_or_default()
                    }),
                })
            })
            .collect()
    }

    async fn detail_of(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        row: price_list::Model,
    ) -> Result<PriceListDetail, AppError> {
        let currency = row.currency()?;
        let items = repo::items(db, &row)
            .await?
            .into_iter()
            .map(|r| PriceItemView {
                sku: r.product.sku.clone(),
                product_name: r.product.name_zh.clone(),
                product_name_en: r.product.name_en.clone(),
                unit: r.product.unit.clone(),
                price: amount(r.item.price, currency),
                min: r.item.min_price.map(|m| amount(m, currency)),
                max: r.item.max_price.map(|m| amount(m, currency)),
                downstream_min: r.item.downstream_min.map(|m| amount(m, currency)),
                downstream_max: r.item.downstream_max.map(|m| amount(m, currency)),
                breaks: r
                    .breaks
                    .iter()
                    .map(|b| PriceBreakView {
                        from_qty: u32::try_from(b.from_qty).unwrap_or_default(),
                        price: amount(b.price, currency),
                    })
                    .collect(),
            })
            .collect();
        let list = self
            .views_of(caller, std::slice::from_ref(&row))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        Ok(PriceListDetail { list, items })
    }
}

/// The lists that may price a partner's products on one day, with the
/// partner's key: see [`Qudao::price_book`].
pub(crate) struct PriceBook {
    key: PartnerKey,
    day: NaiveDate,
    lists: Vec<PriceList>,
    rows: Vec<price_list::Model>,
}

impl PriceBook {
    /// The quote for `qty` of a product the book was read for, and the
    /// list that priced it; none when no list prices it (or the book was
    /// read without it).
    pub(crate) fn quote(&self, sku: &Sku, qty: u32) -> Option<(rules::Quote, &price_list::Model)> {
        let quote = rules::quote(&self.lists, &self.key, sku, qty, self.day).ok()?;
        let row = self
            .rows
            .iter()
            .find(|row| row.code == quote.list.as_str())?;
        Some((quote, row))
    }
}

/// One item's input, parsed against its list's mode and currency.
fn parse_item(
    input: &PriceItemInput,
    mode: PriceMode,
    currency: Currency,
) -> Result<PriceItem, Vec<Invalid>> {
    let optional = |field: &'static str, value: &Option<String>| match non_empty(value.as_deref()) {
        None => Ok(None),
        Some(value) => Money::parse(field, value, currency).map(Some),
    };
    let (sku, price, min, max, breaks) = (
        Sku::parse_as("sku", &input.sku),
        Money::parse("price", &input.price, currency),
        optional("min", &input.min),
        optional("max", &input.max),
        input
            .breaks
            .iter()
            .map(|b| {
                Money::parse("breaks", &b.price, currency).map(|price| PriceBreak {
                    from_qty: b.from_qty,
                    price,
                })
            })
            .collect::<Result<Vec<_>, _>>(),
    )
        .all()?;
    let band = match (min, max) {
        (None, None) => None,
        (Some(min), Some(max)) => Some(Band::new(min, max).map_err(|e| vec![e])?),
        (None, Some(_)) => return Err(vec![Invalid::new("min", Problem::Required)]),
        (Some(_), None) => return Err(vec![Invalid::new("max", Problem::Required)]),
    };
    PriceItem::new(sku, price, band, breaks, mode, currency).map_err(|e| vec![e])
}

/// Our band on a distributor's downstream price, as typed: only on our
/// own lists, both ends or neither.
fn parse_downstream(
    input: &PriceItemInput,
    currency: Currency,
    on_seller_list: bool,
) -> Result<Option<(i64, i64)>, Vec<Invalid>> {
    let (min, max) = (
        non_empty(input.downstream_min.as_deref()),
        non_empty(input.downstream_max.as_deref()),
    );
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    if on_seller_list {
        return Err(vec![Invalid::new(
            "downstream_min",
            Problem::Rule {
                rule: "price_downstream_band_ours",
            },
        )]);
    }
    let (min, max) = (
        min.map(|m| Money::parse("downstream_min", m, currency))
            .transpose(),
        max.map(|m| Money::parse("downstream_max", m, currency))
            .transpose(),
    )
        .all()?;
    match (min, max) {
        (Some(min), Some(max)) => {
            let band =
                Band::new(min, max).map_err(|e| vec![Invalid::new("downstream_max", e.problem)])?;
            Ok(Some((band.min().minor(), band.max().minor())))
        }
        (None, _) => Err(vec![Invalid::new("downstream_min", Problem::Required)]),
        (_, None) => Err(vec![Invalid::new("downstream_max", Problem::Required)]),
    }
}

/// A stored list's head as the rules read it.
fn head_of(row: &price_list::Model, grades: &HashMap<i64, String>) -> Result<ListHead, AppError> {
    let unreadable = |column: &'static str, value: String| qudao_store::StoreError::Unreadable {
        table: "price_lists",
        row: row.id,
        column,
        value,
    };
    let applies_to = match row.kind()? {
        AppliesKind::PartnerType => AppliesTo::PartnerType(
            row.target_type()?
                .ok_or_else(|| unreadable("partner_type", String::new()))?,
        ),
        AppliesKind::Grade => AppliesTo::Grade(
            row.grade_id
                .and_then(|id| grades.get(&id))
                .and_then(|code| GradeCode::parse("grade", code).ok())
                .ok_or_else(|| unreadable("grade_id", format!("{:?}", row.grade_id)))?,
        ),
        AppliesKind::Partner => AppliesTo::Partner(PartnerId(
            row.partner_id
                .ok_or_else(|| unreadable("partner_id", String::new()))?,
        )),
    };
    Ok(ListHead {
        code: row.code()?,
        applies_to,
        currency: row.currency()?,
        mode: row.mode()?,
        validity: row.validity()?,
    })
}

/// A stored list with these items as the rules read it; an item the rules
/// refuse (its list's mode changed since) is named by its sku.
fn domain_list(
    row: &price_list::Model,
    items: &[ItemRow],
    grades: &HashMap<i64, String>,
) -> Result<PriceList, AppError> {
    let head = head_of(row, grades)?;
    let items = items
        .iter()
        .map(|r| {
            let money = |minor: i64| Money::from_minor(minor, head.currency);
            let band = match (r.item.min_price, r.item.max_price) {
                (Some(min), Some(max)) => Some(Band::new(money(min), money(max))),
                _ => None,
            }
            .transpose();
            let breaks = r
                .breaks
                .iter()
                .map(|b| PriceBreak {
                    from_qty: u32::try_from(b.from_qty).unwrap_or_default(),
                    price: money(b.price),
                })
                .collect();
            band.and_then(|band| {
                PriceItem::new(
                    Sku::parse_as("sku", &r.product.sku)?,
                    money(r.item.price),
                    band,
                    breaks,
                    head.mode,
                    head.currency,
                )
            })
            .map_err(|_| {
                AppError::from(Invalid::new(
                    "items",
                    Problem::Conflict {
                        rule: "price_item_breaks_rules",
                        with: r.product.sku.clone(),
                    },
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PriceList {
        head,
        name: row.name_zh.clone(),
        items,
    })
}
