//! Runs generated Cedar in the real engine (`cedar-policy`), through the
//! documented request mapping and response reading, so that tests compare
//! exactly what an integrator would get with `decide`.

use agentpol::backend::cedar::{interpret, to_cedar_request, CedarDecision};
use agentpol::backend::{generate, Input, Target};
use agentpol::model::Model;
use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, PolicySet, Request, Schema, ValidationMode, Validator,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// A generated Cedar target, parsed and strictly validated.
pub struct Built {
    pub model: Model,
    pub files: BTreeMap<String, String>,
    pub schema: Schema,
    pub all: PolicySet,
    pub slices: BTreeMap<String, PolicySet>,
    pub entities: Entities,
}

/// Compiles policy text, generates the Cedar target and loads every
/// artifact into cedar-policy; fails the test on any parse or strict
/// validation error.
pub fn build(files: &[(&str, &str)]) -> Built {
    let (sources, compiled) = crate::common::compile_ok(files);
    let out = generate(
        Target::Cedar,
        &Input {
            model: &compiled.model,
            sources: &sources,
            set_name: "test",
        },
    );
    assert!(
        out.diagnostics.is_empty(),
        "unexpected diagnostics: {:?}",
        out.diagnostics
    );
    let files: BTreeMap<String, String> = out
        .artifacts
        .iter()
        .map(|a| {
            (
                a.path.clone(),
                String::from_utf8(a.contents.clone()).unwrap(),
            )
        })
        .collect();
    load(compiled.model, files)
}

pub fn load(model: Model, files: BTreeMap<String, String>) -> Built {
    let schema = Schema::from_json_str(&files["schema.cedarschema.json"])
        .unwrap_or_else(|e| panic!("schema does not parse: {e:?}"));
    let validator = Validator::new(schema.clone());
    let parse = |name: &str, text: &str| -> PolicySet {
        let set = PolicySet::from_str(text)
            .unwrap_or_else(|e| panic!("{name} does not parse: {e:?}\n{text}"));
        let result = validator.validate(&set, ValidationMode::Strict);
        let errors: Vec<String> = result
            .validation_errors()
            .map(|e| format!("{e:?}"))
            .collect();
        assert!(
            errors.is_empty(),
            "{name} fails strict validation:\n{}\n{text}",
            errors.join("\n")
        );
        set
    };
    let all = parse("policies.cedar", &files["policies.cedar"]);
    let mut slices = BTreeMap::new();
    for (path, text) in &files {
        if let Some(agent) = path
            .strip_prefix("agents/")
            .and_then(|p| p.strip_suffix(".cedar"))
        {
            slices.insert(agent.to_string(), parse(path, text));
        }
    }
    let entities = Entities::from_json_str(&files["entities.json"], Some(&schema))
        .unwrap_or_else(|e| panic!("entities do not parse: {e:?}"));
    Built {
        model,
        files,
        schema,
        all,
        slices,
        entities,
    }
}

/// Cedar's answer to one request, and whether evaluation reported errors.
pub struct Answer {
    pub decision: CedarDecision,
    pub errors: Vec<String>,
    /// Why the request never reached the engine, if it did not.
    pub rejected: Option<String>,
}

fn deny(why: String) -> Answer {
    Answer {
        decision: interpret(false, false, &[]),
        errors: Vec::new(),
        rejected: Some(why),
    }
}

/// Asks Cedar, the way `docs/cedar.md` tells an agent runtime to: map the
/// request, validate it against the schema, authorize against the whole
/// policy set or the agent's slice, read the tri-state from annotations.
pub fn ask(b: &Built, request: &Value, sliced: bool) -> Answer {
    let parts = match to_cedar_request(&b.model, request) {
        Ok(p) => p,
        Err(e) => return deny(format!("mapping: {e}")),
    };
    let uid = |v: &Value| EntityUid::from_json(v.clone()).unwrap();
    let (principal, action, resource) = (
        uid(&parts.principal),
        uid(&parts.action),
        uid(&parts.resource),
    );
    let context = match Context::from_json_value(parts.context.clone(), Some((&b.schema, &action)))
    {
        Ok(c) => c,
        Err(e) => return deny(format!("context: {e}")),
    };
    let req = match Request::new(principal, action, resource, context, Some(&b.schema)) {
        Ok(r) => r,
        Err(e) => return deny(format!("request: {e}")),
    };
    let empty = PolicySet::new();
    let set = if sliced {
        let agent = parts.principal["id"].as_str().unwrap();
        b.slices.get(agent).unwrap_or(&empty)
    } else {
        &b.all
    };
    let response = Authorizer::new().is_authorized(&req, set, &b.entities);
    let errors: Vec<String> = response
        .diagnostics()
        .errors()
        .map(|e| e.to_string())
        .collect();
    let determining: Vec<BTreeMap<String, String>> = response
        .diagnostics()
        .reason()
        .map(|id| {
            set.policy(id)
                .unwrap()
                .annotations()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect();
    let allowed = response.decision() == cedar_policy::Decision::Allow;
    Answer {
        decision: interpret(allowed, !errors.is_empty(), &determining),
        errors,
        rejected: None,
    }
}
