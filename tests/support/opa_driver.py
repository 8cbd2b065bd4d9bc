#!/usr/bin/env python3
"""Runs agentpol's generated Rego in the Go OPA engine, for the differential
tests (tests/rego/opa.rs).

The engine is OPA embedded as a shared library by the Python package
`opa-golib-python-bindings` (0.4.4 embeds OPA v1.20.2):

    pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4

Protocol, one line each way, UTF-8 JSON:
  first output line   {"ready": true} or {"unavailable": "why"}
  in  L {"policy": TEXT, "data": TEXT, "tests": TEXT}
                                         load policy.rego, data.json and,
                                         when given, policy_test.rego
  out {"loaded": true} or {"error": "..."}
  in  D PATH                             evaluate data.PATH without input
  out {"value": VALUE}, {"undefined": true} or {"error": "..."}
  in  R REQUEST                          REQUEST is passed to OPA byte for
                                         byte as `input`
  out the value of data.agentpol.decision, or {"error": "..."}

Requests are handed over as the bytes the test wrote: decoding them in
Python first would turn `-0` into `0` and `1e400` into infinity, and the
point of the test is what OPA makes of exactly those texts.
"""

import json
import sys


def main():
    try:
        from opa_bindings import engine as opa
    except Exception as e:  # ImportError, or the shared library failing to load
        print(json.dumps({"unavailable": f"opa_bindings cannot be imported: {e!r}"}), flush=True)
        return 0
    # `eval_document` encodes its input with json.dumps; let raw bytes through.
    encode = opa._encode_input
    opa._encode_input = lambda x: x if isinstance(x, bytes) else encode(x)
    try:
        engine = opa.OpaEngine()
    except Exception as e:
        print(json.dumps({"unavailable": f"the OPA engine does not start: {e!r}"}), flush=True)
        return 0
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        try:
            if kind == "L":
                load = json.loads(rest)
                engine.close()
                engine = opa.OpaEngine()
                engine.add_policy("policy.rego", load["policy"])
                engine.add_data(json.loads(load["data"]))
                if load.get("tests") is not None:
                    engine.add_policy("policy_test.rego", load["tests"])
                out = {"loaded": True}
            elif kind == "D":
                try:
                    out = {"value": engine.eval_document(rest)}
                except opa.OpaUndefinedError:
                    out = {"undefined": True}
            elif kind == "R":
                out = engine.eval_document("agentpol.decision", rest.encode("utf-8"))
            else:
                out = {"error": f"unknown command {kind!r}"}
        except Exception as e:
            out = {"error": repr(e)}
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
