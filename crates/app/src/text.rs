//! Numbers that arrive as text. Forms send every value as a string and API
//! clients naturally send numbers; both become the text the domain parses,
//! so `"85"`, `85` and `85.0` are treated alike and never pass through a float.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Text(String),
    Number(serde_json::Number),
}

impl From<Loose> for String {
    fn from(value: Loose) -> Self {
        match value {
            Loose::Text(text) => text,
            Loose::Number(number) => number.to_string(),
        }
    }
}

/// Deserializes a string or a number into its text.
pub(crate) fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Loose::deserialize(d).map(String::from)
}

/// Like [`text_or_number`] for an optional field (`null` or absent: `None`).
pub(crate) fn optional_text_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<Loose>::deserialize(d)?.map(String::from))
}

/// Deserializes a map whose values are strings or numbers.
pub(crate) fn map_of_text_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
    Ok(std::collections::BTreeMap::<String, Loose>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| (k, String::from(v)))
        .collect())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LooseBool {
    Bool(bool),
    Text(String),
}

/// An optional yes/no from JSON (`true`) or a form (`"true"`, `"false"`).
pub(crate) fn optional_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<LooseBool>::deserialize(d)? {
        None => Ok(None),
        Some(LooseBool::Bool(value)) => Ok(Some(value)),
        Some(LooseBool::Text(text)) => match text.trim() {
            "" => Ok(None),
            "true" | "on" | "1" => Ok(Some(true)),
            "false" | "off" | "0" => Ok(Some(false)),
            other => Err(serde::de::Error::custom(format!(
                "expected true or false, got '{other}'"
            ))),
        },
    }
}
