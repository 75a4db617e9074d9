//! Which column is which: a header is folded (no diacritics, no case, punctuation as
//! spaces) and looked up among the names a commune register book, treem's template and an
//! English file give the same field.

use treem_domain::text::search_key;

use crate::problem::Problem;

/// A field an import can fill, with the headers that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// STT: the book's own numbering, read and not stored.
    RowNumber,
    /// A record number of treem's own (an export read back): the row is that record.
    RecordId,
    ExternalId,
    FullName,
    BirthDate,
    Sex,
    CommuneCode,
    CommuneName,
    DistrictName,
    Hamlet,
    Groups,
    Poverty,
    HouseholdCode,
    HouseholdHead,
    CaregiverName,
    CaregiverRelation,
    CaregiverPhone,
    RegisteredOn,
    /// Ghi chú: free notes are not imported (they may hold anything); said as a warning.
    Notes,
    // The fields of an incidents' file. In it, `RecordId` lists the treem records of the
    // children involved and `ExternalId` their identifiers in the children's register.
    /// Số vụ việc: an incident number of treem's own (an export read back).
    IncidentNumber,
    /// Mã vụ việc: the file's own identifier of the incident.
    IncidentRef,
    OccurredOn,
    IncidentKind,
    AbuseForm,
    SexualSubtype,
    Setting,
    Perpetrator,
    Offence,
    JusticeStage,
    JusticeMeasure,
    Injury,
    Fatal,
    /// Số trẻ em liên quan: the export's count, read and not stored.
    ChildCount,
    /// Số hồ sơ trường hợp: a case number of treem's own (in a cases' file, an export read
    /// back: the row is that case; in an incidents' file, the incident's case).
    CaseNumber,
    // The fields of a cases' file. In it, `RecordId` or `ExternalId` names the one child.
    /// Mã trường hợp: the file's own identifier of the case.
    CaseRef,
    ReceivedOn,
    CaseSource,
    SourceRef,
    Urgent,
    Summary,
    ReporterName,
    ReporterContact,
    CaseState,
    ClosedOn,
    ClosingNote,
    /// Mức độ nguy cơ: set by the initial assessment, not by an import; said as a warning.
    Risk,
    /// Giao cho: the importer manages the case until it is assigned; said as a warning.
    AssignedTo,
}

impl Field {
    pub const ALL: [Field; 47] = [
        Self::RowNumber,
        Self::RecordId,
        Self::ExternalId,
        Self::FullName,
        Self::BirthDate,
        Self::Sex,
        Self::CommuneCode,
        Self::CommuneName,
        Self::DistrictName,
        Self::Hamlet,
        Self::Groups,
        Self::Poverty,
        Self::HouseholdCode,
        Self::HouseholdHead,
        Self::CaregiverName,
        Self::CaregiverRelation,
        Self::CaregiverPhone,
        Self::RegisteredOn,
        Self::Notes,
        Self::IncidentNumber,
        Self::IncidentRef,
        Self::OccurredOn,
        Self::IncidentKind,
        Self::AbuseForm,
        Self::SexualSubtype,
        Self::Setting,
        Self::Perpetrator,
        Self::Offence,
        Self::JusticeStage,
        Self::JusticeMeasure,
        Self::Injury,
        Self::Fatal,
        Self::ChildCount,
        Self::CaseNumber,
        Self::CaseRef,
        Self::ReceivedOn,
        Self::CaseSource,
        Self::SourceRef,
        Self::Urgent,
        Self::Summary,
        Self::ReporterName,
        Self::ReporterContact,
        Self::CaseState,
        Self::ClosedOn,
        Self::ClosingNote,
        Self::Risk,
        Self::AssignedTo,
    ];

    /// The fields a children's file may have: the first 19 of [`Field::ALL`].
    pub const CHILDREN: &'static [Field] = Field::ALL.split_at(19).0;

    /// The fields an incidents' file may have.
    pub const INCIDENTS: [Field; 23] = [
        Self::RowNumber,
        Self::IncidentNumber,
        Self::IncidentRef,
        Self::OccurredOn,
        Self::IncidentKind,
        Self::AbuseForm,
        Self::SexualSubtype,
        Self::Setting,
        Self::Perpetrator,
        Self::Offence,
        Self::JusticeStage,
        Self::JusticeMeasure,
        Self::Injury,
        Self::Fatal,
        Self::ChildCount,
        Self::RecordId,
        Self::ExternalId,
        Self::CaseNumber,
        Self::CommuneCode,
        Self::CommuneName,
        Self::DistrictName,
        Self::Hamlet,
        Self::Notes,
    ];

    /// The fields a cases' file may have.
    pub const CASES: [Field; 23] = [
        Self::RowNumber,
        Self::CaseNumber,
        Self::CaseRef,
        Self::RecordId,
        Self::ExternalId,
        Self::FullName,
        Self::ReceivedOn,
        Self::CaseSource,
        Self::SourceRef,
        Self::Urgent,
        Self::Summary,
        Self::ReporterName,
        Self::ReporterContact,
        Self::CaseState,
        Self::ClosedOn,
        Self::ClosingNote,
        Self::Risk,
        Self::AssignedTo,
        Self::CommuneCode,
        Self::CommuneName,
        Self::DistrictName,
        Self::Hamlet,
        Self::Notes,
    ];

    /// The key of the field's label (`treem_web/locales/errors.toml`, `[fields]`).
    pub fn key(self) -> &'static str {
        match self {
            Self::RowNumber => "row_number",
            Self::RecordId => "record_id",
            Self::ExternalId => "external_id",
            Self::FullName => "full_name",
            Self::BirthDate => "birth_date",
            Self::Sex => "sex",
            Self::CommuneCode => "commune_code",
            Self::CommuneName => "commune",
            Self::DistrictName => "district",
            Self::Hamlet => "hamlet",
            Self::Groups => "groups",
            Self::Poverty => "poverty_status",
            Self::HouseholdCode => "household_code",
            Self::HouseholdHead => "household_head",
            Self::CaregiverName => "caregiver_name",
            Self::CaregiverRelation => "relation",
            Self::CaregiverPhone => "phone",
            Self::RegisteredOn => "registered_on",
            Self::Notes => "notes",
            Self::IncidentNumber => "incident_number",
            Self::IncidentRef => "incident_ref",
            Self::OccurredOn => "occurred_on",
            Self::IncidentKind => "kind",
            Self::AbuseForm => "abuse_form",
            Self::SexualSubtype => "sexual_subtype",
            Self::Setting => "setting",
            Self::Perpetrator => "relation",
            Self::Offence => "offence",
            Self::JusticeStage => "justice_stage",
            Self::JusticeMeasure => "justice_measure",
            Self::Injury => "injury",
            Self::Fatal => "fatal",
            Self::ChildCount => "children",
            Self::CaseNumber => "case_id",
            Self::CaseRef => "case_ref",
            Self::ReceivedOn => "received_at",
            Self::CaseSource => "source",
            Self::SourceRef => "source_ref",
            Self::Urgent => "urgent",
            Self::Summary => "summary",
            Self::ReporterName => "reporter_name",
            Self::ReporterContact => "reporter_contact",
            Self::CaseState => "state",
            Self::ClosedOn => "closed_at",
            Self::ClosingNote => "closing_note",
            Self::Risk => "risk",
            Self::AssignedTo => "assigned_to",
        }
    }

    /// The header treem's template writes (Vietnamese, as the register book does).
    pub fn template_header(self) -> &'static str {
        self.headers()[0]
    }

    /// The headers that name this field; the first is the template's.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::RowNumber => &["STT", "TT", "Số thứ tự", "No", "No."],
            Self::RecordId => &["Mã hồ sơ treem", "treem record", "treem id"],
            Self::ExternalId => &["Mã trẻ em", "Mã trẻ", "Mã hồ sơ", "Mã số", "External ID", "External id", "ID"],
            Self::FullName => &["Họ và tên", "Họ tên", "Họ và tên trẻ em", "Họ tên trẻ", "Họ và tên trẻ", "Tên trẻ", "Full name", "Name"],
            Self::BirthDate => &["Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Năm sinh", "Date of birth", "Birth date"],
            Self::Sex => &["Giới tính", "Nam/Nữ", "Sex", "Gender"],
            Self::CommuneCode => &["Mã xã", "Mã xã/phường", "Mã đơn vị", "Mã ĐVHC", "Commune code", "Unit code"],
            Self::CommuneName => {
                &["Xã/Phường/Thị trấn", "Xã/Phường", "Xã, phường, thị trấn", "Xã, phường", "Xã", "Phường", "Đơn vị", "Commune"]
            }
            Self::DistrictName => &["Huyện/Thị xã/Thành phố", "Huyện", "Quận/Huyện", "Huyện/Thành phố", "District"],
            Self::Hamlet => &["Ấp/Khóm", "Ấp", "Khóm", "Thôn", "Tổ dân phố", "Hamlet"],
            Self::Groups => &["Nhóm HCĐB", "Nhóm hoàn cảnh đặc biệt", "Hoàn cảnh đặc biệt", "HCĐB", "Special circumstances", "Groups"],
            Self::Poverty => &["Hộ nghèo/cận nghèo", "Hộ nghèo", "Hộ nghèo, cận nghèo", "Poverty", "Poverty status"],
            Self::HouseholdCode => &["Mã hộ", "Mã hộ gia đình", "Mã số hộ", "Household code"],
            Self::HouseholdHead => &["Chủ hộ", "Họ tên chủ hộ", "Household head"],
            Self::CaregiverName => &[
                "Họ tên người chăm sóc",
                "Người chăm sóc",
                "Họ tên người nuôi dưỡng",
                "Người nuôi dưỡng",
                "Họ tên cha/mẹ",
                "Caregiver",
                "Caregiver name",
            ],
            Self::CaregiverRelation => &["Quan hệ", "Quan hệ với trẻ", "Relation", "Relationship"],
            Self::CaregiverPhone => &["Số điện thoại", "Điện thoại", "SĐT", "Phone"],
            Self::RegisteredOn => &["Ngày đăng ký", "Ngày lập hồ sơ", "Ngày ghi nhận", "Registered on", "Registration date"],
            Self::Notes => &["Ghi chú", "Notes", "Note"],
            Self::IncidentNumber => &["Số vụ việc", "Incident no.", "treem incident"],
            Self::IncidentRef => &["Mã vụ việc", "Số hiệu vụ việc", "Incident ID", "Incident ref"],
            Self::OccurredOn => &["Ngày xảy ra", "Ngày xảy ra vụ việc", "Thời gian xảy ra", "Occurred on", "Date of incident"],
            Self::IncidentKind => &["Loại vụ việc", "Loại", "Kind", "Incident kind"],
            Self::AbuseForm => &["Hình thức xâm hại", "Form of abuse"],
            Self::SexualSubtype => &["Hành vi xâm hại tình dục", "Sexual abuse"],
            Self::Setting => &["Môi trường xâm hại", "Môi trường", "Setting"],
            Self::Perpetrator => &["Quan hệ của người gây hại với trẻ", "Người gây hại", "Perpetrator's relation", "Perpetrator"],
            Self::Offence => &["Hành vi vi phạm", "Tội danh", "Offence"],
            Self::JusticeStage => &["Giai đoạn tố tụng", "Justice stage"],
            Self::JusticeMeasure => &["Biện pháp áp dụng", "Biện pháp xử lý", "Measure"],
            Self::Injury => &["Loại tai nạn, thương tích", "Loại tai nạn", "Tai nạn, thương tích", "Accident or injury", "Injury"],
            Self::Fatal => &["Tử vong", "Fatal"],
            Self::ChildCount => &["Số trẻ em liên quan", "Children involved"],
            Self::CaseNumber => &["Số hồ sơ trường hợp", "Case no."],
            Self::CaseRef => &["Mã trường hợp", "Case ID", "Case ref"],
            Self::ReceivedOn => &[
                "Ngày tiếp nhận",
                "Tiếp nhận lúc",
                "Thời điểm tiếp nhận",
                "Ngày nhận tin báo",
                "Ngày tiếp nhận tin báo",
                "Received on",
                "Received at",
            ],
            Self::CaseSource => &["Nguồn tin", "Nguồn tin báo", "Nguồn thông tin", "Source"],
            Self::SourceRef => &["Số hiệu tin báo", "Mã tin báo", "Số chứng từ", "Source ref", "Source reference"],
            Self::Urgent => &["Khẩn cấp", "Urgent"],
            Self::Summary => &["Nội dung tin báo", "Nội dung", "Tóm tắt", "Tóm tắt nội dung", "Summary"],
            Self::ReporterName => &["Họ tên người báo tin", "Người báo tin", "Reporter's name", "Reporter"],
            Self::ReporterContact => &["Liên hệ người báo tin", "Điện thoại người báo tin", "Reporter's contact"],
            Self::CaseState => &["Bước hiện tại", "Tình trạng", "Trạng thái", "Tình trạng hồ sơ", "Current step", "State", "Status"],
            Self::ClosedOn => &["Ngày đóng hồ sơ", "Đóng lúc", "Ngày đóng", "Ngày kết thúc", "Closed on", "Closed at"],
            Self::ClosingNote => &["Kết quả", "Kết quả xử lý", "Lý do đóng", "Closing note", "Outcome"],
            Self::Risk => &["Mức độ nguy cơ", "Nguy cơ", "Risk", "Risk level"],
            Self::AssignedTo => &["Giao cho", "Người phụ trách", "Assigned to"],
        }
    }
}

/// A header folded for matching: "Xã/Phường/Thị trấn" → "xa phuong thi tran".
pub fn fold(header: &str) -> String {
    let key = search_key(header);
    let spaced: String = key.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a row is a register's total line: its first filled cell is "Tổng cộng" (or
/// "Total"), alone or followed by the count ("Tổng cộng: 734 trẻ"). Such a row is not a
/// record. "Tổng" alone is not enough: Tống is a family name.
pub fn is_total_row(cells: &[crate::Cell]) -> bool {
    cells.iter().map(crate::Cell::text).find(|t| !t.trim().is_empty()).is_some_and(|t| {
        let f = fold(&t);
        ["tong cong", "total"].iter().any(|w| f == *w || f.strip_prefix(w).is_some_and(|rest| rest.starts_with(' ')))
    })
}

/// The field a header names, if any.
pub fn field_of(header: &str) -> Option<Field> {
    let h = fold(header);
    if h.is_empty() {
        return None;
    }
    Field::ALL.into_iter().find(|f| f.headers().iter().any(|n| fold(n) == h))
}

/// Which column of the file holds each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// (field, column index, the header as written).
    pub found: Vec<(Field, usize, String)>,
}

impl Columns {
    pub fn index(&self, f: Field) -> Option<usize> {
        self.found.iter().find(|(g, ..)| *g == f).map(|(_, i, _)| *i)
    }

    pub fn header(&self, f: Field) -> &str {
        self.found.iter().find(|(g, ..)| *g == f).map_or(f.template_header(), |(_, _, h)| h.as_str())
    }
}

/// Maps a header row, reporting unknown headers (warnings: the column is not imported),
/// a field named twice and missing required fields (errors of the file).
pub fn map_columns(header: &[String], required: &[Field], one_of: &[&[Field]]) -> (Columns, Vec<Problem>) {
    map_columns_of(header, Field::CHILDREN, required, one_of)
}

/// [`map_columns`] for a file whose fields are `known`: a header naming a field of another
/// kind of file is an unknown column here.
pub fn map_columns_of(header: &[String], known: &[Field], required: &[Field], one_of: &[&[Field]]) -> (Columns, Vec<Problem>) {
    let mut columns = Columns::default();
    let mut problems = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        match field_of(h).filter(|f| known.contains(f)) {
            Some(f) if columns.index(f).is_some() => {
                let first = columns.header(f).to_owned();
                problems.push(Problem::error(0, h, f.key(), h, format!("the columns {first} and {h} name the same field: keep one")));
            }
            Some(f) => columns.found.push((f, i, h.clone())),
            None => problems.push(Problem::warning(0, h, "", h, "unknown column: it is not imported")),
        }
    }
    for f in required {
        if columns.index(*f).is_none() {
            problems.push(Problem::error(0, f.template_header(), f.key(), "", "a required column is missing"));
        }
    }
    for set in one_of {
        if set.iter().all(|f| columns.index(*f).is_none()) {
            let names: Vec<&str> = set.iter().map(|f| f.template_header()).collect();
            problems.push(Problem::error(0, names[0], set[0].key(), "", format!("one of the columns {} is needed", names.join(", "))));
        }
    }
    (columns, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_book_headers_are_known() {
        assert_eq!(field_of("Xã/Phường/Thị trấn"), Some(Field::CommuneName));
        assert_eq!(field_of("  HỌ VÀ TÊN "), Some(Field::FullName));
        assert_eq!(field_of("Ho va ten"), Some(Field::FullName));
        assert_eq!(field_of("Nhóm HCĐB"), Some(Field::Groups));
        assert_eq!(field_of("Ngày, tháng, năm sinh"), Some(Field::BirthDate));
        assert_eq!(field_of("Date of birth"), Some(Field::BirthDate));
        assert_eq!(field_of("Màu mắt"), None);
    }

    #[test]
    fn total_lines_are_told_from_records() {
        let row = |cells: &[&str]| cells.iter().map(|c| crate::Cell::Text((*c).to_owned())).collect::<Vec<_>>();
        assert!(is_total_row(&row(&["", "Tổng cộng: 734 trẻ"])));
        assert!(is_total_row(&row(&["TỔNG CỘNG", "", "12"])));
        assert!(is_total_row(&row(&["Total: 3 children"])));
        assert!(!is_total_row(&row(&["Tống Thị Hoa", "01/03/2015"])), "a family name");
        assert!(!is_total_row(&row(&["1", "Tổng cộng"])), "the first filled cell decides");
    }

    #[test]
    fn every_header_names_one_field() {
        let mut seen = std::collections::HashMap::new();
        for f in Field::ALL {
            for h in f.headers() {
                assert_eq!(seen.insert(fold(h), f).unwrap_or(f), f, "{h} names two fields");
            }
        }
    }

    #[test]
    fn missing_twice_and_unknown() {
        let header: Vec<String> = ["Họ tên", "Họ và tên", "Màu mắt"].iter().map(|s| s.to_string()).collect();
        let (c, p) = map_columns(&header, &[Field::FullName, Field::Sex], &[&[Field::CommuneCode, Field::CommuneName]]);
        assert_eq!(c.index(Field::FullName), Some(0));
        let msgs: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs[0].contains("same field"));
        assert_eq!(msgs[1], "unknown column: it is not imported");
        assert_eq!(p[2].column, "Giới tính");
        assert!(msgs[3].contains("Mã xã, Xã/Phường/Thị trấn"));
    }
}
