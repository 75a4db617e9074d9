//! Reference data compiled into the binary, so `treem demo` works from the binary
//! alone. Sources and changes: `data/admin-units/PROVENANCE.md`.

/// The real units of Đồng Tháp (and Tiền Giang) before and after the 2025 reform,
/// with the reform's successions, in import order.
pub const ADMIN_UNIT_FILES: &[(&str, &[u8])] = &[
    ("units-legacy.csv", include_bytes!("../../../data/admin-units/units-legacy.csv")),
    ("units-2025.csv", include_bytes!("../../../data/admin-units/units-2025.csv")),
    ("successions-2025.csv", include_bytes!("../../../data/admin-units/successions-2025.csv")),
];

/// Parses the bundled unit files.
pub fn admin_unit_files() -> Result<crate::unit_import::ParsedFiles, crate::import_error::ImportErrors> {
    let mut parsed = crate::unit_import::ParsedFiles::default();
    for (name, bytes) in ADMIN_UNIT_FILES {
        crate::unit_import::parse_file(name, bytes, &mut parsed)?;
    }
    Ok(parsed)
}

/// Made-up hamlets for the demo (see `data/demo/README.md`); never part of the real map.
pub const DEMO_HAMLET_FILES: &[(&str, &[u8])] = &[
    ("demo/hamlets.csv", include_bytes!("../../../data/demo/hamlets.csv")),
    ("demo/hamlet-successions.csv", include_bytes!("../../../data/demo/hamlet-successions.csv")),
];

/// Parses the demo hamlet files.
pub fn demo_hamlet_files() -> Result<crate::unit_import::ParsedFiles, crate::import_error::ImportErrors> {
    let mut parsed = crate::unit_import::ParsedFiles::default();
    for (name, bytes) in DEMO_HAMLET_FILES {
        crate::unit_import::parse_file(name, bytes, &mut parsed)?;
    }
    Ok(parsed)
}

/// Vietnamese public holidays 2012–2030, for working-day deadlines (see `data/holidays/README.md`).
pub const HOLIDAYS_CSV: &[u8] = include_bytes!("../../../data/holidays/vn-public-holidays.csv");

/// The founding plan (Đồng Tháp, 2013), as data (see `data/plans/README.md`).
pub const PLAN_DONG_THAP_2013: &str = include_str!("../../../data/plans/dong-thap-2013.toml");

/// A made-up plan for the demo only (task budgets and unit targets; see `data/demo/README.md`).
pub const DEMO_PLAN_BUDGETS: &str = include_str!("../../../data/demo/plan-budgets-demo.toml");

/// The indicator catalogue (see `data/indicators/catalogue.toml`).
pub const INDICATORS: &str = include_str!("../../../data/indicators/catalogue.toml");

/// The data elements agencies report (see `data/indicators/data-elements.toml`).
pub const DATA_ELEMENTS: &str = include_str!("../../../data/indicators/data-elements.toml");

/// The 3,000 most common passwords of 8–128 characters (see `data/passwords/README.md`).
pub const COMMON_PASSWORDS: &str = include_str!("../../../data/passwords/common-passwords.txt");

/// Passwords common in Vietnam that the list above lacks (see `data/passwords/README.md`).
pub const COMMON_PASSWORDS_VI: &str = include_str!("../../../data/passwords/common-passwords-vi.txt");

/// Words of treem's context that a password may not consist of (see `data/passwords/README.md`).
pub const PASSWORD_CONTEXT_WORDS: &str = include_str!("../../../data/passwords/context-words.txt");

/// The instruments on consent to processing a child's data, by period (see `data/consent/README.md`).
pub const CONSENT_INSTRUMENTS: &str = include_str!("../../../data/consent/instruments.toml");
