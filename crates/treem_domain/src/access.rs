//! Who may do what, and where. The role table and the scope rule live here,
//! pure and exhaustively testable; `treem_app::access` is the one place that
//! applies them to every read, list, search, export and write.

use serde::Serialize;
use std::collections::{HashMap, HashSet};

use crate::units::{UnitCatalog, UnitId, UnitLevel, Validity, SHARE_WHOLE};

/// The identity of an account (given by the database when the account is created).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    ProvincialOfficer,
    DistrictOfficer,
    CommuneWorker,
    HamletCollaborator,
    AgencyReporter,
    PoliceLiaison,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::SystemAdmin,
        Self::ProvincialOfficer,
        Self::DistrictOfficer,
        Self::CommuneWorker,
        Self::HamletCollaborator,
        Self::AgencyReporter,
        Self::PoliceLiaison,
        Self::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::ProvincialOfficer => "provincial_officer",
            Self::DistrictOfficer => "district_officer",
            Self::CommuneWorker => "commune_worker",
            Self::HamletCollaborator => "hamlet_collaborator",
            Self::AgencyReporter => "agency_reporter",
            Self::PoliceLiaison => "police_liaison",
            Self::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The level the scope unit must have; `None`: no unit (the administrator's
    /// scope is the accounts, not records).
    pub fn scope_levels(self) -> &'static [UnitLevel] {
        match self {
            Self::SystemAdmin => &[],
            Self::ProvincialOfficer | Self::AgencyReporter | Self::Auditor => &[UnitLevel::Province],
            Self::DistrictOfficer => &[UnitLevel::District],
            Self::CommuneWorker => &[UnitLevel::Commune],
            Self::HamletCollaborator => &[UnitLevel::Hamlet],
            Self::PoliceLiaison => &[UnitLevel::Province, UnitLevel::District, UnitLevel::Commune],
        }
    }

    /// Whether an account of this role must belong to an agency.
    pub fn needs_agency(self) -> bool {
        self == Self::AgencyReporter
    }

    /// Roles that see case data need a second factor (unless configured off).
    pub fn sees_case_data(self) -> bool {
        !Self::permits(self, Action::Read).is_empty() || self == Self::SystemAdmin
    }

    /// The actions this role may take on child records, and the sensitive
    /// field kinds it sees. The one table of the access model; rendered for
    /// auditors in `docs/ACCESS.md` and tested as a matrix.
    pub fn permits(self, action: Action) -> &'static [SensitiveKind] {
        use SensitiveKind::*;
        const NONE: &[SensitiveKind] = &[];
        const ALL: &[SensitiveKind] = &[AbuseDetails, HivStatus, OffenceDetails, ReporterIdentity];
        const YES: &[SensitiveKind] = &[Any];
        match (self, action) {
            // Reading a record: the kinds listed are the sensitive fields shown.
            (Self::ProvincialOfficer | Self::DistrictOfficer | Self::CommuneWorker, Action::Read) => ALL,
            (Self::PoliceLiaison, Action::Read) => &[AbuseDetails, OffenceDetails],
            (Self::HamletCollaborator | Self::Auditor, Action::Read) => &[Any],
            (
                Self::ProvincialOfficer
                | Self::DistrictOfficer
                | Self::CommuneWorker
                | Self::HamletCollaborator
                | Self::PoliceLiaison
                | Self::Auditor,
                Action::List,
            ) => YES,
            (Self::ProvincialOfficer | Self::DistrictOfficer | Self::CommuneWorker | Self::HamletCollaborator, Action::Write) => YES,
            (Self::ProvincialOfficer | Self::DistrictOfficer | Self::CommuneWorker, Action::Export) => YES,
            (Self::SystemAdmin, Action::ManageAccounts) => YES,
            (Self::Auditor | Self::SystemAdmin, Action::ReadAudit) => YES,
            // A unit's status (child-friendly, running a model) follows a provincial decision.
            (Self::ProvincialOfficer, Action::RecordUnitStatus) => YES,
            // The indicator catalogue and plans are public metadata every dashboard computes.
            (Self::ProvincialOfficer | Self::SystemAdmin, Action::EditCatalogue | Action::ImportPlan | Action::ManageServices) => YES,
            // Which data elements each may report: `Role::may_report_element`.
            (Self::ProvincialOfficer | Self::DistrictOfficer | Self::CommuneWorker | Self::AgencyReporter, Action::ReportValues) => YES,
            // Aggregates, not personal data: every role with a unit scope, within it.
            (
                Self::ProvincialOfficer
                | Self::DistrictOfficer
                | Self::CommuneWorker
                | Self::HamletCollaborator
                | Self::AgencyReporter
                | Self::PoliceLiaison
                | Self::Auditor,
                Action::ReadReported,
            ) => YES,
            (Self::ProvincialOfficer | Self::DistrictOfficer | Self::CommuneWorker, Action::RecordFund) => YES,
            (Self::ProvincialOfficer | Self::DistrictOfficer | Self::CommuneWorker | Self::Auditor, Action::ReadFund) => YES,
            _ => NONE,
        }
    }

    /// Whether this role may report a value of `element` (it has [`Action::ReportValues`]):
    /// an agency reporter the elements of its own agency (`agency` is the account's: the
    /// element's agency id or that agency's name in the founding plan), a provincial officer
    /// any element, a district officer those reported at district level or below, a
    /// commune worker those reported at commune level.
    pub fn may_report_element(self, agency: Option<&str>, element: &crate::reported::DataElement) -> bool {
        use crate::units::UnitLevel;
        self.may(Action::ReportValues)
            && match self {
                Self::ProvincialOfficer => true,
                Self::AgencyReporter => agency.is_some_and(|a| crate::reported::agency_matches(&element.agency, a)),
                Self::DistrictOfficer => matches!(element.level(), UnitLevel::District | UnitLevel::Commune),
                Self::CommuneWorker => element.level() == UnitLevel::Commune,
                _ => false,
            }
    }

    /// Whether the role may take `action` at all.
    pub fn may(self, action: Action) -> bool {
        !self.permits(action).is_empty()
    }

    /// Whether the role sees sensitive fields of `kind` when reading a record.
    pub fn sees(self, kind: SensitiveKind) -> bool {
        self.permits(Action::Read).contains(&kind)
    }

    /// The sensitive classes this role sees ([`Visibility`]).
    pub fn visibility(self) -> Visibility {
        Visibility::of_role(self)
    }
}

/// What is being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    List,
    Write,
    Export,
    ManageAccounts,
    ReadAudit,
    /// Record or end a unit's dated status (child-friendly, running a model).
    RecordUnitStatus,
    /// Add or change an indicator of the catalogue.
    EditCatalogue,
    /// Import a plan (a new one, or a new version).
    ImportPlan,
    /// Add a service to the directory.
    ManageServices,
    /// Report an aggregate value (which elements: [`Role::may_report_element`]).
    ReportValues,
    ReadReported,
    /// Record a movement of a Child Protection Fund.
    RecordFund,
    ReadFund,
}

impl Action {
    pub const RECORD_ACTIONS: [Action; 4] = [Self::Read, Self::List, Self::Write, Self::Export];

    /// Every function of the access table, in the order `docs/ACCESS.md` shows them.
    pub const ALL: [Action; 14] = [
        Self::Read,
        Self::List,
        Self::Write,
        Self::Export,
        Self::ManageAccounts,
        Self::ReadAudit,
        Self::RecordUnitStatus,
        Self::EditCatalogue,
        Self::ImportPlan,
        Self::ManageServices,
        Self::ReportValues,
        Self::ReadReported,
        Self::RecordFund,
        Self::ReadFund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::List => "list",
            Self::Write => "write",
            Self::Export => "export",
            Self::ManageAccounts => "manage_accounts",
            Self::ReadAudit => "read_audit",
            Self::RecordUnitStatus => "record_unit_status",
            Self::EditCatalogue => "edit_catalogue",
            Self::ImportPlan => "import_plan",
            Self::ManageServices => "manage_services",
            Self::ReportValues => "report_values",
            Self::ReadReported => "read_reported",
            Self::RecordFund => "record_fund",
            Self::ReadFund => "read_fund",
        }
    }
}

/// The access table as CSV, one row per role: for each function, `yes` or `no`, and for
/// reading a record, which sensitive classes are shown. `docs/access-functions.csv` is this
/// text (a test keeps it so); `docs/ACCESS.md` renders it.
pub fn functions_csv() -> String {
    let mut out = String::from("role");
    for a in Action::ALL {
        out.push(',');
        out.push_str(a.as_str());
    }
    for k in Visibility::CLASSES {
        out.push_str(",sees_");
        out.push_str(k.as_str());
    }
    out.push('\n');
    for r in Role::ALL {
        out.push_str(r.as_str());
        for a in Action::ALL {
            out.push_str(if r.may(a) { ",yes" } else { ",no" });
        }
        for k in Visibility::CLASSES {
            out.push_str(if r.sees(k) { ",yes" } else { ",no" });
        }
        out.push('\n');
    }
    out
}

/// Classes of sensitive fields (Decree 13/2023 "sensitive personal data"). A
/// role sees a class only where its work needs it; lists never show any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveKind {
    AbuseDetails,
    HivStatus,
    OffenceDetails,
    /// Who reported a case (name and contact): protected so that nobody fears reporting.
    ReporterIdentity,
    /// Marker in the permission table: "allowed, no sensitive field implied".
    Any,
}

/// The sensitive classes one reader sees. Everything that reader is shown, listed,
/// filtered or counted is computed as if the attributes of the other classes had never
/// been recorded (docs/SECURITY.md, "Privacy as a property"): a count, an empty list or a
/// drill-down must not tell a child with a hidden attribute from one without.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Visibility(u8);

impl Visibility {
    /// The classes that are attributes of a child or of a record about one.
    pub const CLASSES: [SensitiveKind; 4] =
        [SensitiveKind::HivStatus, SensitiveKind::AbuseDetails, SensitiveKind::OffenceDetails, SensitiveKind::ReporterIdentity];
    /// Every class seen (officers, commune workers; public statistics, which are protected
    /// by disclosure control instead: closed periods, small counts suppressed).
    pub const ALL: Self = Self(0b1111);
    pub const NONE: Self = Self(0);

    fn bit(kind: SensitiveKind) -> u8 {
        match kind {
            SensitiveKind::HivStatus => 1,
            SensitiveKind::AbuseDetails => 2,
            SensitiveKind::OffenceDetails => 4,
            SensitiveKind::ReporterIdentity => 8,
            SensitiveKind::Any => 0,
        }
    }

    /// What a role sees when it reads a record.
    pub fn of_role(role: Role) -> Self {
        Self(role.permits(Action::Read).iter().fold(0, |acc, k| acc | Self::bit(*k)))
    }

    /// Whether attributes of `kind` are seen; `None` (an attribute of no class) always is.
    pub fn sees(self, kind: Option<SensitiveKind>) -> bool {
        kind.is_none_or(|k| k == SensitiveKind::Any || self.0 & Self::bit(k) != 0)
    }

    /// Whether some class is hidden.
    pub fn hides_any(self) -> bool {
        self != Self::ALL
    }

    /// The distinct views of the roles that list records, other than [`Self::ALL`]: the
    /// variants the indicator engine keeps besides the full one.
    pub fn partial_views() -> Vec<Self> {
        let mut out: Vec<Self> =
            Role::ALL.iter().filter(|r| r.may(Action::List)).map(|r| Self::of_role(*r)).filter(|v| v.hides_any()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The classes seen, by name (for logs and docs; never a value).
    pub fn names(self) -> Vec<&'static str> {
        Self::CLASSES.iter().filter(|k| self.sees(Some(**k))).map(|k| k.as_str()).collect()
    }
}

impl SensitiveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AbuseDetails => "abuse_details",
            Self::HivStatus => "hiv_status",
            Self::OffenceDetails => "offence_details",
            Self::ReporterIdentity => "reporter_identity",
            Self::Any => "any",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Visibility::CLASSES.into_iter().find(|k| k.as_str() == s)
    }
}

/// The units inside an account's scope, with the periods during which each was
/// inside it. A record is in scope when the unit it is recorded against was in
/// scope on the record's date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScopeSet {
    periods: HashMap<UnitId, Vec<Validity>>,
}

impl ScopeSet {
    pub fn contains(&self, unit: UnitId, on: time::Date) -> bool {
        self.periods.get(&unit).is_some_and(|ps| ps.iter().any(|p| p.contains(on)))
    }

    /// The units that may hold in-scope records (a superset filter for SQL;
    /// [`Self::contains`] decides by date).
    pub fn units(&self) -> Vec<UnitId> {
        let mut v: Vec<UnitId> = self.periods.keys().copied().collect();
        v.sort();
        v
    }

    pub fn is_empty(&self) -> bool {
        self.periods.is_empty()
    }
}

impl UnitCatalog {
    /// The scope of an account scoped to `root`: `root` and every unit below it
    /// (by the dated parent links), plus, through the 2025-style reform, every
    /// unit that merged wholly into `root` (or into a unit below it) and what was
    /// below those. A predecessor that was split (share below 1) is left out: its
    /// records belong to whoever gets them by record-level reassignment.
    pub fn scope_of(&self, root: UnitId) -> ScopeSet {
        let mut roots: Vec<UnitId> = vec![root];
        let mut seen: HashSet<UnitId> = HashSet::from([root]);
        let mut out = ScopeSet::default();
        while let Some(r) = roots.pop() {
            let Some(unit) = self.get(r) else { continue };
            out.periods.entry(r).or_default().push(unit.validity);
            // Everything below r during r's life, with the periods of the link chain.
            let mut frontier: Vec<(UnitId, Validity)> = vec![(r, unit.validity)];
            while let Some((parent, window)) = frontier.pop() {
                for link in self.child_links_of(parent) {
                    let Some(period) = intersect(window, link.validity) else {
                        continue;
                    };
                    out.periods.entry(link.child).or_default().push(period);
                    frontier.push((link.child, period));
                    if seen.insert(link.child) {
                        // Predecessors of units below also fold in (a hamlet that moved communes).
                        roots.extend(self.whole_predecessors(link.child).into_iter().filter(|p| seen.insert(*p)));
                    }
                }
            }
            roots.extend(self.whole_predecessors(r).into_iter().filter(|p| seen.insert(*p)));
        }
        out
    }

    fn whole_predecessors(&self, unit: UnitId) -> Vec<UnitId> {
        self.predecessors_of(unit).iter().filter(|s| s.share_ppm == SHARE_WHOLE).map(|s| s.from).collect()
    }
}

fn intersect(a: Validity, b: Validity) -> Option<Validity> {
    let from = a.from.max(b.from);
    let to = match (a.to, b.to) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    };
    (to.is_none_or(|t| t >= from)).then_some(Validity { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn least_privilege() {
        assert!(!Role::SystemAdmin.may(Action::Read), "administrators manage accounts, not children");
        assert!(!Role::AgencyReporter.may(Action::List));
        assert!(!Role::HamletCollaborator.may(Action::Export));
        assert!(!Role::HamletCollaborator.sees(SensitiveKind::HivStatus));
        assert!(!Role::PoliceLiaison.sees(SensitiveKind::HivStatus));
        assert!(Role::PoliceLiaison.sees(SensitiveKind::OffenceDetails));
        assert!(!Role::Auditor.may(Action::Write));
        assert!(Role::Auditor.may(Action::ReadAudit));
        assert!(Role::CommuneWorker.sees(SensitiveKind::AbuseDetails));
    }

    #[test]
    fn visibility_follows_the_role_table() {
        for role in Role::ALL {
            let v = role.visibility();
            for kind in Visibility::CLASSES {
                assert_eq!(v.sees(Some(kind)), role.sees(kind), "{role:?} {kind:?}");
            }
            assert!(v.sees(None));
        }
        assert_eq!(Role::CommuneWorker.visibility(), Visibility::ALL);
        assert!(!Role::PoliceLiaison.visibility().sees(Some(SensitiveKind::HivStatus)));
        // Police liaison (no HIV) and hamlet collaborators and auditors (none of the classes).
        let partial = Visibility::partial_views();
        assert_eq!(partial.len(), 2, "{partial:?}");
        assert!(partial.contains(&Role::Auditor.visibility()));
        for k in Visibility::CLASSES {
            assert_eq!(SensitiveKind::parse(k.as_str()), Some(k));
        }
    }
}
