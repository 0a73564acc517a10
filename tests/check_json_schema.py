#!/usr/bin/python3
"""tests/check_json_schema.py - check nltrust --json output against doc/json/*.schema.json.

    check_json_schema.py SCHEMA_DIR COMMAND < document     one document (exit 0 valid, 1 not)
    check_json_schema.py SCHEMA_DIR --schemas CMD...        every schema is a valid draft 2020-12
                                                           schema and every CMD has one

The per-command schemas refer to the shared shapes as common.schema.json#/$defs/NAME;
those are merged into each schema here (no network, no resolver API that differs
between python3-jsonschema versions).  Needs python3-jsonschema (tools/install-deps.sh).
"""
import json
import os
import sys

import jsonschema

PREFIX = "common.schema.json#/$defs/"


def load(schema_dir, cmd):
    with open(os.path.join(schema_dir, "common.schema.json")) as f:
        common = json.load(f)
    with open(os.path.join(schema_dir, cmd + ".schema.json")) as f:
        schema = json.load(f)

    def local(node):
        if isinstance(node, dict):
            return {k: (("#/$defs/" + v[len(PREFIX):]) if k == "$ref" and isinstance(v, str) and v.startswith(PREFIX)
                        else local(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [local(v) for v in node]
        return node

    schema = local(schema)
    defs = dict(common.get("$defs", {}))
    defs.update(schema.get("$defs", {}))
    schema["$defs"] = defs
    return schema


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir = argv[1]
    if argv[2] == "--schemas":
        bad = 0
        for cmd in ["common"] + argv[3:]:
            try:
                jsonschema.Draft202012Validator.check_schema(load(schema_dir, cmd) if cmd != "common"
                                                             else json.load(open(os.path.join(schema_dir, "common.schema.json"))))
            except (OSError, ValueError, jsonschema.SchemaError) as e:
                print("%s: %s" % (cmd, str(e).splitlines()[0]))
                bad = 1
        return bad
    cmd = argv[2]
    text = sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print("%s: not one JSON document: %s" % (cmd, e))
        return 1
    v = jsonschema.Draft202012Validator(load(schema_dir, cmd))
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errs[:5]:
        print("%s: at /%s: %s" % (cmd, "/".join(str(p) for p in e.absolute_path), e.message[:300]))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
