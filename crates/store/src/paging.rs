//! Paging and sorting shared by every list.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, Select};

use crate::StoreError;

/// A 1-based page of at most `per_page` rows; `per_page` is clamped to 1..=500
/// so no request can ask the database for an unbounded page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u64 = 500;

    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(25).clamp(1, Self::MAX_PER_PAGE),
        }
    }

    /// Every row, for exports; bounded by the export row limit.
    pub fn export() -> Self {
        Self {
            page: 1,
            per_page: 100_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    /// The requested page of rows already in memory, in their order.
    pub fn slice(rows: Vec<T>, request: PageRequest) -> Self {
        let total = rows.len() as u64;
        let skip = usize::try_from((request.page - 1).saturating_mul(request.per_page))
            .unwrap_or(usize::MAX);
        let take = usize::try_from(request.per_page).unwrap_or(usize::MAX);
        Page {
            items: rows.into_iter().skip(skip).take(take).collect(),
            total,
            page: request.page,
            per_page: request.per_page,
        }
    }

    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

impl SortDir {
    pub fn order(self) -> sea_orm::Order {
        match self {
            SortDir::Asc => sea_orm::Order::Asc,
            SortDir::Desc => sea_orm::Order::Desc,
        }
    }
}

pub(crate) async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    request: PageRequest,
) -> Result<Page<E::Model>, StoreError>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::Model: FromQueryResult + Sync + Send,
{
    let paginator = select.paginate(db, request.per_page);
    let items = paginator.fetch_page(request.page - 1).await?;
    let total = match known_total(request, items.len()) {
        Some(total) => total,
        None => paginator.num_items().await?,
    };
    Ok(Page {
        items,
        total,
        page: request.page,
        per_page: request.per_page,
    })
}

/// The total a fetched page already tells, without a count: a page that is
/// not full is the last one (or the first page, empty). Only a full page,
/// or an empty page past the first, needs the count.
pub(crate) fn known_total(request: PageRequest, fetched: usize) -> Option<u64> {
    let fetched = fetched as u64;
    (fetched < request.per_page && (fetched > 0 || request.page == 1))
        .then(|| (request.page - 1) * request.per_page + fetched)
}

/// Gives a sort enum its names as used in URLs: `parse` for what a request
/// asks for (None if unknown) and `as_str` for links.
macro_rules! sort_keys {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }
    };
}
pub(crate) use sort_keys;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_is_not_full_tells_the_total() {
        let page = |page, per_page| PageRequest { page, per_page };
        assert_eq!(known_total(page(1, 25), 0), Some(0));
        assert_eq!(known_total(page(1, 25), 7), Some(7));
        assert_eq!(known_total(page(3, 25), 7), Some(57));
        assert_eq!(
            known_total(page(1, 25), 25),
            None,
            "a full page may not be the last"
        );
        assert_eq!(known_total(page(3, 25), 0), None, "past the end: count");
    }
}
