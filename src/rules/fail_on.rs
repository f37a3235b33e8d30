//! Which rules' violations fail the step: the `fail-on-violation` setting parsed
//! ([`FailOn::from_text`]) and checked against the rules once they are loaded.

use super::RuleSet;

/// Which rules' violations fail the step: the `fail-on-violation` input. Rules with
/// `severity: error` fail the step whatever this says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FailOn {
    /// None (the input is empty, or `none`).
    #[default]
    Nothing,
    /// Every rule (`all`).
    All,
    /// The rules named (a comma- or newline-separated list).
    Rules(Vec<String>),
}

/// `fail-on-violation` names a rule the rule set does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fail-on-violation names unknown rule `{name}`")]
pub struct UnknownRule {
    /// The name given.
    pub name: String,
    /// The rules that exist.
    pub known: Vec<String>,
}

impl UnknownRule {
    /// The `help:` line.
    pub fn help(&self) -> String {
        format!(
            "use `all`, `none` or rule names from the rules file: {}",
            self.known.join(", ")
        )
    }
}

fn is_one_of(word: &str, words: &[&str]) -> bool {
    words.iter().any(|w| word.eq_ignore_ascii_case(w))
}

impl FailOn {
    /// Parses the input: empty or `none`, `all`, or rule names separated by commas or newlines,
    /// each of which must be a rule of `rules` (enabled or not).
    pub fn parse(input: &str, rules: &RuleSet) -> Result<FailOn, UnknownRule> {
        let fail_on = FailOn::from_text(input);
        fail_on.check(rules)?;
        Ok(fail_on)
    }

    /// Parses the input without the rules: `none`/`false`, `all`/`true`, or rule names (each
    /// once, in order).
    pub fn from_text(input: &str) -> FailOn {
        let names: Vec<&str> = input
            .split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        match names.as_slice() {
            [] => FailOn::Nothing,
            // `false` / `true` too: the input reads like a switch, and the action's default
            // used to be "false".
            [one] if is_one_of(one, &["none", "false", "no", "off", "0"]) => FailOn::Nothing,
            [one] if is_one_of(one, &["all", "true", "yes", "on", "1"]) => FailOn::All,
            _ => {
                let mut out: Vec<String> = Vec::new();
                for name in names {
                    if !out.iter().any(|n| n == name) {
                        out.push(name.to_string());
                    }
                }
                FailOn::Rules(out)
            }
        }
    }

    /// Every name must be a rule of `rules` (enabled or not).
    pub fn check(&self, rules: &RuleSet) -> Result<(), UnknownRule> {
        if let FailOn::Rules(names) = self {
            if let Some(name) = names.iter().find(|n| rules.get(n).is_none()) {
                return Err(UnknownRule {
                    name: name.clone(),
                    known: rules.rules().iter().map(|r| r.name.clone()).collect(),
                });
            }
        }
        Ok(())
    }

    /// True when a violation of `rule` fails the step.
    pub fn names(&self, rule: &str) -> bool {
        match self {
            FailOn::Nothing => false,
            FailOn::All => true,
            FailOn::Rules(names) => names.iter().any(|n| n == rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_parses_all_none_and_names() {
        let rules = RuleSet::defaults();
        assert_eq!(FailOn::parse("", &rules), Ok(FailOn::Nothing));
        assert_eq!(FailOn::parse(" none ", &rules), Ok(FailOn::Nothing));
        assert_eq!(FailOn::parse("ALL", &rules), Ok(FailOn::All));
        assert_eq!(FailOn::parse("false", &rules), Ok(FailOn::Nothing));
        assert_eq!(FailOn::parse(" True", &rules), Ok(FailOn::All));
        assert_eq!(
            FailOn::parse("pr-size, branching.mdc\npr-size", &rules),
            Ok(FailOn::Rules(vec![
                "pr-size".into(),
                "branching.mdc".into()
            ]))
        );
        let err = FailOn::parse("pr-size,nope", &rules).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fail-on-violation names unknown rule `nope`"
        );
        assert!(err.help().contains("branching.mdc, conventional-commits"));
    }
}
