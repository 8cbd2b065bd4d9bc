//! The SMT layer: encoding, decoding, links, maximisation and caching.

use agentpol::analysis::smt::{Answer, IntArg, Limits, Link, Query, Slot, Smt};
use agentpol::model::{Cond, Model};

const TOOLS: &str = r#"
tool mail.write { arg mailbox: string arg body: string effects [write] output trusted internal }
tool mail.read { arg mailbox: string arg limit?: int effects [read] output untrusted internal }
tool pay.charge { arg amount: money(USD) arg vendor: string effects [spend] spends amount output trusted internal }
tool t.misc {
  arg urgent?: bool
  arg tags?: list<string>
  arg prio: enum["low", "mid", "high"]
  arg n?: int
  effects [read]
  output trusted public
}
agent w {
  allow mail.write where mailbox like "IN*"
  allow mail.read where mailbox like "*BOX"
  allow pay.charge where amount <= USD 50.00 and vendor != "evil"
  allow t.misc where not urgent and tags all ["a", "b"] and prio in ["mid", "high"] and prio != "high"
}
"#;

fn model() -> Model {
    let (sources, c) = agentpol::compile_str(&[("t.agentpol", TOOLS)]);
    assert!(
        !c.has_errors(),
        "{}",
        agentpol::diagnostics::render::human::render(&sources, &c.diagnostics)
    );
    c.model
}

fn grant(m: &Model, tool: &str) -> Cond {
    m.agents["w"]
        .grants
        .iter()
        .find(|g| g.tool == tool)
        .map(|g| g.condition.clone())
        .unwrap()
}

fn smt() -> Smt {
    Smt::new(Limits::default())
}

#[test]
fn glob_prefix_and_suffix_overlap_is_found_through_a_link() {
    let m = model();
    let q = Query {
        slots: vec![
            Slot {
                tool: &m.tools["mail.write"],
                cond: grant(&m, "mail.write"),
            },
            Slot {
                tool: &m.tools["mail.read"],
                cond: grant(&m, "mail.read"),
            },
        ],
        links: vec![Link {
            left: (0, "mailbox".into()),
            right: (1, "mailbox".into()),
        }],
    };
    let Answer::Sat(a) = smt().check(&q) else {
        panic!("expected sat")
    };
    assert_eq!(a[0].args["mailbox"], "INBOX");
    assert_eq!(a[1].args["mailbox"], "INBOX");
}

#[test]
fn disjoint_prefixes_are_unsat() {
    let m = model();
    let t = &m.tools["mail.read"];
    let like = |p: &str| {
        Cond::Atom(agentpol::model::Atom::StrLike {
            operand: agentpol::model::StrOperand::Arg("mailbox".into()),
            pattern: p.into(),
        })
    };
    let q = Query::one(t, Cond::and(vec![like("#a*"), like("#b*")]));
    assert_eq!(smt().check(&q), Answer::Unsat);
}

#[test]
fn absent_optional_arguments_make_atoms_false() {
    let m = model();
    let cond = grant(&m, "t.misc");
    let Answer::Sat(a) = smt().check(&Query::one(&m.tools["t.misc"], cond.clone())) else {
        panic!("expected sat")
    };
    // `not urgent` holds with urgent absent or false; `tags all [..]` needs tags present
    assert!(a[0].args.get("urgent") != Some(&serde_json::json!(true)));
    let tags = a[0].args["tags"].as_array().unwrap();
    assert!(tags.iter().all(|t| t == "a" || t == "b"));
    assert_eq!(a[0].args["prio"], "mid");
    let env = agentpol::model::cond::Env {
        args: &a[0].args,
        justification: a[0].justification.as_deref(),
    };
    assert!(cond.eval(&env));
}

#[test]
fn maximize_finds_the_per_call_cap() {
    let m = model();
    let mut s = smt();
    let Answer::Sat(a) = s.maximize(
        &m.tools["pay.charge"],
        &grant(&m, "pay.charge"),
        &IntArg::MoneyMinor("amount".into()),
    ) else {
        panic!("expected sat")
    };
    assert_eq!(a[0].args["amount"]["minor"], 5000);
    assert_ne!(a[0].args["vendor"], "evil");
}

#[test]
fn unbounded_maximum_is_the_type_bound() {
    let m = model();
    let Answer::Sat(a) = smt().maximize(&m.tools["t.misc"], &Cond::True, &IntArg::Int("n".into()))
    else {
        panic!("expected sat")
    };
    assert_eq!(a[0].args["n"], i64::MAX);
}

#[test]
fn repeated_queries_hit_the_cache_and_candidates() {
    let m = model();
    let mut s = smt();
    let q = Query::one(&m.tools["mail.read"], grant(&m, "mail.read"));
    let first = s.check(&q);
    assert!(first.is_sat());
    assert_eq!(s.check(&q), first);
    assert_eq!(s.stats.cache_hits, 1);
    // a weaker condition is answered by the earlier witness
    let weaker = Query::one(
        &m.tools["mail.read"],
        Cond::not(Cond::Atom(agentpol::model::Atom::StrEq {
            operand: agentpol::model::StrOperand::Arg("mailbox".into()),
            value: "zzz".into(),
        })),
    );
    assert!(s.check(&weaker).is_sat());
    assert!(s.stats.candidate_hits >= 1);
}

#[test]
fn strings_with_backslashes_and_unicode_round_trip() {
    let m = model();
    let v = "a\\u{41}b\u{e9}\u{1F600}\"";
    let cond = Cond::Atom(agentpol::model::Atom::StrLike {
        operand: agentpol::model::StrOperand::Arg("mailbox".into()),
        pattern: format!("{v}*"),
    });
    let Answer::Sat(a) = smt().check(&Query::one(&m.tools["mail.read"], cond)) else {
        panic!("expected sat")
    };
    assert_eq!(a[0].args["mailbox"], v);
}
