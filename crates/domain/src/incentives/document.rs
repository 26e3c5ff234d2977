//! The program document as written (JSON or TOML), before any checking.
//!
//! Every leaf is a [`Scalar`] and every object keeps its unknown keys, so
//! that a wrong value, a misspelt key or a float where a decimal belongs is
//! refused by [`super::program::Program::parse`] with the full field path
//! (`brackets[2].from`) instead of by the reader with a bare line number.
//! Only the shape (an object where a list belongs) is left to the reader.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One leaf value as the reader found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    Text(String),
    Integer(i128),
    Bool(bool),
    /// A binary floating-point number. Its value is not kept: rates and
    /// amounts are written as strings (`"3%"`, `"5000.00"`) so that no
    /// figure ever passes through a float.
    Float,
    /// A list or an object where a single value belongs.
    Nested,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a single value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Integer(i128::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Integer(i128::from(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }

    // A bare float is only marked, its value dropped unread: the check
    // refuses it at its path (a binary float cannot hold 0.03, and money
    // never passes through one); decimals are written as strings.
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
}

/// Keys an object holds beyond the ones its type knows.
pub type Unknown = BTreeMap<String, IgnoredAny>;

/// A program document: see `docs/INCENTIVES.md` for every field.
#[derive(Debug, Default, Deserialize)]
pub struct ProgramDocument {
    pub kind: Option<Scalar>,
    pub code: Option<Scalar>,
    pub name: Option<Scalar>,
    pub version: Option<Scalar>,
    pub currency: Option<Scalar>,
    pub effective_from: Option<Scalar>,
    pub effective_to: Option<Scalar>,
    pub period: Option<Scalar>,
    pub scope: Option<ScopeDocument>,
    pub base: Option<BaseDocument>,
    pub attainment: Option<AttainmentDocument>,
    pub growth: Option<GrowthDocument>,
    pub mode: Option<Scalar>,
    pub rate: Option<Scalar>,
    pub brackets: Option<Vec<BracketDocument>>,
    pub multipliers: Option<Vec<MultiplierDocument>>,
    pub cap: Option<Scalar>,
    pub floor: Option<Scalar>,
    pub stacking: Option<StackingDocument>,
    pub payout: Option<PayoutDocument>,
    pub conditions: Option<ConditionsDocument>,
    pub commission: Option<CommissionDocument>,
    pub points: Option<PointsDocument>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct ScopeDocument {
    pub partner_types: Option<Vec<Scalar>>,
    pub grades: Option<Vec<Scalar>>,
    pub regions: Option<Vec<Scalar>>,
    pub partners: Option<Vec<Scalar>>,
    pub reps: Option<Vec<Scalar>>,
    pub teams: Option<Vec<Scalar>>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct BaseDocument {
    pub measure: Option<Scalar>,
    pub product_lines: Option<Vec<Scalar>>,
    pub categories: Option<Vec<Scalar>>,
    pub skus: Option<Vec<Scalar>>,
    pub count_downstream_purchases: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct AttainmentDocument {
    pub source: Option<Scalar>,
    pub amount: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct GrowthDocument {
    pub against: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct BracketDocument {
    pub from: Option<Scalar>,
    pub rate: Option<Scalar>,
    pub amount: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct MultiplierDocument {
    pub lines: Option<Vec<Scalar>>,
    pub skus: Option<Vec<Scalar>>,
    pub base_factor: Option<Scalar>,
    pub points_factor: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct StackingDocument {
    pub rule: Option<Scalar>,
    pub order: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct PayoutDocument {
    pub form: Option<Scalar>,
    pub max_share_per_order: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConditionsDocument {
    pub pay_on_collected_share: Option<Scalar>,
    pub validated_sell_through_only: Option<Scalar>,
    pub min_data_quality: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct CommissionDocument {
    pub split: Option<Vec<SplitDocument>>,
    pub accelerator: Option<AcceleratorDocument>,
    pub clawback_days: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct PointsDocument {
    pub per: Option<Scalar>,
    pub expire_months: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct SplitDocument {
    pub role: Option<Scalar>,
    pub share: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceleratorDocument {
    pub above: Option<Scalar>,
    pub factor: Option<Scalar>,
    #[serde(flatten)]
    pub unknown: Unknown,
}
