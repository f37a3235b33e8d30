//! `deployment_tested`: a successful production deployment's sha had passing test runs.

use super::{list, CheckSpec, Verdict};
use crate::rows::deployment_events::DeploymentStatus;
use crate::rules::{DeploymentContext, RuleContext};
use crate::rows::rule_compliance_events::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `deployment_tested`: a successful production deployment's sha had passing test runs.
///
/// A test type passes when at least one of its runs ran tests with none failed or errored (a
/// rerun that passed counts). The sha is tested when every type in `required_test_types` passes
/// (any type, when the list is empty) and no type has only failing runs. A production deployment
/// with no test run recorded for its sha is a violation: shipping untested code is what the rule
/// exists to catch (a team that does not record test runs should disable it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeploymentTested {
    /// Test types that must each have passed, e.g. `[unit, e2e]`.
    pub required_test_types: Vec<String>,
}

/// Judges a deployment.
pub fn deployment_tested(p: &DeploymentTested, d: &DeploymentContext) -> Verdict {
    let short: String = d.sha.chars().take(12).collect();
    if !d.is_production {
        return Verdict::not_applicable(
            format!("`{}` is not a production environment", d.environment),
            json!({ "environment": d.environment }),
        );
    }
    match d.status {
        DeploymentStatus::Success => {}
        DeploymentStatus::Failure | DeploymentStatus::Error | DeploymentStatus::Cancelled => {
            return Verdict::not_applicable(
                "the deployment did not succeed",
                json!({ "status": d.status }),
            )
        }
        _ => {
            return Verdict::not_applicable(
                "the deployment has not finished",
                json!({ "status": d.status }),
            )
        }
    }
    let Some(runs) = &d.test_runs else {
        return Verdict::not_applicable(
            format!("the test runs of {short} were not looked up"),
            json!({ "sha": d.sha }),
        );
    };
    let evidence = json!({ "sha": d.sha, "test_runs": runs });
    if runs.is_empty() {
        return Verdict::violation(format!("no test run recorded for {short}"), evidence);
    }
    let mut types: Vec<&str> = runs.iter().map(|r| r.test_type.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let passes = |t: &str| runs.iter().any(|r| r.test_type == t && r.passed());
    let failing: Vec<&str> = types.iter().copied().filter(|t| !passes(t)).collect();
    if !failing.is_empty() {
        return Verdict::violation(
            format!(
                "{short} deployed to production with failing or empty test runs: {}",
                list(failing.iter().copied())
            ),
            evidence,
        );
    }
    let missing: Vec<&str> = p
        .required_test_types
        .iter()
        .map(String::as_str)
        .filter(|t| !types.contains(t))
        .collect();
    if !missing.is_empty() {
        return Verdict::violation(
            format!(
                "{short} deployed to production without {} tests",
                list(missing.iter().copied())
            ),
            evidence,
        );
    }
    Verdict::compliant(
        format!("{short} passed {} tests", list(types.iter().copied())),
        evidence,
    )
}

impl CheckSpec for DeploymentTested {
    const TARGETS: &'static [ContextType] = &[ContextType::Deployment];

    fn judge(&self, context: &RuleContext) -> Option<Verdict> {
        match context {
            RuleContext::Deployment(d) => Some(deployment_tested(self, d)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::rule_compliance_events::ComplianceStatus;
    use chrono::{TimeZone, Utc};

    #[test]
    fn tested_deployment_counts_reruns_and_rejects_empty_runs() {
        let run = |t: &str, total, failed| crate::rules::TestRunSummary {
            test_type: t.into(),
            total,
            failed,
            errored: 0,
        };
        let mut d = DeploymentContext {
            deployment_id: 1,
            sha: "0123456789abcdef".into(),
            environment: "production".into(),
            is_production: true,
            status: DeploymentStatus::Success,
            timestamp: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            test_runs: Some(vec![run("unit", 10, 2), run("unit", 10, 0)]),
        };
        let p = DeploymentTested::default();
        assert_eq!(
            deployment_tested(&p, &d).status,
            ComplianceStatus::Compliant
        );
        d.test_runs = Some(vec![run("unit", 0, 0)]);
        assert_eq!(
            deployment_tested(&p, &d).details,
            "0123456789ab deployed to production with failing or empty test runs: `unit`"
        );
        d.test_runs = None;
        assert_eq!(
            deployment_tested(&p, &d).status,
            ComplianceStatus::NotApplicable
        );
        d.status = DeploymentStatus::InProgress;
        assert_eq!(
            deployment_tested(&p, &d).details,
            "the deployment has not finished"
        );
    }
}
