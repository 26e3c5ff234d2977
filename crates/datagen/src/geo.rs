//! Where demo partners sit: big Chinese cities (real division codes from the
//! built-in region data) and the countries cross-border partners trade in.
//!
//! Each place also carries a region path of its own making (`/CN/440000/
//! 440100/`). The authorization planner hands these to the domain's
//! collision rule, which only compares paths by prefix, so they relate to
//! each other exactly as the stored regions do.

/// A prefecture-level city with a few of its districts.
pub(crate) struct City {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) province_code: &'static str,
    pub(crate) province_name: &'static str,
    /// How many partners a city draws, relative to the others.
    pub(crate) weight: u32,
    pub(crate) districts: &'static [(&'static str, &'static str)],
}

impl City {
    /// `广州` for `广州市`: the form company names start with.
    pub(crate) fn short(&self) -> &'static str {
        self.name.strip_suffix('市').unwrap_or(self.name)
    }

    /// The four municipalities are their own province.
    pub(crate) fn is_municipality(&self) -> bool {
        self.province_name == self.name
    }

    /// The channel manager for South and Central-South China; the other
    /// manager covers the East and North.
    pub(crate) fn in_south(&self) -> bool {
        matches!(
            &self.province_code[..2],
            "35" | "36" | "43" | "44" | "45" | "46" | "50" | "51" | "52" | "53"
        )
    }

    pub(crate) fn province_path(&self) -> String {
        format!("/CN/{}/", self.province_code)
    }

    pub(crate) fn path(&self) -> String {
        format!("/CN/{}/{}/", self.province_code, self.code)
    }

    pub(crate) fn district_path(&self, district: usize) -> String {
        format!("{}{}/", self.path(), self.districts[district].0)
    }
}

/// A country cross-border partners are based in.
pub(crate) struct Country {
    pub(crate) code: &'static str,
    pub(crate) city: &'static str,
    /// Company-name suffix of the local legal form.
    pub(crate) legal_form: &'static str,
    pub(crate) currency: &'static str,
    /// International dialling prefix, the local number's fixed start and
    /// how many random digits follow it.
    pub(crate) phone: (&'static str, &'static str, u32),
    pub(crate) streets: &'static [&'static str],
    /// Words local company names start with.
    pub(crate) words: &'static [&'static str],
}

impl Country {
    pub(crate) fn path(&self) -> String {
        format!("/{}/", self.code)
    }
}

/// China as a whole: nationwide rights of e-commerce partners.
pub(crate) const CHINA: &str = "CN";
pub(crate) const CHINA_PATH: &str = "/CN/";

pub(crate) const CITIES: &[City] = &[
    City {
        code: "310100",
        name: "上海市",
        province_code: "310000",
        province_name: "上海市",
        weight: 12,
        districts: &[
            ("310115", "浦东新区"),
            ("310106", "静安区"),
            ("310104", "徐汇区"),
            ("310112", "闵行区"),
            ("310105", "长宁区"),
        ],
    },
    City {
        code: "110100",
        name: "北京市",
        province_code: "110000",
        province_name: "北京市",
        weight: 12,
        districts: &[
            ("110105", "朝阳区"),
            ("110108", "海淀区"),
            ("110106", "丰台区"),
            ("110101", "东城区"),
            ("110112", "通州区"),
        ],
    },
    City {
        code: "440100",
        name: "广州市",
        province_code: "440000",
        province_name: "广东省",
        weight: 10,
        districts: &[
            ("440106", "天河区"),
            ("440104", "越秀区"),
            ("440105", "海珠区"),
            ("440111", "白云区"),
            ("440113", "番禺区"),
        ],
    },
    City {
        code: "440300",
        name: "深圳市",
        province_code: "440000",
        province_name: "广东省",
        weight: 10,
        districts: &[
            ("440304", "福田区"),
            ("440305", "南山区"),
            ("440306", "宝安区"),
            ("440307", "龙岗区"),
        ],
    },
    City {
        code: "330100",
        name: "杭州市",
        province_code: "330000",
        province_name: "浙江省",
        weight: 8,
        districts: &[
            ("330106", "西湖区"),
            ("330102", "上城区"),
            ("330108", "滨江区"),
            ("330110", "余杭区"),
        ],
    },
    City {
        code: "320100",
        name: "南京市",
        province_code: "320000",
        province_name: "江苏省",
        weight: 7,
        districts: &[
            ("320102", "玄武区"),
            ("320104", "秦淮区"),
            ("320106", "鼓楼区"),
            ("320105", "建邺区"),
        ],
    },
    City {
        code: "510100",
        name: "成都市",
        province_code: "510000",
        province_name: "四川省",
        weight: 8,
        districts: &[
            ("510104", "锦江区"),
            ("510105", "青羊区"),
            ("510107", "武侯区"),
            ("510108", "成华区"),
        ],
    },
    City {
        code: "420100",
        name: "武汉市",
        province_code: "420000",
        province_name: "湖北省",
        weight: 7,
        districts: &[
            ("420103", "江汉区"),
            ("420106", "武昌区"),
            ("420111", "洪山区"),
            ("420105", "汉阳区"),
        ],
    },
    City {
        code: "500100",
        name: "重庆市",
        province_code: "500000",
        province_name: "重庆市",
        weight: 7,
        districts: &[
            ("500103", "渝中区"),
            ("500105", "江北区"),
            ("500112", "渝北区"),
            ("500107", "九龙坡区"),
        ],
    },
    City {
        code: "430100",
        name: "长沙市",
        province_code: "430000",
        province_name: "湖南省",
        weight: 6,
        districts: &[
            ("430102", "芙蓉区"),
            ("430104", "岳麓区"),
            ("430105", "开福区"),
            ("430111", "雨花区"),
        ],
    },
    City {
        code: "410100",
        name: "郑州市",
        province_code: "410000",
        province_name: "河南省",
        weight: 6,
        districts: &[
            ("410105", "金水区"),
            ("410102", "中原区"),
            ("410103", "二七区"),
        ],
    },
    City {
        code: "610100",
        name: "西安市",
        province_code: "610000",
        province_name: "陕西省",
        weight: 6,
        districts: &[
            ("610113", "雁塔区"),
            ("610103", "碑林区"),
            ("610112", "未央区"),
        ],
    },
    City {
        code: "370100",
        name: "济南市",
        province_code: "370000",
        province_name: "山东省",
        weight: 5,
        districts: &[
            ("370102", "历下区"),
            ("370103", "市中区"),
            ("370104", "槐荫区"),
        ],
    },
    City {
        code: "320500",
        name: "苏州市",
        province_code: "320000",
        province_name: "江苏省",
        weight: 6,
        districts: &[
            ("320508", "姑苏区"),
            ("320506", "吴中区"),
            ("320507", "相城区"),
            ("320583", "昆山市"),
        ],
    },
    City {
        code: "120100",
        name: "天津市",
        province_code: "120000",
        province_name: "天津市",
        weight: 5,
        districts: &[
            ("120101", "和平区"),
            ("120104", "南开区"),
            ("120116", "滨海新区"),
        ],
    },
    City {
        code: "350200",
        name: "厦门市",
        province_code: "350000",
        province_name: "福建省",
        weight: 4,
        districts: &[("350203", "思明区"), ("350206", "湖里区")],
    },
    City {
        code: "350100",
        name: "福州市",
        province_code: "350000",
        province_name: "福建省",
        weight: 4,
        districts: &[
            ("350102", "鼓楼区"),
            ("350103", "台江区"),
            ("350104", "仓山区"),
        ],
    },
    City {
        code: "370200",
        name: "青岛市",
        province_code: "370000",
        province_name: "山东省",
        weight: 5,
        districts: &[
            ("370202", "市南区"),
            ("370203", "市北区"),
            ("370211", "黄岛区"),
        ],
    },
    City {
        code: "340100",
        name: "合肥市",
        province_code: "340000",
        province_name: "安徽省",
        weight: 4,
        districts: &[
            ("340104", "蜀山区"),
            ("340111", "包河区"),
            ("340103", "庐阳区"),
        ],
    },
    City {
        code: "330200",
        name: "宁波市",
        province_code: "330000",
        province_name: "浙江省",
        weight: 4,
        districts: &[
            ("330203", "海曙区"),
            ("330212", "鄞州区"),
            ("330205", "江北区"),
        ],
    },
    City {
        code: "330700",
        name: "金华市",
        province_code: "330000",
        province_name: "浙江省",
        weight: 3,
        districts: &[("330782", "义乌市"), ("330702", "婺城区")],
    },
    City {
        code: "440600",
        name: "佛山市",
        province_code: "440000",
        province_name: "广东省",
        weight: 4,
        districts: &[
            ("440604", "禅城区"),
            ("440605", "南海区"),
            ("440606", "顺德区"),
        ],
    },
    City {
        code: "320200",
        name: "无锡市",
        province_code: "320000",
        province_name: "江苏省",
        weight: 3,
        districts: &[("320213", "梁溪区"), ("320211", "滨湖区")],
    },
    City {
        code: "530100",
        name: "昆明市",
        province_code: "530000",
        province_name: "云南省",
        weight: 3,
        districts: &[
            ("530102", "五华区"),
            ("530103", "盘龙区"),
            ("530111", "官渡区"),
        ],
    },
    City {
        code: "210100",
        name: "沈阳市",
        province_code: "210000",
        province_name: "辽宁省",
        weight: 3,
        districts: &[
            ("210102", "和平区"),
            ("210103", "沈河区"),
            ("210112", "浑南区"),
        ],
    },
    City {
        code: "210200",
        name: "大连市",
        province_code: "210000",
        province_name: "辽宁省",
        weight: 3,
        districts: &[("210202", "中山区"), ("210204", "沙河口区")],
    },
    City {
        code: "360100",
        name: "南昌市",
        province_code: "360000",
        province_name: "江西省",
        weight: 3,
        districts: &[("360102", "东湖区"), ("360113", "红谷滩区")],
    },
    City {
        code: "450100",
        name: "南宁市",
        province_code: "450000",
        province_name: "广西壮族自治区",
        weight: 3,
        districts: &[("450103", "青秀区"), ("450107", "西乡塘区")],
    },
    City {
        code: "520100",
        name: "贵阳市",
        province_code: "520000",
        province_name: "贵州省",
        weight: 2,
        districts: &[("520102", "南明区"), ("520115", "观山湖区")],
    },
    City {
        code: "130100",
        name: "石家庄市",
        province_code: "130000",
        province_name: "河北省",
        weight: 3,
        districts: &[("130102", "长安区"), ("130104", "桥西区")],
    },
    City {
        code: "140100",
        name: "太原市",
        province_code: "140000",
        province_name: "山西省",
        weight: 2,
        districts: &[("140105", "小店区"), ("140106", "迎泽区")],
    },
    City {
        code: "230100",
        name: "哈尔滨市",
        province_code: "230000",
        province_name: "黑龙江省",
        weight: 2,
        districts: &[("230103", "南岗区"), ("230102", "道里区")],
    },
    City {
        code: "220100",
        name: "长春市",
        province_code: "220000",
        province_name: "吉林省",
        weight: 2,
        districts: &[("220104", "朝阳区"), ("220102", "南关区")],
    },
    City {
        code: "460100",
        name: "海口市",
        province_code: "460000",
        province_name: "海南省",
        weight: 2,
        districts: &[("460106", "龙华区"), ("460108", "美兰区")],
    },
    City {
        code: "620100",
        name: "兰州市",
        province_code: "620000",
        province_name: "甘肃省",
        weight: 1,
        districts: &[("620102", "城关区"), ("620103", "七里河区")],
    },
    City {
        code: "650100",
        name: "乌鲁木齐市",
        province_code: "650000",
        province_name: "新疆维吾尔自治区",
        weight: 1,
        districts: &[("650102", "天山区"), ("650103", "沙依巴克区")],
    },
    City {
        code: "150100",
        name: "呼和浩特市",
        province_code: "150000",
        province_name: "内蒙古自治区",
        weight: 1,
        districts: &[("150105", "赛罕区"), ("150102", "新城区")],
    },
];

pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        code: "SG",
        city: "Singapore",
        legal_form: "Pte. Ltd.",
        currency: "USD",
        phone: ("+65", "6", 7),
        streets: &["Anson Road", "Cecil Street", "Tampines Avenue 5"],
        words: &["Lion City", "Merlion", "Straits", "Marina"],
    },
    Country {
        code: "MY",
        city: "Kuala Lumpur",
        legal_form: "Sdn. Bhd.",
        currency: "USD",
        phone: ("+60", "3-", 8),
        streets: &["Jalan Ampang", "Jalan Sultan Ismail", "Jalan Tun Razak"],
        words: &["Straits", "Klang Valley", "Borneo", "Malacca"],
    },
    Country {
        code: "DE",
        city: "Hamburg",
        legal_form: "GmbH",
        currency: "EUR",
        phone: ("+49", "40 ", 7),
        streets: &["Hafenstraße", "Mönckebergstraße", "Überseeallee"],
        words: &["Hanse", "Elbe", "Nordlicht", "Alster"],
    },
    Country {
        code: "US",
        city: "Los Angeles, CA",
        legal_form: "LLC",
        currency: "USD",
        phone: ("+1", "213-555-01", 2),
        streets: &["Wilshire Blvd", "S Alameda St", "E 7th St"],
        words: &["Pacific Coast", "Sunset", "Golden State", "West Coast"],
    },
    Country {
        code: "JP",
        city: "Osaka",
        legal_form: "Co., Ltd.",
        currency: "USD",
        phone: ("+81", "6-", 8),
        streets: &["Midosuji", "Sakaisuji", "Tanimachi"],
        words: &["Sakura", "Naniwa", "Kansai"],
    },
    Country {
        code: "AU",
        city: "Sydney NSW",
        legal_form: "Pty Ltd",
        currency: "USD",
        phone: ("+61", "2 ", 8),
        streets: &["George Street", "Pitt Street", "Sussex Street"],
        words: &["Southern Cross", "Harbour", "Eucalypt"],
    },
    Country {
        code: "TH",
        city: "Bangkok",
        legal_form: "Co., Ltd.",
        currency: "USD",
        phone: ("+66", "2-", 7),
        streets: &["Sukhumvit Road", "Silom Road", "Rama IV Road"],
        words: &["Chao Phraya", "Siam", "Lotus"],
    },
    Country {
        code: "GB",
        city: "London",
        legal_form: "Ltd",
        currency: "GBP",
        phone: ("+44", "20 7946 0", 3),
        streets: &["Commercial Road", "Borough High Street", "Gerrard Street"],
        words: &["Thames", "Albion", "Crown"],
    },
];
