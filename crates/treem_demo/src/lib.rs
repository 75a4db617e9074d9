//! The deterministic demo generator: a made-up province on the real units, the same
//! records for the same seed. Children whose shares on 2012-12-31 reproduce the
//! founding plan's baselines exactly (B3: children in poor households; B4: children in
//! especially difficult circumstances), households with yearly poverty status,
//! special circumstances, and incidents from 2012 to today with trends (sexual abuse
//! falling about 6 % a year) and seasons (drowning peaks in the flood season,
//! August to November), on the 2013-era communes before 1 July 2025 and on the
//! 2025 communes after. Every name is made up.

mod cases;
mod communes;
mod incidents;
mod register;
mod reported;
mod rng;

pub use cases::*;
pub use communes::*;
pub use incidents::*;
pub use register::*;
pub use reported::*;
pub use rng::*;

use time::macros::date;
use time::Date;
use treem_domain::units::UnitCatalog;
use treem_storage::{BulkChild, BulkLoad};

/// The first day of the 2025 map.
const REFORM: Date = date!(2025 - 07 - 01);

/// The baseline's counting day.
const BASE_DAY: Date = date!(2012 - 12 - 31);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The default demo: 1/48 of the province's children, all of its incidents.
    Sample,
    /// About 418,000 children under 16, as the plan's baselines imply.
    Province,
    /// About 25 million children (in memory, for `treem bench engine`).
    National,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sample" => Some(Self::Sample),
            "province" => Some(Self::Province),
            "national" => Some(Self::National),
            _ => None,
        }
    }

    /// Children under 16 on 2012-12-31, of them in poor households, of them in
    /// especially difficult circumstances. Province: the plan's B3 and B4 (47,160 =
    /// 11.28 %, 8,029 = 1.92 %, so 418,085 in all); the others keep both percentages exact.
    pub fn baseline(self) -> (u64, u64, u64) {
        match self {
            Self::Sample => (8_750, 987, 168),
            Self::Province => (418_085, 47_160, 8_029),
            Self::National => (25_000_000, 2_820_000, 480_000),
        }
    }

    /// Incidents are generated at the province's rate times this.
    fn incident_factor(self) -> u64 {
        match self {
            Self::Sample | Self::Province => 1,
            Self::National => 60,
        }
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh",
    "Lâm",
];

const MIDDLE_MALE: &[&str] = &["Văn", "Minh", "Quốc", "Hoàng", "Gia", "Thanh", "Hữu", "Đức", "Tấn", "Công"];

const MIDDLE_FEMALE: &[&str] = &["Thị", "Ngọc", "Thanh", "Kim", "Bảo", "Mỹ", "Thùy", "Phương", "Hồng", "Diễm"];

const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Dũng", "Hải", "Hiếu", "Hòa", "Huy", "Khang", "Khánh", "Long", "Minh", "Nam", "Phúc", "Quân", "Quang", "Tâm", "Trí",
    "Tuấn", "Thịnh", "Vinh",
];

const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Châu", "Giang", "Hà", "Hạnh", "Lan", "Linh", "Mai", "My", "Ngân", "Nhi", "Phương", "Thảo", "Thư", "Trang", "Uyên", "Vy", "Yến",
    "Hân", "Ngọc",
];

fn name(female: bool, rng: &mut Rng) -> String {
    let (middle, given) = if female { (MIDDLE_FEMALE, GIVEN_FEMALE) } else { (MIDDLE_MALE, GIVEN_MALE) };
    format!("{} {} {}", rng.pick(FAMILY), rng.pick(middle), rng.pick(given))
}

/// Everything, with made-up names, as one bulk write.
pub fn bulk(scale: Scale, catalog: &UnitCatalog, today: Date, seed: u64) -> Result<BulkLoad, String> {
    let mut rng = Rng::new(seed);
    let communes = Communes::of(catalog, today, &mut rng)?;
    let r = register(scale, &communes, today, &mut rng);
    let incidents = incidents(scale, &communes, today, &mut rng);
    // Cases draw from their own sequence: the rest of the province stays as it was for a seed.
    let cases = cases(scale, &r.children, &successors(catalog, &communes), today, &mut Rng::new(seed ^ 0xCA5E));
    let households =
        r.households.iter().enumerate().map(|(i, unit)| (format!("SINH-{i:07}"), name(rng.below(2) == 0, &mut rng), *unit)).collect();
    let children = r
        .children
        .iter()
        .map(|c| {
            let full_name = name(c.female, &mut rng);
            BulkChild {
                name_search: treem_domain::text::search_key(&full_name),
                full_name,
                sex: if c.female { "female" } else { "male" },
                birth_date: c.birth_date,
                unit: c.unit,
                registered_on: c.registered_on,
                household: Some(c.household),
                disability: c.disability,
            }
        })
        .collect();
    Ok(BulkLoad {
        households,
        poverty: r.poverty,
        children,
        circumstances: r.circumstances,
        incidents: incidents.into_iter().map(|f| (f, None)).collect(),
        cases,
    })
}
