//! Generated incidents from 2012 to today, with trends and seasons.

use crate::{Communes, Rng, Scale};
use time::{Date, Month};
use treem_domain::incident::{
    AbuseForm, IncidentFields, IncidentKind, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting, SexualSubtype,
};

/// Incidents a year at province scale in 2012, and their yearly trend.
const SEXUAL_2012: f64 = 62.0;

const OTHER_ABUSE_2012: f64 = 48.0;

const CONFLICT_2012: f64 = 150.0;

const DROWNING_2012: f64 = 85.0;

const TRAFFIC_2012: f64 = 110.0;

const OTHER_ACCIDENT_2012: f64 = 45.0;

/// Drowning by month: the flood season (mùa nước nổi) from August to November.
const DROWNING_MONTHS: [u32; 12] = [3, 3, 3, 4, 6, 7, 9, 14, 16, 15, 12, 5];

pub(crate) const FLAT_MONTHS: [u32; 12] = [8, 7, 8, 8, 9, 9, 9, 9, 8, 8, 8, 9];

pub(crate) fn day_in(year: i32, months: &[u32; 12], today: Date, rng: &mut Rng) -> Option<Date> {
    let month = Month::try_from(1 + rng.weighted(months) as u8).ok()?;
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let last = first.replace_day(time::util::days_in_month(month, year)).ok()?;
    let d = rng.day_between(first, last);
    (d <= today).then_some(d)
}

/// Incidents from 2012 to `today`.
pub fn incidents(scale: Scale, communes: &Communes, today: Date, rng: &mut Rng) -> Vec<IncidentFields> {
    let factor = scale.incident_factor() as f64;
    let mut out = Vec::new();
    for y in 2012..=today.year() {
        let t = y - 2012;
        let yearly = |base: f64, trend: f64, rng: &mut Rng| -> u64 {
            let noise = 0.9 + 0.2 * rng.unit();
            (base * factor * trend.powi(t) * noise).round() as u64
        };
        let blank = |kind, day: Date, unit| IncidentFields {
            kind,
            occurred_on: day,
            unit,
            abuse_form: None,
            sexual_subtype: None,
            setting: None,
            relation: None,
            offence: None,
            justice_stage: None,
            justice_measure: None,
            injury: None,
            fatal: false,
            notes: None,
            children: Vec::new(),
            case_id: None,
        };
        let plan: [(u64, u8); 6] = [
            (yearly(SEXUAL_2012, 0.94, rng), 0),
            (yearly(OTHER_ABUSE_2012, 0.97, rng), 1),
            (yearly(CONFLICT_2012, 0.97, rng), 2),
            (yearly(DROWNING_2012, 0.95, rng), 3),
            (yearly(TRAFFIC_2012, 0.99, rng), 4),
            (yearly(OTHER_ACCIDENT_2012, 1.0, rng), 5),
        ];
        for (n, what) in plan {
            for _ in 0..n {
                let months = if what == 3 { &DROWNING_MONTHS } else { &FLAT_MONTHS };
                let Some(day) = day_in(y, months, today, rng) else { continue };
                let unit = communes.on(day, rng);
                let f = match what {
                    0 | 1 => {
                        let mut f = blank(IncidentKind::Abuse, day, unit);
                        f.abuse_form = Some(if what == 0 {
                            AbuseForm::SexualAbuse
                        } else {
                            *rng.pick_weighted(
                                &[
                                    AbuseForm::Violence,
                                    AbuseForm::Exploitation,
                                    AbuseForm::Trafficking,
                                    AbuseForm::Neglect,
                                    AbuseForm::Other,
                                ],
                                &[60, 10, 3, 17, 10],
                            )
                        });
                        if what == 0 {
                            f.sexual_subtype = Some(*rng.pick_weighted(
                                &[
                                    SexualSubtype::Rape,
                                    SexualSubtype::CoercedSex,
                                    SexualSubtype::Intercourse,
                                    SexualSubtype::Molestation,
                                    SexualSubtype::ProstitutionOrPornography,
                                ],
                                &[20, 4, 45, 29, 2],
                            ));
                        }
                        f.setting = Some(
                            *rng.pick_weighted(&[Setting::Family, Setting::School, Setting::Community, Setting::Online], &[40, 10, 44, 6]),
                        );
                        f.relation = Some(*rng.pick_weighted(
                            &[
                                Relation::Parent,
                                Relation::StepParent,
                                Relation::Relative,
                                Relation::Teacher,
                                Relation::Acquaintance,
                                Relation::Stranger,
                                Relation::OtherChild,
                                Relation::Unknown,
                            ],
                            &[4, 8, 15, 3, 42, 18, 4, 6],
                        ));
                        f
                    }
                    2 => {
                        let mut f = blank(IncidentKind::ConflictWithLaw, day, unit);
                        f.justice_stage =
                            Some(*rng.pick_weighted(&[JusticeStage::Police, JusticeStage::Procuracy, JusticeStage::Court], &[70, 10, 20]));
                        f.justice_measure = Some(*rng.pick_weighted(
                            &[
                                JusticeMeasure::Diversion,
                                JusticeMeasure::EducationAtCommune,
                                JusticeMeasure::ReformSchool,
                                JusticeMeasure::Pending,
                            ],
                            &[40, 35, 5, 20],
                        ));
                        f
                    }
                    _ => {
                        let mut f = blank(IncidentKind::Accident, day, unit);
                        let injury = match what {
                            3 => InjuryKind::Drowning,
                            4 => InjuryKind::Traffic,
                            _ => *rng.pick_weighted(&[InjuryKind::Burn, InjuryKind::Fall, InjuryKind::Other], &[30, 40, 30]),
                        };
                        f.injury = Some(injury);
                        f.fatal = rng.below(100)
                            < match injury {
                                InjuryKind::Drowning => 70,
                                InjuryKind::Traffic => 12,
                                _ => 3,
                            };
                        f
                    }
                };
                out.push(f);
            }
        }
    }
    out.sort_by_key(|f| f.occurred_on);
    out
}
