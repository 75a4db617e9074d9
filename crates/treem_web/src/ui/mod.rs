//! Server-rendered pages. Thin: read the request, call one service, fill a
//! template. Every page works without JavaScript.

mod account;
mod admin;
mod cases;
mod chart;
mod children;
mod draft;
mod form;
mod fund;
mod imports;
mod incidents;
mod indicators;
mod map;
mod plans;
mod register;
mod reported;
mod units;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use time::{Date, OffsetDateTime};
use treem_app::auth::CurrentSession;
use treem_app::{App, AppError};
use treem_domain::access::{Action, Role};

use crate::i18n::{translate, Lang};
use crate::params::query_param;
use crate::session::MaybeSession;

pub use account::{
    account_page, change_password, confirm_totp, create_token, login_code_form, login_code_submit, login_form, login_submit, revoke_token,
    sign_out, start_totp, totp_page,
};
pub use admin::{accounts_page, audit_export, audit_page, create_account, reset_account_password, set_account_disabled};
pub use cases::{
    add_intervention, assign_case, case_act, case_new_form, case_page, cases_export, cases_page, create_case, create_service, refer,
    referral_outcome, services_page, set_intervention, tasks_export, tasks_page, transfer_case,
};
pub use children::{
    child_edit_form, child_new_form, child_page, children_export, children_export_xlsx, children_page, create_child, duplicates_page,
    merge_child, unmerge_child, update_child,
};
pub use draft::keep_draft;
pub use form::{CsrfForm, UiForm, UiQuery};
pub use fund::{fund_page, record_fund};
pub use imports::{
    confirm_import, import_job, import_report, import_template, imports_page, parse_as_of, upload_cases, upload_children, upload_incidents,
    MAX_UPLOAD_BYTES,
};
pub use incidents::{create_incident, incident_form_search, incident_new_form, incident_page, incidents_export, incidents_page};
pub use indicators::{
    create_indicator, indicator_edit_form, indicator_new_form, indicator_page, indicator_trend, indicators_page, update_indicator,
};
pub use plans::{import_plan, plan_import_form, plan_page, plans_page, target_chart};
pub use register::{add_caregiver, add_circumstance, add_consent, add_risk, end_circumstance, set_profile, withdraw_consent};
pub use reported::{reported_page, save_reported};
pub use units::{add_unit_status, end_unit_status, home, unit_page, units_page};

/// Navigation entries of capabilities still to come: shown, not linked.
const UPCOMING: &[&str] = &["nav.programmes", "nav.reports"];

/// The signed-in user as the navigation shows them.
pub struct NavUser {
    pub name: String,
    pub role_key: String,
    pub can_children: bool,
    pub can_admin: bool,
    pub can_audit: bool,
    /// Reads reported values (every role with a unit scope).
    pub can_reported: bool,
    /// Reads fund movements.
    pub can_fund: bool,
}

/// What every page's frame needs: language, navigation, the language switch.
pub struct Chrome {
    pub lang: Lang,
    pub lang_switch_href: String,
    pub section: &'static str,
    pub user: Option<NavUser>,
    /// The session's CSRF token, for every form (empty when signed out).
    pub csrf: String,
}

pub fn role_key(role: Role) -> String {
    format!("role.{}", role.as_str())
}

impl Chrome {
    pub fn t<'a>(&self, key: &'a (impl AsRef<str> + ?Sized)) -> &'a str {
        translate(self.lang, key.as_ref())
    }

    pub fn upcoming(&self) -> &'static [&'static str] {
        UPCOMING
    }

    /// A date as people write it: 01/07/2025 in Vietnamese, 1 Jul 2025 in English.
    pub fn date(&self, d: &Date) -> String {
        date_text(self.lang, d)
    }

    /// A moment in Vietnam's time: 04/12/2026 13:15:00 in Vietnamese (UTC+7).
    pub fn time(&self, t: &OffsetDateTime) -> String {
        time_text(self.lang, *t)
    }

    /// A date, or the translation of `key` when there is none (an open end).
    pub fn date_or(&self, d: &Option<Date>, key: &str) -> String {
        d.as_ref().map_or_else(|| translate(self.lang, key).to_owned(), |d| self.date(d))
    }
}

/// The page's language, the link that switches it, and the session if any.
#[derive(Clone)]
pub struct PageContext {
    pub lang: Lang,
    pub lang_switch_href: String,
    pub session: Option<CurrentSession>,
}

impl PageContext {
    pub fn chrome(&self, section: &'static str) -> Chrome {
        let active = self.session.as_ref().filter(|s| s.state == treem_app::auth::SessionState::Active);
        Chrome {
            lang: self.lang,
            lang_switch_href: self.lang_switch_href.clone(),
            section,
            user: active.map(|s| NavUser {
                name: s.actor.display_name.clone(),
                role_key: role_key(s.actor.role),
                can_children: s.actor.role.may(Action::List),
                can_admin: s.actor.role.may(Action::ManageAccounts),
                can_audit: s.actor.role.may(Action::ReadAudit),
                can_reported: s.actor.may_read_reported().is_ok(),
                can_fund: s.actor.may_read_fund().is_ok(),
            }),
            csrf: self.session.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default(),
        }
    }

    pub fn error(&self, error: AppError) -> PageError {
        PageError { ctx: self.clone(), error }
    }
}

/// `?lang=` wins, then the `lang` cookie, then Vietnamese.
pub fn lang_of(parts: &Parts) -> Lang {
    if let Some(l) = query_param(parts.uri.query().unwrap_or_default(), "lang").and_then(|v| Lang::parse(&v)) {
        return l;
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("lang="))
        .find_map(Lang::parse)
        .unwrap_or(Lang::Vi)
}

/// The current URL with `lang` set to the other language.
fn switch_href(parts: &Parts, lang: Lang) -> String {
    let kept: Vec<&str> =
        parts.uri.query().unwrap_or_default().split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("lang=")).collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    format!("{}?{q}lang={}", parts.uri.path(), lang.other().code())
}

impl FromRequestParts<Arc<App>> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let lang = lang_of(parts);
        let MaybeSession(session) = MaybeSession::from_request_parts(parts, app).await?;
        Ok(Self { lang, lang_switch_href: switch_href(parts, lang), session })
    }
}

/// Renders a template, or a bare 500 if the template itself fails.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub code: &'static str,
    pub message_key: &'static str,
    pub detail: Option<String>,
}

/// An error answered as an HTML page in the reader's language.
pub struct PageError {
    pub ctx: PageContext,
    pub error: AppError,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = crate::error::status_of(&self.error);
        let lang = self.ctx.lang;
        let sentences = |lang: Lang, list: &[treem_domain::field_error::FieldError]| {
            list.iter().map(|e| crate::messages::shown(lang, &e.field, &e.message).sentence()).collect::<Vec<_>>().join("; ")
        };
        let (message_key, detail) = match &self.error {
            AppError::Unauthenticated => return axum::response::Redirect::to("/login").into_response(),
            AppError::NotFound => ("error.not_found", None),
            AppError::Forbidden => ("error.forbidden", None),
            AppError::SignInFailed => ("error.sign_in_failed", None),
            AppError::CodeLocked => ("error.code_locked", None),
            AppError::Throttled(s) => ("error.throttled", Some(format!("{s} s"))),
            AppError::InvalidFields(list) => ("error.invalid", Some(sentences(lang, list))),
            AppError::EditConflict => ("error.edit_conflict", None),
            AppError::Case(treem_domain::case::CaseError::Guard { field, message }) => {
                ("error.invalid", Some(crate::messages::shown(lang, field, message).sentence()))
            }
            AppError::Case(e) => ("error.invalid", Some(crate::messages::message(lang, &e.to_string()).1)),
            AppError::Invalid { field, message } | AppError::StateConflict { field, message } => {
                ("error.invalid", Some(crate::messages::shown(lang, field, message).sentence()))
            }
            AppError::ImportRefused(e) => ("error.invalid", Some(e.to_string())),
            AppError::Conflict(_) => ("error.invalid", None),
            AppError::Busy => ("error.busy", None),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                ("error.internal", None)
            }
        };
        render(status, &ErrorPage { c: self.ctx.chrome(""), code: self.error.code(), message_key, detail })
    }
}

/// The text in the reader's language: the English one when reading English and there is one.
/// The kind of file a download's path asks for: `….xlsx` a workbook, anything else CSV.
pub fn file_format(uri: &axum::http::Uri) -> crate::export::FileFormat {
    if uri.path().ends_with(".xlsx") {
        crate::export::FileFormat::Xlsx
    } else {
        crate::export::FileFormat::Csv
    }
}

pub fn pick<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ => vi,
    }
}

/// A date as people write it: 01/07/2025 in Vietnamese, 1 Jul 2025 in English.
pub fn date_text(lang: Lang, d: &Date) -> String {
    match lang {
        Lang::Vi => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        Lang::En => {
            const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
            let m = MONTHS.get(usize::from(u8::from(d.month())).saturating_sub(1)).unwrap_or(&"");
            format!("{} {m} {}", d.day(), d.year())
        }
    }
}

/// A moment as people in Vietnam read it, in Vietnam's time (UTC+7) whatever the page's
/// language: 04/12/2026 13:15:00 in Vietnamese, 4 Dec 2026 13:15:00 (UTC+7) in English.
pub fn time_text(lang: Lang, t: OffsetDateTime) -> String {
    let local = t.checked_to_offset(treem_domain::calendar::VIETNAM_OFFSET).unwrap_or(t);
    let clock = format!("{:02}:{:02}:{:02}", local.hour(), local.minute(), local.second());
    match lang {
        Lang::Vi => format!("{} {clock}", date_text(lang, &local.date())),
        Lang::En => format!("{} {clock} (UTC+7)", date_text(lang, &local.date())),
    }
}

/// A moment to the minute, in Vietnam's time: 04/12/2026 13:15 in Vietnamese,
/// 4 Dec 2026 13:15 (UTC+7) in English (deadlines, case steps).
pub fn minute_text(lang: Lang, t: OffsetDateTime) -> String {
    let local = t.checked_to_offset(treem_domain::calendar::VIETNAM_OFFSET).unwrap_or(t);
    let clock = format!("{:02}:{:02}", local.hour(), local.minute());
    match lang {
        Lang::Vi => format!("{} {clock}", date_text(lang, &local.date())),
        Lang::En => format!("{} {clock} (UTC+7)", date_text(lang, &local.date())),
    }
}

/// A stored timestamp text (`2026-12-04T06:15:00.000000Z`) as [`time_text`] writes it;
/// the text itself if it is not one.
pub fn stamp_text(lang: Lang, stamp: &str) -> String {
    treem_domain::audit::parse_timestamp_text(stamp)
        .or_else(|| OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).ok())
        .map_or_else(|| stamp.to_owned(), |t| time_text(lang, t))
}

#[cfg(test)]
mod time_tests {
    use super::{stamp_text, time_text, Lang};
    use time::macros::datetime;

    #[test]
    fn moments_are_shown_in_vietnams_time() {
        let t = datetime!(2026-12-04 17:05:09.25 UTC);
        assert_eq!(time_text(Lang::Vi, t), "05/12/2026 00:05:09");
        assert_eq!(time_text(Lang::En, t), "5 Dec 2026 00:05:09 (UTC+7)");
        assert_eq!(stamp_text(Lang::Vi, "2026-01-01T00:00:01.000000Z"), "01/01/2026 07:00:01");
        assert_eq!(stamp_text(Lang::Vi, "not a time"), "not a time");
        assert_eq!(super::minute_text(Lang::Vi, t), "05/12/2026 00:05");
    }
}
