//! The catalog: the demo's product lines as records (before any right names
//! them), about 60 products with Chinese and English names, units, list
//! prices and costs, and channel rules on the two professional lines.
//! `--scale bench` adds 100,000 products through the products importer's
//! bulk path, in files of the importer's largest size.

use qudao_app::catalog::{ChannelRuleInput, ProductInput, ProductLineInput};
use qudao_app::imports::{ImportKind, MAX_ROWS};
use qudao_app::{AppError, Caller, Qudao};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::Scale;

/// The lines: the five the rights name, and two professional lines that
/// only some channels may buy.
const LINES: &[(&str, &str, &str)] = &[
    ("TEA", "茶饮", "Tea"),
    ("COFFEE", "咖啡", "Coffee"),
    ("SNACK", "休闲零食", "Snacks"),
    ("BEVERAGE", "饮料", "Beverages"),
    ("LIGHTING", "照明", "Lighting"),
    ("COFFEE-PRO", "商用咖啡机", "Commercial coffee machines"),
    ("LIGHTING-PRO", "高端照明", "Premium lighting"),
];

/// (line, sku, 中文名, English name, category, unit, list price in yuan,
/// serial-tracked)
type Item = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    bool,
);

#[rustfmt::skip]
const PRODUCTS: &[Item] = &[
    ("TEA", "TEA-LJ-250G", "西湖龙井 250克", "West Lake Longjing 250 g", "绿茶", "盒", 268, false),
    ("TEA", "TEA-LJ-500G", "西湖龙井 500克", "West Lake Longjing 500 g", "绿茶", "盒", 498, false),
    ("TEA", "TEA-BLC-250G", "洞庭碧螺春 250克", "Dongting Biluochun 250 g", "绿茶", "盒", 228, false),
    ("TEA", "TEA-MF-200G", "黄山毛峰 200克", "Huangshan Maofeng 200 g", "绿茶", "盒", 168, false),
    ("TEA", "TEA-TGY-250G", "安溪铁观音 250克", "Anxi Tieguanyin 250 g", "乌龙茶", "罐", 198, false),
    ("TEA", "TEA-DHP-200G", "武夷大红袍 200克", "Wuyi Da Hong Pao 200 g", "乌龙茶", "罐", 328, false),
    ("TEA", "TEA-PE-357G", "云南普洱饼 357克", "Yunnan Pu'er cake 357 g", "黑茶", "饼", 158, false),
    ("TEA", "TEA-BC-300G", "福鼎白茶 300克", "Fuding white tea 300 g", "白茶", "饼", 238, false),
    ("TEA", "TEA-QM-250G", "祁门红茶 250克", "Keemun black tea 250 g", "红茶", "盒", 188, false),
    ("TEA", "TEA-JH-50B", "茉莉花茶袋泡 50包", "Jasmine tea bags, 50", "花茶", "盒", 58, false),
    ("TEA", "TEA-GIFT-01", "四季茶礼盒", "Four seasons tea gift box", "礼盒", "套", 588, false),
    ("TEA", "TEA-CUP-01", "便携旅行茶具", "Travel tea set", "茶具", "套", 139, false),
    ("COFFEE", "COF-BEAN-YJ-1KG", "耶加雪菲咖啡豆 1千克", "Yirgacheffe beans 1 kg", "咖啡豆", "袋", 298, false),
    ("COFFEE", "COF-BEAN-YN-1KG", "云南小粒咖啡豆 1千克", "Yunnan arabica beans 1 kg", "咖啡豆", "袋", 168, false),
    ("COFFEE", "COF-BEAN-BLD-500G", "意式拼配咖啡豆 500克", "Espresso blend 500 g", "咖啡豆", "袋", 98, false),
    ("COFFEE", "COF-DRIP-10", "挂耳咖啡 10片", "Drip bags, 10", "挂耳咖啡", "盒", 49, false),
    ("COFFEE", "COF-DRIP-30", "挂耳咖啡 30片", "Drip bags, 30", "挂耳咖啡", "盒", 129, false),
    ("COFFEE", "COF-INST-24", "冻干速溶咖啡 24颗", "Freeze-dried instant, 24", "速溶咖啡", "盒", 89, false),
    ("COFFEE", "COF-CB-12", "冷萃咖啡液 12瓶", "Cold brew concentrate, 12", "即饮咖啡", "箱", 156, false),
    ("COFFEE", "COF-RTD-24", "拿铁即饮咖啡 24瓶", "Ready-to-drink latte, 24", "即饮咖啡", "箱", 144, false),
    ("COFFEE", "COF-CAP-50", "胶囊咖啡 50颗", "Coffee capsules, 50", "胶囊咖啡", "盒", 175, false),
    ("COFFEE", "COF-GRD-01", "手摇磨豆机", "Hand coffee grinder", "器具", "台", 199, false),
    ("SNACK", "SNK-NUT-750G", "每日坚果 750克", "Daily mixed nuts 750 g", "坚果", "箱", 129, false),
    ("SNACK", "SNK-PCN-500G", "碧根果 500克", "Pecans 500 g", "坚果", "袋", 69, false),
    ("SNACK", "SNK-MNG-300G", "芒果干 300克", "Dried mango 300 g", "果干", "袋", 39, false),
    ("SNACK", "SNK-JERKY-200G", "牛肉干 200克", "Beef jerky 200 g", "肉干", "袋", 59, false),
    ("SNACK", "SNK-SEAWEED-20", "海苔脆片 20包", "Seaweed crisps, 20", "膨化食品", "箱", 45, false),
    ("SNACK", "SNK-COOKIE-1KG", "黄油曲奇 1千克", "Butter cookies 1 kg", "饼干", "罐", 88, false),
    ("SNACK", "SNK-MOON-6", "广式月饼 6枚", "Cantonese mooncakes, 6", "糕点", "盒", 168, false),
    ("SNACK", "SNK-RICE-40", "米饼 40包", "Rice crackers, 40", "膨化食品", "箱", 52, false),
    ("SNACK", "SNK-DATE-1KG", "新疆红枣 1千克", "Xinjiang red dates 1 kg", "果干", "袋", 49, false),
    ("SNACK", "SNK-GIFT-01", "年货零食礼包", "New Year snack hamper", "礼盒", "套", 199, false),
    ("BEVERAGE", "BEV-WTR-24", "天然矿泉水 550毫升×24", "Mineral water 550 ml × 24", "饮用水", "箱", 36, false),
    ("BEVERAGE", "BEV-SPK-24", "无糖气泡水 480毫升×24", "Sugar-free sparkling water 480 ml × 24", "气泡水", "箱", 96, false),
    ("BEVERAGE", "BEV-OJ-12", "NFC橙汁 1升×12", "NFC orange juice 1 l × 12", "果汁", "箱", 216, false),
    ("BEVERAGE", "BEV-COCO-12", "椰子水 1升×12", "Coconut water 1 l × 12", "果汁", "箱", 168, false),
    ("BEVERAGE", "BEV-TEA-15", "无糖乌龙茶饮 500毫升×15", "Unsweetened oolong tea 500 ml × 15", "茶饮料", "箱", 75, false),
    ("BEVERAGE", "BEV-PLUM-12", "酸梅汤 300毫升×12", "Sour plum drink 300 ml × 12", "传统饮品", "箱", 48, false),
    ("BEVERAGE", "BEV-SOY-12", "原味豆奶 250毫升×12", "Soy milk 250 ml × 12", "植物蛋白", "箱", 42, false),
    ("BEVERAGE", "BEV-OAT-6", "燕麦奶 1升×6", "Oat milk 1 l × 6", "植物蛋白", "箱", 89, false),
    ("BEVERAGE", "BEV-ENG-24", "功能饮料 250毫升×24", "Energy drink 250 ml × 24", "功能饮料", "箱", 120, false),
    ("BEVERAGE", "BEV-HER-24", "凉茶 310毫升×24", "Herbal tea 310 ml × 24", "传统饮品", "箱", 84, false),
    ("LIGHTING", "LGT-BULB-E27-9W", "LED球泡 E27 9瓦", "LED bulb E27 9 W", "光源", "个", 15, false),
    ("LIGHTING", "LGT-BULB-E27-12W", "LED球泡 E27 12瓦", "LED bulb E27 12 W", "光源", "个", 19, false),
    ("LIGHTING", "LGT-TUBE-T8", "LED灯管 T8 1.2米", "LED tube T8 1.2 m", "光源", "支", 29, false),
    ("LIGHTING", "LGT-DL-7W", "筒灯 7瓦", "Downlight 7 W", "嵌入式灯具", "个", 45, false),
    ("LIGHTING", "LGT-PANEL-600", "平板灯 600×600", "Panel light 600 × 600", "嵌入式灯具", "个", 129, false),
    ("LIGHTING", "LGT-DESK-01", "护眼台灯", "Eye-care desk lamp", "台灯", "台", 299, true),
    ("LIGHTING", "LGT-FLOOR-01", "北欧落地灯", "Nordic floor lamp", "落地灯", "台", 599, true),
    ("LIGHTING", "LGT-CEIL-50W", "智能吸顶灯 50瓦", "Smart ceiling light 50 W", "吸顶灯", "台", 459, true),
    ("LIGHTING", "LGT-STRIP-5M", "LED灯带 5米", "LED strip 5 m", "装饰照明", "卷", 89, false),
    ("LIGHTING", "LGT-SOLAR-01", "太阳能庭院灯", "Solar garden light", "户外照明", "个", 159, false),
    ("LIGHTING", "LGT-TRACK-20W", "轨道射灯 20瓦", "Track spotlight 20 W", "商业照明", "个", 119, false),
    ("LIGHTING", "LGT-EMER-01", "应急照明灯", "Emergency light", "商业照明", "个", 99, false),
    ("COFFEE-PRO", "CPRO-ESP-2G", "双头商用意式咖啡机", "Two-group espresso machine", "商用咖啡机", "台", 38_800, true),
    ("COFFEE-PRO", "CPRO-AUTO-01", "全自动商用咖啡机", "Automatic commercial coffee machine", "商用咖啡机", "台", 25_800, true),
    ("COFFEE-PRO", "CPRO-GRD-01", "商用磨豆机", "Commercial grinder", "商用器具", "台", 6_800, true),
    ("LIGHTING-PRO", "LPRO-CHAND-01", "水晶吊灯", "Crystal chandelier", "吊灯", "台", 12_800, true),
    ("LIGHTING-PRO", "LPRO-ART-01", "艺术落地灯", "Designer floor lamp", "落地灯", "台", 4_680, true),
    ("LIGHTING-PRO", "LPRO-SMART-01", "全屋智能照明套装", "Whole-home smart lighting kit", "智能照明", "套", 9_980, true),
];

/// The one product the demo shows as discontinued.
const DISCONTINUED: &str = "LGT-TUBE-T8";

/// What the catalog step wrote.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Written {
    pub(crate) products: usize,
    pub(crate) new: usize,
}

/// The product lines, first: rights name them.
pub(crate) async fn lines(app: &Qudao, caller: &Caller) -> Result<usize, AppError> {
    for (code, name, name_en) in LINES {
        let input = ProductLineInput {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            name_en: (*name_en).to_owned(),
            status: None,
        };
        app.create_product_line(caller, &input).await?;
    }
    // Commercial coffee machines go to distributors and online stores, who
    // install and service them; premium lighting only to gold retailers.
    for (line, partner_type, grade) in [
        ("COFFEE-PRO", "distributor", None),
        ("COFFEE-PRO", "ecommerce", None),
        ("LIGHTING-PRO", "retailer", Some("gold")),
    ] {
        let rule = ChannelRuleInput {
            partner_type: partner_type.to_owned(),
            grade: grade.map(str::to_owned),
        };
        app.add_channel_rule(caller, line, &rule).await?;
    }
    Ok(LINES.len())
}

/// The products: list prices as listed, costs 55–70 % of them, about one in
/// five launched within the "new" window, the rest up to three years ago.
pub(crate) async fn products(
    app: &Qudao,
    caller: &Caller,
    rng: &mut ChaCha8Rng,
    scale: Scale,
) -> Result<Written, AppError> {
    let today = qudao_app::today();
    let mut written = Written::default();
    for (line, sku, name, name_en, category, unit, price, serial) in PRODUCTS {
        let fresh = rng.random_range(0..5) == 0;
        let days_ago = if fresh {
            rng.random_range(3..80)
        } else {
            rng.random_range(120..1_100)
        };
        let cost_percent = rng.random_range(55..=70);
        let input = ProductInput {
            sku: (*sku).to_owned(),
            name: (*name).to_owned(),
            name_en: (*name_en).to_owned(),
            product_line: (*line).to_owned(),
            category: (*category).to_owned(),
            unit: (*unit).to_owned(),
            currency: "CNY".to_owned(),
            list_price: format!("{price}.00"),
            cost: Some(yuan(price * cost_percent)),
            launch_date: Some((today - chrono::Days::new(days_ago)).to_string()),
            serial_tracked: Some(*serial),
            status: None,
        };
        app.create_product(caller, &input).await?;
        written.products += 1;
        written.new += usize::from(fresh);
    }
    app.discontinue_product(caller, DISCONTINUED).await?;
    if scale == Scale::Bench {
        written.products += bench(app, caller, rng).await?;
    }
    Ok(written)
}

/// Hundredths of a yuan as decimal text (`price × percent` is in them).
fn yuan(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The bench catalog: 100,000 products in files of the importer's largest
/// size, each written on the bulk path in one transaction.
async fn bench(app: &Qudao, caller: &Caller, rng: &mut ChaCha8Rng) -> Result<usize, AppError> {
    const BENCH_PRODUCTS: usize = 100_000;
    let kind = ImportKind::parse("products")
        .ok_or_else(|| AppError::Internal("no products importer".to_owned()))?;
    let mut made = 0;
    while made < BENCH_PRODUCTS {
        let rows = MAX_ROWS.min(BENCH_PRODUCTS - made);
        let mut csv = String::from(
            "sku,name_zh,name_en,product_line,category,unit,currency,list_price,cost,launch_date,serial_tracked,status\n",
        );
        for n in made..made + rows {
            let (line, _, name, name_en, category, unit, price, serial) =
                PRODUCTS[rng.random_range(0..PRODUCTS.len())];
            let price = price * 100 + rng.random_range(0..100);
            csv.push_str(&format!(
                "BENCH-{n:06},\"{name} 型号{n}\",\"{name_en} model {n}\",{line},{category},{unit},CNY,{},{},,{serial},active\n",
                yuan(price),
                yuan(price * 6 / 10),
            ));
        }
        let report = app
            .import(
                caller,
                kind,
                &format!("bench-products-{made}.csv"),
                csv.as_bytes(),
                false,
            )
            .await?;
        if !report.ok() {
            return Err(AppError::Internal(format!(
                "bench products refused: {:?}",
                report.errors.first()
            )));
        }
        made += rows;
    }
    Ok(made)
}
