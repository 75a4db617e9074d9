//! `/api/v1/children/{id}/overview`: the child as the hub, the same overview as the
//! child's page (`treem_app::hub`).

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use treem_app::hub::{ChildOverview, Happening};
use treem_app::App;
use treem_domain::audit::timestamp_text;
use utoipa::ToSchema;

use super::ApiPath;
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(child_overview))
}

#[derive(Serialize, ToSchema)]
pub struct OverviewCaseDto {
    pub id: i64,
    /// The current step (a case state).
    pub state: String,
    pub unit_id: i64,
    /// RFC 3339.
    pub received_at: String,
    pub closed_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewIncidentDto {
    pub id: i64,
    pub kind: String,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    pub unit_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewReferralDto {
    pub case_id: i64,
    pub provider: String,
    pub status: String,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewTaskDto {
    pub case_id: i64,
    pub kind: String,
    pub due_at: String,
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewEventDto {
    /// YYYY-MM-DD, the day in Vietnam.
    pub on: String,
    /// case_opened, case_closed, incident_recorded or referral.
    pub what: String,
    pub case_id: Option<i64>,
    pub incident_id: Option<i64>,
    /// For a closed case: its final state; for an incident: its kind; for a referral: its status.
    pub detail: Option<String>,
    /// For a referral: the service.
    pub provider: Option<String>,
}

/// A child's overview. A part the caller may not read is absent (not empty).
#[derive(Serialize, ToSchema)]
pub struct ChildOverviewDto {
    pub child_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<Vec<OverviewCaseDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<OverviewIncidentDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrals: Option<Vec<OverviewReferralDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<OverviewTaskDto>>,
    /// Newest first.
    pub history: Vec<OverviewEventDto>,
    pub may_open_case: bool,
    pub may_record_incident: bool,
}

fn event(on: time::Date, what: &Happening) -> OverviewEventDto {
    let mut e =
        OverviewEventDto { on: on.to_string(), what: String::new(), case_id: None, incident_id: None, detail: None, provider: None };
    match what {
        Happening::CaseOpened(id) => {
            e.what = "case_opened".into();
            e.case_id = Some(id.0);
        }
        Happening::CaseClosed(id, state) => {
            e.what = "case_closed".into();
            e.case_id = Some(id.0);
            e.detail = Some(state.as_str().into());
        }
        Happening::IncidentRecorded(id, kind) => {
            e.what = "incident_recorded".into();
            e.incident_id = Some(id.0);
            e.detail = Some(kind.as_str().into());
        }
        Happening::Referral(id, provider, status) => {
            e.what = "referral".into();
            e.case_id = Some(id.0);
            e.provider = Some(provider.clone());
            e.detail = Some(status.clone());
        }
    }
    e
}

impl From<ChildOverview> for ChildOverviewDto {
    fn from(o: ChildOverview) -> Self {
        Self {
            child_id: o.child_id,
            cases: o.cases.map(|v| {
                v.into_iter()
                    .map(|c| OverviewCaseDto {
                        id: c.id.0,
                        state: c.state.as_str().into(),
                        unit_id: c.unit.0,
                        received_at: timestamp_text(c.received_at),
                        closed_at: c.closed_at.map(timestamp_text),
                    })
                    .collect()
            }),
            incidents: o.incidents.map(|v| {
                v.into_iter()
                    .map(|i| OverviewIncidentDto {
                        id: i.id.0,
                        kind: i.kind.as_str().into(),
                        occurred_on: i.occurred_on.to_string(),
                        unit_id: i.unit.0,
                    })
                    .collect()
            }),
            referrals: o.referrals.map(|v| {
                v.into_iter()
                    .map(|r| OverviewReferralDto {
                        case_id: r.case_id.0,
                        provider: r.provider,
                        status: r.status,
                        updated_at: timestamp_text(r.updated_at),
                    })
                    .collect()
            }),
            tasks: o.tasks.map(|v| {
                v.into_iter()
                    .map(|t| OverviewTaskDto {
                        case_id: t.case_id.0,
                        kind: t.kind.as_str().into(),
                        due_at: timestamp_text(t.due_at),
                        overdue: t.overdue,
                    })
                    .collect()
            }),
            history: o.history.iter().map(|h| event(h.on, &h.what)).collect(),
            may_open_case: o.may_open_case,
            may_record_incident: o.may_record_incident,
        }
    }
}

/// A child's cases, incidents, referrals, open tasks and dated history, as far as the
/// caller's role and scope allow; the read is audited (`child.read_overview`).
#[utoipa::path(get, path = "/api/v1/children/{id}/overview", tag = "children", security(("token" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ChildOverviewDto), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn child_overview(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChildOverviewDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    Ok(Json(app.child_overview(&a, id).await?.into()))
}
