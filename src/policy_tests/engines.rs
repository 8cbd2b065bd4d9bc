//! The generated Rego run in the embedded Rego engine (regorus) and the
//! generated Cedar in the embedded Cedar engine (cedar-policy), each loaded
//! from the artifacts `agentpol build` writes, and asked the way the
//! integration guides tell a runtime to (`rego/README.md`, `docs/cedar.md`).

use super::{Answer, Engine};
use crate::backend::cedar::{interpret, to_cedar_request};
use crate::model::eval::RequiredApproval;
use crate::model::{Model, Outcome};
use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request, Schema};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Artifacts of one target, by relative path (`policy.rego`, `agents/a.cedar`).
pub type Files = BTreeMap<String, String>;

fn file<'a>(files: &'a Files, path: &str) -> Result<&'a str, String> {
    files
        .get(path)
        .map(String::as_str)
        .ok_or_else(|| format!("the build has no `{path}`"))
}

/// `policy.rego` and `data.json` in regorus.
pub struct Rego {
    engine: regorus::Engine,
}

impl Rego {
    pub fn load(files: &Files) -> Result<Rego, String> {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("policy.rego".into(), file(files, "policy.rego")?.into())
            .map_err(|e| format!("`policy.rego` does not load: {e}"))?;
        engine
            .add_data_json(file(files, "data.json")?)
            .map_err(|e| format!("`data.json` does not load: {e}"))?;
        Ok(Rego { engine })
    }
}

/// The decision document `data.agentpol.decision` (see the Rego README).
#[derive(Deserialize)]
struct RegoDecision {
    decision: String,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(default)]
    approvals: Vec<RegoApproval>,
    #[serde(default)]
    log: Vec<String>,
    #[serde(default)]
    tamper_evident: bool,
}

#[derive(Deserialize)]
struct RegoApproval {
    rule: String,
    group: String,
    count: u32,
    #[serde(default)]
    reason: Option<String>,
}

fn outcome(s: &str) -> Result<Outcome, String> {
    match s {
        "allow" => Ok(Outcome::Allow),
        "deny" => Ok(Outcome::Deny),
        "approval_required" => Ok(Outcome::ApprovalRequired),
        other => Err(format!("unknown decision `{}`", other.escape_debug())),
    }
}

impl Engine for Rego {
    fn name(&self) -> &'static str {
        "rego"
    }

    fn answer(&mut self, _model: &Model, request: &Value) -> Result<Answer, String> {
        let input =
            regorus::Value::from_json_str(&request.to_string()).map_err(|e| e.to_string())?;
        self.engine.set_input(input);
        let out = self
            .engine
            .eval_rule(crate::backend::rego::QUERY.into())
            .map_err(|e| format!("`{}` does not evaluate: {e}", crate::backend::rego::QUERY))?;
        let text = out.to_json_str().map_err(|e| e.to_string())?;
        let d: RegoDecision = serde_json::from_str(&text)
            .map_err(|e| format!("the decision document is malformed ({e}): {text}"))?;
        let approvals: Vec<RequiredApproval> = d
            .approvals
            .into_iter()
            .map(|a| RequiredApproval {
                rule: a.rule,
                group: a.group,
                count: a.count,
                reason: a.reason,
            })
            .collect();
        Ok(Answer {
            decision: outcome(&d.decision)?,
            approvals,
            audit: Some((d.log, d.tamper_evident)),
            rules: Some(d.rules),
            reasons: d.reasons,
        })
    }
}

/// The schema, every agent's policy slice and the entities in cedar-policy.
pub struct Cedar {
    schema: Schema,
    slices: BTreeMap<String, PolicySet>,
    entities: Entities,
}

impl Cedar {
    pub fn load(files: &Files) -> Result<Cedar, String> {
        let schema = Schema::from_json_str(file(files, "schema.cedarschema.json")?)
            .map_err(|e| format!("`schema.cedarschema.json` does not load: {e}"))?;
        let mut slices = BTreeMap::new();
        for (path, text) in files {
            if let Some(agent) = path
                .strip_prefix("agents/")
                .and_then(|p| p.strip_suffix(".cedar"))
            {
                let set = PolicySet::from_str(text)
                    .map_err(|e| format!("`{path}` does not parse: {e}"))?;
                slices.insert(agent.to_string(), set);
            }
        }
        let entities = Entities::from_json_str(file(files, "entities.json")?, Some(&schema))
            .map_err(|e| format!("`entities.json` does not load: {e}"))?;
        Ok(Cedar {
            schema,
            slices,
            entities,
        })
    }
}

impl Engine for Cedar {
    fn name(&self) -> &'static str {
        "cedar"
    }

    /// As `docs/cedar.md` says: map the request, validate it against the
    /// schema, authorize against the agent's slice, read the tri-state from
    /// the determining policies' annotations. A request the mapping or the
    /// schema rejects is a deny, as it is for a runtime.
    fn answer(&mut self, model: &Model, request: &Value) -> Result<Answer, String> {
        let denied = |why: String| Answer {
            decision: Outcome::Deny,
            approvals: Vec::new(),
            audit: None,
            rules: None,
            reasons: vec![why],
        };
        let parts = match to_cedar_request(model, request) {
            Ok(p) => p,
            Err(e) => return Ok(denied(format!("not mapped: {e}"))),
        };
        let uid = |v: &Value| EntityUid::from_json(v.clone()).map_err(|e| e.to_string());
        let (principal, action, resource) = (
            uid(&parts.principal)?,
            uid(&parts.action)?,
            uid(&parts.resource)?,
        );
        let context =
            match Context::from_json_value(parts.context.clone(), Some((&self.schema, &action))) {
                Ok(c) => c,
                Err(e) => return Ok(denied(format!("context rejected: {e}"))),
            };
        let req = match Request::new(principal, action, resource, context, Some(&self.schema)) {
            Ok(r) => r,
            Err(e) => return Ok(denied(format!("request rejected: {e}"))),
        };
        let agent = parts
            .principal
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let empty = PolicySet::new();
        let set = self.slices.get(agent).unwrap_or(&empty);
        let response = Authorizer::new().is_authorized(&req, set, &self.entities);
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(|e| e.to_string())
            .collect();
        let determining: Vec<BTreeMap<String, String>> = response
            .diagnostics()
            .reason()
            .filter_map(|id| set.policy(id))
            .map(|p| {
                p.annotations()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .collect();
        let allowed = response.decision() == cedar_policy::Decision::Allow;
        let d = interpret(allowed, !errors.is_empty(), &determining);
        let audit = (d.decision != Outcome::Deny).then(|| (d.log.clone(), d.tamper_evident));
        Ok(Answer {
            decision: d.decision,
            approvals: d.approvals,
            audit,
            rules: None,
            reasons: errors,
        })
    }
}
