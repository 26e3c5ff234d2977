//! Believable names: companies, addresses and the people at them. All
//! fictional; e-mail addresses use the reserved `example.com` domain and
//! foreign phone numbers the ranges set aside for fiction where there are
//! such ranges.

use std::collections::HashSet;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::geo::{City, Country};

/// Trade names (字号) with their pinyin, for company names and mail domains.
const TRADE_NAMES: &[(&str, &str)] = &[
    ("鑫源", "xinyuan"),
    ("华联", "hualian"),
    ("恒泰", "hengtai"),
    ("永盛", "yongsheng"),
    ("瑞丰", "ruifeng"),
    ("嘉禾", "jiahe"),
    ("宏达", "hongda"),
    ("金桥", "jinqiao"),
    ("百川", "baichuan"),
    ("汇通", "huitong"),
    ("康达", "kangda"),
    ("盛世", "shengshi"),
    ("佳和", "jiahe"),
    ("天成", "tiancheng"),
    ("润泽", "runze"),
    ("同创", "tongchuang"),
    ("广源", "guangyuan"),
    ("万家", "wanjia"),
    ("顺发", "shunfa"),
    ("德润", "derun"),
    ("海纳", "haina"),
    ("锦程", "jincheng"),
    ("众诚", "zhongcheng"),
    ("博远", "boyuan"),
    ("信达", "xinda"),
    ("安和", "anhe"),
    ("兴旺", "xingwang"),
    ("隆昌", "longchang"),
    ("福满", "fuman"),
    ("联盛", "liansheng"),
    ("优品", "youpin"),
    ("惠民", "huimin"),
    ("新天地", "xintiandi"),
    ("好邻居", "haolinju"),
    ("乐购", "legou"),
    ("易达", "yida"),
    ("云象", "yunxiang"),
    ("鲜丰", "xianfeng"),
    ("麦田", "maitian"),
    ("星河", "xinghe"),
];

/// Legal-form endings by partner type, with a word for the mail domain.
fn endings(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "distributor" => &[
            ("商贸有限公司", "trading"),
            ("贸易有限公司", "trade"),
            ("供应链管理有限公司", "scm"),
            ("食品销售有限公司", "foods"),
        ],
        "agent" => &[
            ("贸易有限公司", "trade"),
            ("商务咨询有限公司", "biz"),
            ("营销策划有限公司", "marketing"),
            ("商贸有限公司", "trading"),
        ],
        "retailer" => &[
            ("超市有限公司", "mart"),
            ("便利店连锁有限公司", "cvs"),
            ("百货有限公司", "store"),
            ("食品商行", "shop"),
        ],
        "ecommerce" => &[("电子商务有限公司", "ec"), ("网络科技有限公司", "tech")],
        _ => &[("商贸有限公司", "trading")],
    }
}

const SHOPPING_CENTRES: &[&str] = &[
    "万象城",
    "万达广场",
    "大悦城",
    "银泰城",
    "吾悦广场",
    "龙湖天街",
    "来福士广场",
    "印象城",
];

const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "新华路",
    "长江路",
    "和平路",
    "文化路",
    "工业大道",
    "科技路",
    "商业街",
    "滨江大道",
];

const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("高", "gao"),
    ("罗", "luo"),
];

const GIVEN_NAMES: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("磊", "lei"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("建华", "jianhua"),
    ("晓东", "xiaodong"),
    ("海燕", "haiyan"),
    ("志强", "zhiqiang"),
    ("丽娟", "lijuan"),
    ("思远", "siyuan"),
];

const ENGLISH_FIRST: &[&str] = &[
    "Daniel", "Sarah", "Ahmad", "Nurul", "Thomas", "Anna", "Kevin", "Emily", "Kenji", "Priya",
    "Lukas", "Mei Ling",
];
const ENGLISH_LAST: &[&str] = &[
    "Tan", "Lim", "Lee", "Schmidt", "Wagner", "Johnson", "Garcia", "Wong", "Rahman", "Sato",
    "Nguyen", "Clarke",
];
/// Words any overseas partner of a Chinese brand might pick.
const ENGLISH_WORDS: &[&str] = &[
    "Silk Road",
    "Golden Bridge",
    "Orient",
    "Evergreen",
    "Jade",
    "Red Lantern",
    "Dragon Gate",
    "Bamboo",
];
const ENGLISH_TRADES: &[&str] = &["Trading", "Imports", "Distribution", "Commerce", "Supply"];

/// A company's registered name and the slug its mail domain uses.
pub(crate) struct Company {
    pub(crate) name: String,
    pub(crate) slug: String,
}

/// Hands out company names, never the same one twice.
#[derive(Default)]
pub(crate) struct Names {
    used: HashSet<String>,
    /// Trade names taken in each city: a city's companies share one only
    /// once every trade name is taken there.
    trades: HashSet<(&'static str, &'static str)>,
}

impl Names {
    /// A Chinese company in `city`; direct stores are named after the
    /// shopping centre they are in.
    pub(crate) fn company(
        &mut self,
        rng: &mut ChaCha8Rng,
        kind: &str,
        city: &City,
        district: usize,
    ) -> Company {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let (trade, pinyin) = *pick(rng, TRADE_NAMES);
            if attempt <= 8 && kind != "direct_store" && !self.trades.insert((city.code, trade)) {
                continue;
            }
            let (name, slug) = if kind == "direct_store" {
                let centre = pick(rng, SHOPPING_CENTRES);
                let area = city.districts[district].1;
                (
                    format!("{}{area}{centre}直营店", city.short()),
                    "stores".to_owned(),
                )
            } else {
                let (ending, word) = *pick(rng, endings(kind));
                (
                    format!("{}{trade}{ending}", city.short()),
                    format!("{pinyin}-{word}"),
                )
            };
            // Real registers hold many companies with one trade name; after
            // a few clashes a branch number keeps names apart.
            let name = if attempt <= 12 {
                name
            } else {
                format!("{name}（{}）", attempt - 12)
            };
            if self.used.insert(name.clone()) {
                return Company { name, slug };
            }
        }
    }

    /// A company abroad, named the way its country registers them.
    pub(crate) fn foreign_company(&mut self, rng: &mut ChaCha8Rng, country: &Country) -> Company {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let words = if rng.random_bool(0.5) {
                pick(rng, country.words)
            } else {
                pick(rng, ENGLISH_WORDS)
            };
            let trade = pick(rng, ENGLISH_TRADES);
            let base = if attempt <= 4 {
                format!("{words} {trade}")
            } else {
                format!("{words} {trade} {}", attempt - 4)
            };
            let name = format!("{base} {}", country.legal_form);
            if self.used.insert(name.clone()) {
                let slug = base.to_lowercase().replace(' ', "-");
                return Company { name, slug };
            }
        }
    }
}

/// A street address in `city`'s `district`.
pub(crate) fn address(rng: &mut ChaCha8Rng, city: &City, district: usize) -> String {
    let place = if city.is_municipality() {
        city.name.to_owned()
    } else {
        format!("{}{}", city.province_name, city.name)
    };
    let road = pick(rng, ROADS);
    let number = rng.random_range(1..=999);
    let unit = match rng.random_range(0..3) {
        0 => String::new(),
        1 => format!(
            "{}栋{}室",
            rng.random_range(1..=9),
            rng.random_range(101..=2508)
        ),
        _ => format!("{}楼", rng.random_range(1..=30)),
    };
    format!(
        "{place}{}{road}{number}号{unit}",
        city.districts[district].1
    )
}

pub(crate) fn foreign_address(rng: &mut ChaCha8Rng, country: &Country) -> String {
    format!(
        "{} {}, {}",
        rng.random_range(1..=480),
        pick(rng, country.streets),
        country.city
    )
}

/// A person at a partner, as `add_contact` takes them.
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) role: &'static str,
    pub(crate) phone: String,
    pub(crate) email: String,
    pub(crate) birthday: String,
}

/// The roles a partner's contacts hold, most senior first.
fn roles(kind: &str, abroad: bool) -> &'static [&'static str] {
    match (kind, abroad) {
        (_, true) => &["Managing Director", "Purchasing Manager", "Finance Manager"],
        ("direct_store", _) => &["店长", "副店长"],
        ("retailer", _) => &["老板", "采购", "店长"],
        ("ecommerce", _) => &["总经理", "运营总监", "采购经理"],
        _ => &["总经理", "采购经理", "财务主管", "销售总监"],
    }
}

/// The `nth` (0 = most senior) contact of a partner in China.
pub(crate) fn person(rng: &mut ChaCha8Rng, kind: &str, slug: &str, nth: usize) -> Person {
    let (surname, surname_pinyin) = *pick(rng, SURNAMES);
    let (given, given_pinyin) = *pick(rng, GIVEN_NAMES);
    let roles = roles(kind, false);
    let prefixes = [
        "135", "136", "137", "138", "139", "150", "151", "158", "177", "186", "188", "199",
    ];
    let phone = format!(
        "{}{:08}",
        pick(rng, &prefixes),
        rng.random_range(0..100_000_000u32)
    );
    Person {
        name: format!("{surname}{given}"),
        role: roles[nth.min(roles.len() - 1)],
        phone,
        email: format!("{given_pinyin}.{surname_pinyin}@{slug}.example.com"),
        birthday: birthday(rng),
    }
}

/// The `nth` contact of a partner abroad.
pub(crate) fn foreign_person(
    rng: &mut ChaCha8Rng,
    country: &Country,
    slug: &str,
    nth: usize,
) -> Person {
    let first = pick(rng, ENGLISH_FIRST);
    let last = pick(rng, ENGLISH_LAST);
    let roles = roles("", true);
    let (prefix, start, digits) = country.phone;
    let local: String = (0..digits)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    Person {
        name: format!("{first} {last}"),
        role: roles[nth.min(roles.len() - 1)],
        phone: format!("{prefix} {start}{local}"),
        email: format!(
            "{}.{}@{slug}.example.com",
            first.to_lowercase().replace(' ', ""),
            last.to_lowercase()
        ),
        birthday: String::new(),
    }
}

/// A birthday for about half of the people, between 1965 and 1995.
fn birthday(rng: &mut ChaCha8Rng) -> String {
    if rng.random_bool(0.5) {
        return String::new();
    }
    format!(
        "{}-{:02}-{:02}",
        rng.random_range(1965..=1995),
        rng.random_range(1..=12),
        rng.random_range(1..=28)
    )
}

pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    // Every list handed in here is a non-empty constant.
    &items[rng.random_range(0..items.len())]
}
