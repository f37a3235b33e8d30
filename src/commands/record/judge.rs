//! `record`'s rules step: the team's rules judged on the event, with what the approval and
//! tested-deployment rules must look up first; settled verdicts become rows.

use super::lookups::LookupSources;
use crate::commands::rules_source::EventRules;
use crate::error::Error;
use crate::github_api::split_repository;
use crate::output::summary::RecordReport;
use crate::output::{self, Output};
use crate::rows::deployment_events::DeploymentStatus;
use crate::rows::rule_compliance_events::ContextType;
use crate::rows::{Batch, RecordContext, Table};
use crate::rules::{self, CheckKind, PrState, RuleContext, TestRunSummary};
use crate::settings::Settings;
use crate::sinks::{Query, Sink};
/// Evaluates the rules on `context`: settled verdicts become rows; every verdict is shown.
/// Returns how many violations fail the step.
#[allow(clippy::too_many_arguments)]
pub(super) async fn judge_rules(
    config: &Settings,
    EventRules {
        ruleset,
        recordable,
    }: EventRules,
    mut context: RuleContext,
    ctx: &RecordContext,
    LookupSources { sink, github }: LookupSources<'_>,
    out: &Output,
    batch: &mut Batch,
    report: &mut RecordReport,
) -> Result<usize, Error> {
    let fail_on = config
        .record
        .rules
        .fail_on_violation
        .check(&ruleset)?
        .clone();

    // Checks whose input a lookup failed to give: their verdicts are shown, never recorded (a
    // recorded verdict is final), so a later run with the lookup answering records them.
    let mut unknown: Vec<(CheckKind, String)> = Vec::new();

    // The approval rule needs the reviews of a merged PR.
    if let (RuleContext::PullRequest(pr), Some(api), Some((owner, name))) =
        (&mut context, github, split_repository(&ctx.repository))
    {
        if pr.state == PrState::Merged {
            match api
                .approvers(owner, name, pr.number as u32, Some(&pr.author))
                .await
            {
                Ok(logins) => pr.approvals = Some(logins),
                Err(err) => {
                    out.warning(&format!(
                        "{err}; the approval rule cannot be judged in this run"
                    ));
                    unknown.push((
                        CheckKind::PrApproval,
                        format!("the PR's reviews could not be read ({err})"),
                    ));
                }
            }
        }
    }

    // The tested-deployment rule needs the test runs of the deployed sha.
    if let RuleContext::Deployment(d) = &mut context {
        if d.is_production && d.status == DeploymentStatus::Success {
            let query = Query {
                table: Table::TestRuns,
                equals: vec![
                    ("repository".into(), ctx.repository.clone()),
                    ("sha".into(), d.sha.clone()),
                ],
                newest_first_by: Some("run_timestamp".into()),
                limit: 100,
            };
            match sink.query(&query).await {
                Ok(rows) => {
                    d.test_runs = Some(
                        rows.iter()
                            .map(|r| TestRunSummary {
                                test_type: r["test_type"].as_str().unwrap_or("unit").to_owned(),
                                total: r["total_tests"].as_u64().unwrap_or(0),
                                failed: r["failed_tests"].as_u64().unwrap_or(0),
                                errored: r["errored_tests"].as_u64().unwrap_or(0),
                            })
                            .collect(),
                    )
                }
                Err(err) => {
                    out.warning(&format!(
                        "could not read the test runs of {} ({err}); the deployment-tested rule cannot be judged in this run",
                        d.sha
                    ));
                    unknown.push((
                        CheckKind::DeploymentTested,
                        format!("the test runs of {} could not be read ({err})", d.sha),
                    ));
                }
            }
        }
    }

    let rows = rules::evaluate(&ruleset, &context, ctx);
    let failing = output::rules::failing(&rows, &ruleset, &fail_on).len();
    let mut section = Vec::new();
    if output::rules::write_summary(&mut section, &rows, &ruleset, &fail_on).is_ok() {
        report
            .sections
            .push(String::from_utf8_lossy(&section).into_owned());
    }
    if config.record.rules.annotate_violations && out.in_actions() {
        out.annotate(
            output::rules::violation_annotations(&rows, &ruleset, &fail_on),
            "rule violations",
        );
    } else if config.record.rules.annotate_violations {
        for row in rules::violations(&rows) {
            out.warning(&format!(
                "rule {} ({}): {}",
                row.rule_name,
                row.rule_category,
                row.details.as_deref().unwrap_or("violated")
            ));
        }
    }
    let violations = rules::violations(&rows).count();
    out.info(&format!(
        "rules: {} verdict(s) on {} {}, {violations} violation(s){}",
        rows.len(),
        context_label(&context),
        context.context_id(),
        if !recordable {
            " (shown, not recorded: the rules that judge it could not be read)"
        } else if context.is_settled() {
            ""
        } else {
            " (provisional: recorded once the pull request is closed)"
        }
    ));
    if failing > 0 {
        let message = format!(
            "{failing} rule violation(s) fail this step (fail-on-violation or severity: error)"
        );
        out.error_block(&Error::CheckFailed(message));
    }
    let check_of = |rule_name: &str| {
        ruleset
            .rules()
            .iter()
            .find(|r| r.name == rule_name)
            .map(|r| r.check.kind())
    };
    let mut recorded = Vec::new();
    // Rules that could not be read (a pull request's base branch) leave nothing to record.
    let settled = if recordable {
        rules::settled(&context, rows)
    } else {
        Vec::new()
    };
    for row in settled {
        let withheld = unknown.iter().find(|(kind, _)| {
            row.context_type != ContextType::Commit && check_of(&row.rule_name) == Some(*kind)
        });
        match withheld {
            None => recorded.push(row),
            Some((_, why)) => {
                let text = format!(
                    "rule {} on {} {}: verdict `{}` shown but not recorded: it rests on a failed \
                     lookup ({why}); a later run (re-run the job) records it",
                    row.rule_name,
                    context_label(&context),
                    row.context_id,
                    row.compliance_status.as_str()
                );
                out.notice(&text);
                report.notices.push(text);
            }
        }
    }
    batch.extend(recorded);
    Ok(failing)
}

pub(super) fn context_label(context: &RuleContext) -> &'static str {
    match context {
        RuleContext::PullRequest(_) => "pull request",
        RuleContext::Push(_) => "push",
        RuleContext::Deployment(_) => "deployment",
    }
}
