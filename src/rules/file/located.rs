//! Pass 3 of reading the rules file: the document walked again, each rule's `params` read
//! into its check's typed parameters, and the problems found in pass 2 raised on the value they
//! concern, so that serde_yaml attaches the line and column of that value to every error.

use crate::rules::checks::{Check, CheckKind};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What pass 2 learnt of one rule: its check, and the problem to raise on one of its keys.
pub(super) struct Plan {
    /// The rule's check.
    pub(super) check: CheckKind,
    /// The key whose value is wrong, and what is wrong.
    pub(super) problem: Option<(&'static str, String)>,
}

/// Reads the whole document, giving each rule's check (`None` when it has no `params`).
pub(super) struct FileSeed<'a> {
    /// One per rule, in order.
    pub(super) plans: &'a [Plan],
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping with a `rules` list")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut checks = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "rules" {
                checks = map.next_value_seed(RulesSeed { plans: self.plans })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(checks)
    }
}

struct RulesSeed<'a> {
    plans: &'a [Plan],
}

impl<'de> DeserializeSeed<'de> for RulesSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RulesSeed<'_> {
    type Value = Vec<Option<Check>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rules")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut checks = Vec::with_capacity(self.plans.len());
        for plan in self.plans {
            match seq.next_element_seed(RuleSeed { plan })? {
                Some(check) => checks.push(check),
                None => break,
            }
        }
        Ok(checks)
    }
}

struct RuleSeed<'a> {
    plan: &'a Plan,
}

impl<'de> DeserializeSeed<'de> for RuleSeed<'_> {
    type Value = Option<Check>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RuleSeed<'_> {
    type Value = Option<Check>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a rule")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut check = None;
        while let Some(key) = map.next_key::<String>()? {
            match &self.plan.problem {
                Some((field, message)) if *field == key => {
                    map.next_value_seed(Fail(message))?;
                }
                _ if key == "params" => {
                    check = map.next_value_seed(ParamsSeed(self.plan.check))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(check)
    }
}

/// Fails on the value it is given, so the error carries that value's location.
struct Fail<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for Fail<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Fail<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(self.0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(self.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(self.0))
    }
}

/// Deserializes `params` into the parameters of a known check (`null` means the defaults).
struct ParamsSeed(CheckKind);

impl<'de> DeserializeSeed<'de> for ParamsSeed {
    type Value = Option<Check>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Check::deserialize_params(self.0, d).map(Some)
    }
}
