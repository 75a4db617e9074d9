//! The forms of the register section of a child's page.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use treem_app::register::Dated;
use treem_app::register::ProfileInput;
use treem_app::App;

use super::{CsrfForm, PageContext, PageError};
use crate::session::SignedIn;

super::form::with_csrf!(RegisterForm);

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    began_on: String,
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    factors: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    given_by: String,
    #[serde(default)]
    given_on: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    disability: String,
    #[serde(default)]
    school_status: String,
    #[serde(default)]
    health_insurance: String,
    #[serde(default)]
    birth_registered_on: String,
    #[serde(default)]
    household_code: String,
    #[serde(default)]
    household_head: String,
    #[serde(default)]
    poverty_year: String,
    #[serde(default)]
    poverty_status: String,
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/children/{id}#register")).into_response()
}

pub async fn add_circumstance(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    app.register.add_circumstance(&s.actor, id, &f.group, &f.began_on, &f.ended_on).await.map_err(|e| ctx.error(e))?;
    Ok(back(id))
}

pub async fn end_circumstance(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path((id, row)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    app.register.end(&s.actor, id, Dated::Circumstance, row, &f.ended_on).await.map_err(|e| ctx.error(e))?;
    Ok(back(id))
}

pub async fn add_risk(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    app.register.add_risk(&s.actor, id, &f.factors, &f.began_on).await.map_err(|e| ctx.error(e))?;
    Ok(back(id))
}

pub async fn add_caregiver(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    app.register
        .add_caregiver(&s.actor, id, &f.name, &f.relation, f.legal_representative == "1", &f.phone)
        .await
        .map_err(|e| ctx.error(e))?;
    Ok(back(id))
}

pub async fn add_consent(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    app.register.add_consent(&s.actor, id, &f.kind, &f.given_by, &f.given_on, &f.scope).await.map_err(|e| ctx.error(e))?;
    Ok(back(id))
}

pub async fn withdraw_consent(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path((id, consent)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    app.register.withdraw_consent(&s.actor, id, consent).await.map_err(|e| ctx.error(e))?;
    Ok(back(id))
}

pub async fn set_profile(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RegisterForm>,
) -> Result<Response, PageError> {
    let input = ProfileInput {
        disability: f.disability == "1",
        school_status: f.school_status,
        health_insurance: f.health_insurance,
        birth_registered_on: f.birth_registered_on,
        household_code: f.household_code,
        household_head: f.household_head,
        poverty_year: f.poverty_year,
        poverty_status: f.poverty_status,
    };
    app.register.set_profile(&s.actor, id, &input).await.map_err(|e| ctx.error(e))?;
    Ok(back(id))
}
