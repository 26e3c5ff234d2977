//! Dimensions, dictionary-encoded: every partner, product, region, grade,
//! product line, category, partner type and owner gets a dense index, and
//! fact rows hold only the partner, product and region indexes. Everything
//! else about a partner or product (its type, grade, owner, line) is read
//! through these tables at query time, so a partner moved to another owner
//! or grade is counted under the new one by the next query, without
//! touching a fact.
//!
//! Indexes are stable: a rebuild starts from the previous dimensions, so
//! rows already loaded keep pointing at the right entry.

use std::collections::HashMap;

use chrono::NaiveDate;

/// "No value": a fact without a product, a partner without a grade.
pub const NONE: u32 = u32::MAX;

/// A partner as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerInput {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub partner_type: String,
    pub grade: Option<String>,
    pub region_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub created_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductInput {
    pub id: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub line: String,
    pub category: String,
    /// The unit cost in minor units of the company currency, when known.
    pub cost: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionInput {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `country`, `province`, `city`, `county` or `custom`.
    pub level: String,
    pub parent_id: Option<i64>,
}

/// A code with its names in both languages (grades, product lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerInput {
    pub id: i64,
    pub login: String,
    pub name: String,
}

/// Everything the dimensions are built from, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DimsInput {
    pub partners: Vec<PartnerInput>,
    pub products: Vec<ProductInput>,
    pub regions: Vec<RegionInput>,
    pub grades: Vec<Named>,
    pub lines: Vec<Named>,
    pub owners: Vec<OwnerInput>,
}

#[derive(Debug, Clone)]
pub struct Partner {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub partner_type: u32,
    pub grade: u32,
    pub region: u32,
    pub owner: u32,
    pub parent: u32,
    pub created_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub line: u32,
    pub category: u32,
    pub cost: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
    pub parent: u32,
    /// The province (or country, abroad) the region lies in, itself included.
    pub province: u32,
    /// The city it lies in, itself included; `NONE` above city level.
    pub city: u32,
}

#[derive(Debug, Clone)]
pub struct Owner {
    pub id: i64,
    pub login: String,
    pub name: String,
}

/// A dictionary of small text values (partner types, categories): dense
/// index by first appearance.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub values: Vec<String>,
    index: HashMap<String, u32>,
}

impl Words {
    fn intern(&mut self, value: &str) -> u32 {
        if let Some(&ix) = self.index.get(value) {
            return ix;
        }
        let ix = self.values.len() as u32;
        self.values.push(value.to_owned());
        self.index.insert(value.to_owned(), ix);
        ix
    }

    pub fn find(&self, value: &str) -> Option<u32> {
        self.index.get(value).copied()
    }
}

/// The dimension tables of one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Dims {
    pub partners: Vec<Partner>,
    pub products: Vec<Product>,
    pub regions: Vec<Region>,
    pub grades: Vec<Named>,
    pub lines: Vec<Named>,
    pub owners: Vec<Owner>,
    pub partner_types: Words,
    pub categories: Words,
    partner_ix: HashMap<i64, u32>,
    product_ix: HashMap<i64, u32>,
    region_ix: HashMap<i64, u32>,
    partner_code_ix: HashMap<String, u32>,
    product_sku_ix: HashMap<String, u32>,
    region_code_ix: HashMap<String, u32>,
}

/// Puts `entry` at its stable index: a new one at the end, a known one
/// in its place.
fn put<T>(list: &mut Vec<T>, ix: usize, entry: T) {
    if ix == list.len() {
        list.push(entry);
    } else {
        list[ix] = entry;
    }
}

fn stable_index(ix: &mut HashMap<i64, u32>, len: &mut usize, id: i64) -> u32 {
    *ix.entry(id).or_insert_with(|| {
        *len += 1;
        (*len - 1) as u32
    })
}

impl Dims {
    /// Builds the dimensions, keeping every index `previous` gave out.
    pub fn build(input: &DimsInput, previous: Option<&Dims>) -> Dims {
        let mut dims = Dims::default();
        if let Some(previous) = previous {
            dims.partner_ix = previous.partner_ix.clone();
            dims.product_ix = previous.product_ix.clone();
            dims.region_ix = previous.region_ix.clone();
            dims.partners = previous.partners.clone();
            dims.products = previous.products.clone();
            dims.regions = previous.regions.clone();
            dims.partner_types = previous.partner_types.clone();
            dims.categories = previous.categories.clone();
        }
        dims.grades = input.grades.clone();
        dims.lines = input.lines.clone();
        dims.owners = input
            .owners
            .iter()
            .map(|o| Owner {
                id: o.id,
                login: o.login.clone(),
                name: o.name.clone(),
            })
            .collect();
        let grade_ix: HashMap<&str, u32> = (dims.grades.iter().enumerate())
            .map(|(i, g)| (g.code.as_str(), i as u32))
            .collect();
        let line_ix: HashMap<&str, u32> = (dims.lines.iter().enumerate())
            .map(|(i, l)| (l.code.as_str(), i as u32))
            .collect();
        let owner_ix: HashMap<i64, u32> = (dims.owners.iter().enumerate())
            .map(|(i, o)| (o.id, i as u32))
            .collect();

        let mut len = dims.regions.len();
        for region in &input.regions {
            let ix = stable_index(&mut dims.region_ix, &mut len, region.id) as usize;
            let entry = Region {
                id: region.id,
                code: region.code.clone(),
                name_zh: region.name_zh.clone(),
                name_en: region.name_en.clone(),
                level: region.level.clone(),
                parent: NONE,
                province: NONE,
                city: NONE,
            };
            put(&mut dims.regions, ix, entry);
        }
        for region in &input.regions {
            let ix = dims.region_ix[&region.id] as usize;
            dims.regions[ix].parent = region
                .parent_id
                .and_then(|p| dims.region_ix.get(&p).copied())
                .unwrap_or(NONE);
        }
        for ix in 0..dims.regions.len() {
            let (province, city) = dims.ancestors_at_levels(ix as u32);
            dims.regions[ix].province = province;
            dims.regions[ix].city = city;
        }

        let mut len = dims.partners.len();
        for partner in &input.partners {
            let ix = stable_index(&mut dims.partner_ix, &mut len, partner.id) as usize;
            let entry = Partner {
                id: partner.id,
                code: partner.code.clone(),
                name: partner.name.clone(),
                partner_type: dims.partner_types.intern(&partner.partner_type),
                grade: (partner.grade.as_deref())
                    .and_then(|g| grade_ix.get(g).copied())
                    .unwrap_or(NONE),
                region: (partner.region_id)
                    .and_then(|r| dims.region_ix.get(&r).copied())
                    .unwrap_or(NONE),
                owner: (partner.owner_id)
                    .and_then(|o| owner_ix.get(&o).copied())
                    .unwrap_or(NONE),
                parent: NONE,
                created_on: partner.created_on,
            };
            put(&mut dims.partners, ix, entry);
        }
        for partner in &input.partners {
            let ix = dims.partner_ix[&partner.id] as usize;
            dims.partners[ix].parent = partner
                .parent_id
                .and_then(|p| dims.partner_ix.get(&p).copied())
                .unwrap_or(NONE);
        }

        let mut len = dims.products.len();
        for product in &input.products {
            let ix = stable_index(&mut dims.product_ix, &mut len, product.id) as usize;
            let entry = Product {
                id: product.id,
                sku: product.sku.clone(),
                name_zh: product.name_zh.clone(),
                name_en: product.name_en.clone(),
                line: line_ix.get(product.line.as_str()).copied().unwrap_or(NONE),
                category: dims.categories.intern(&product.category),
                cost: product.cost,
            };
            put(&mut dims.products, ix, entry);
        }
        dims.partner_code_ix = (dims.partners.iter().enumerate())
            .map(|(i, p)| (p.code.clone(), i as u32))
            .collect();
        dims.product_sku_ix = (dims.products.iter().enumerate())
            .map(|(i, p)| (p.sku.clone(), i as u32))
            .collect();
        dims.region_code_ix = (dims.regions.iter().enumerate())
            .map(|(i, r)| (r.code.clone(), i as u32))
            .collect();
        dims
    }

    /// Dimensions that hold nothing but the database ids behind each
    /// index, as a projection file recorded them: building the store's
    /// dimensions over these keeps every index the file's facts point at.
    /// An id the store no longer has keeps an entry with no code or name.
    pub fn reserved(partner_ids: &[i64], product_ids: &[i64], region_ids: &[i64]) -> Dims {
        let mut dims = Dims::default();
        for (ix, &id) in partner_ids.iter().enumerate() {
            dims.partner_ix.insert(id, ix as u32);
            dims.partners.push(Partner {
                id,
                code: String::new(),
                name: String::new(),
                partner_type: NONE,
                grade: NONE,
                region: NONE,
                owner: NONE,
                parent: NONE,
                created_on: NaiveDate::MIN,
            });
        }
        for (ix, &id) in product_ids.iter().enumerate() {
            dims.product_ix.insert(id, ix as u32);
            dims.products.push(Product {
                id,
                sku: String::new(),
                name_zh: String::new(),
                name_en: String::new(),
                line: NONE,
                category: NONE,
                cost: None,
            });
        }
        for (ix, &id) in region_ids.iter().enumerate() {
            dims.region_ix.insert(id, ix as u32);
            dims.regions.push(Region {
                id,
                code: String::new(),
                name_zh: String::new(),
                name_en: String::new(),
                level: String::new(),
                parent: NONE,
                province: NONE,
                city: NONE,
            });
        }
        dims
    }

    /// The province and city a region lies in. Abroad, the country stands
    /// in for the province, so a map of China and the bars for abroad read
    /// the same column.
    fn ancestors_at_levels(&self, region: u32) -> (u32, u32) {
        let (mut province, mut city) = (NONE, NONE);
        let mut at = region;
        let mut hops = 0;
        while at != NONE && hops < 16 {
            let r = &self.regions[at as usize];
            match r.level.as_str() {
                "province" => province = at,
                "city" => city = at,
                "country" if province == NONE && r.code != "CN" => province = at,
                _ => {}
            }
            at = r.parent;
            hops += 1;
        }
        (province, city)
    }

    pub fn partner_of_id(&self, id: i64) -> Option<u32> {
        self.partner_ix.get(&id).copied()
    }

    pub fn product_of_id(&self, id: i64) -> Option<u32> {
        self.product_ix.get(&id).copied()
    }

    pub fn region_of_id(&self, id: i64) -> Option<u32> {
        self.region_ix.get(&id).copied()
    }

    pub fn partner_of_code(&self, code: &str) -> Option<u32> {
        self.partner_code_ix.get(code).copied()
    }

    pub fn product_of_sku(&self, sku: &str) -> Option<u32> {
        self.product_sku_ix.get(sku).copied()
    }

    pub fn region_of_code(&self, code: &str) -> Option<u32> {
        self.region_code_ix.get(code).copied()
    }

    /// Whether `region` is `top` or lies below it.
    pub fn region_within(&self, region: u32, top: u32) -> bool {
        let mut at = region;
        let mut hops = 0;
        while at != NONE && hops < 16 {
            if at == top {
                return true;
            }
            at = self.regions[at as usize].parent;
            hops += 1;
        }
        false
    }
}
