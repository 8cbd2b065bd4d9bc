# A hand-written data-driven policy for the synthetic benchmark family (see
# synthetic.rs), as an engineer would write it for that one shape of policy:
# grants in data keyed by agent and tool, each a `target` prefix plus a bound
# on `n`, optionally an approval from `leads` when `urgent`. It validates the
# request as strictly as the generated policy and answers the same decision
# document: decision, approvals, rules, reasons, log and tamper_evident.
package handwritten

import rego.v1

default decision := {"decision": "deny", "approvals": [], "rules": [], "reasons": ["undecided"], "log": [], "tamper_evident": false}

decision := refused(["invalid request: the request does not match the documented shape"], [], []) if {
	not valid_request
} else := refused([concat("", ["unknown agent `", input.agent, "`"])], [], []) if {
	not data.handwritten.agents[input.agent]
} else := refused([concat("", ["unknown tool `", input.tool, "`"])], [], []) if {
	not input.tool in data.handwritten.tools
} else := refused(["invalid arguments: the arguments do not match the tool's declaration"], [], audit) if {
	not valid_args
} else := refused([concat("", ["denied by `", deny_id, "`"])], [deny_id], audit) if {
	denied
} else := refused([concat("", ["no grant allows `", input.agent, "` to call `", input.tool, "` with these arguments"])], [], audit) if {
	count(matching) == 0
} else := refused([limit_reason], [limit_id], audit) if {
	limited
} else := {
	"decision": "allow",
	"approvals": [],
	"rules": free,
	"reasons": [concat("", ["allowed by ", concat(", ", [concat("", ["`", id, "`"]) | some id in free])])],
	"log": audit,
	"tamper_evident": false,
} if {
	count(free) > 0
} else := {
	"decision": "approval_required",
	"approvals": [{"rule": id, "group": "leads", "count": 1, "reason": null} | some id in sort(pending)],
	"rules": array.concat([g.id | some g in matching], sort(pending)),
	"reasons": ["needs 1 approval(s) from group `leads`" | some _ in pending],
	"log": audit,
	"tamper_evident": false,
}

refused(reasons, rules, log) := {"decision": "deny", "approvals": [], "rules": rules, "reasons": reasons, "log": log, "tamper_evident": false}

audit := ["prompt", "tool_call"]

grants := data.handwritten.agents[input.agent][input.tool]

args := object.get(input, "args", {})

ctx := object.get(input, "context", {})

matching := [g |
	some g in grants
	startswith(args.target, g.prefix)
	args.n <= g.max_n
]

urgent if args.urgent == true

free := [g.id | some g in matching; not needs_approval(g)]

needs_approval(g) if {
	is_string(g.approval)
	urgent
	count({a.approver | some a in object.get(ctx, "approvals", []); a.group == "leads"}) < 1
}

pending := [g.approval | some g in matching; needs_approval(g)]

deny_id := concat("", [input.agent, "/deny/s.t0/0"])

denied if {
	input.tool == "s.t0"
	args.target == "forbidden"
}

limit_id := concat("", [input.agent, "/limit/s.t1/session"])

limited if {
	input.tool == "s.t1"
	not ctx.calls.session < 100
}

limit_reason := concat("", ["`context.calls.session` is required by `", limit_id, "` and missing"]) if {
	not ctx.calls.session
} else := concat("", ["limit of 100 calls per session reached (`", limit_id, "`)"])

valid_request if {
	is_object(input)
	every k, _ in input {
		k in {"agent", "tool", "args", "context"}
	}
	is_string(input.agent)
	is_string(input.tool)
	is_object(args)
	is_object(ctx)
	every k, _ in ctx {
		k in {"approvals", "justification", "calls", "spent"}
	}
	approvals := object.get(ctx, "approvals", [])
	is_array(approvals)
	every a in approvals {
		is_object(a)
		every k, _ in a {
			k in {"group", "approver"}
		}
		is_string(a.group)
		is_string(a.approver)
	}
	is_string(object.get(ctx, "justification", ""))
	calls := object.get(ctx, "calls", {})
	is_object(calls)
	every v in calls {
		integer(v)
		v >= 0
	}
	spent_valid
}

valid_args if {
	every k, _ in args {
		k in {"target", "n", "urgent", "prio"}
	}
	is_string(args.target)
	integer(args.n)
	is_boolean(object.get(args, "urgent", false))
	args.prio in {"low", "high"}
}

spent_valid if not "spent" in object.keys(ctx)

spent_valid if {
	s := ctx.spent
	is_object(s)
	count(s) == 2
	integer(s.minor)
	s.minor >= 0
	is_string(s.currency)
}

integer(x) if {
	is_number(x)
	x >= -9223372036854775808
	x <= 9223372036854775807
	json.marshal(x) == format_int(x, 10)
}
