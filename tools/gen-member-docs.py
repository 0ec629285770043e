#!/usr/bin/env python3
"""Generate src/aws/member_docs.rs: one line of the SDK's own documentation per member.

The SDK crates document every member of every structure with the service model's text
(`/// <p>The user pool ID ...</p>` above each field). This script reads those comments from
aws-sdk-cognitoidentityprovider, aws-sdk-iam, aws-sdk-sts and aws-sdk-cloudwatchlogs and writes a sorted table
keyed by (owner, member), where owner is the SDK struct: a nested type (`UserPoolType`,
`Role`) or an operation's `<Api>Input` / `<Api>Output`. `ops --members`, `ops --json` and the
REPL's `:help` show the first sentence.

Only the structures runbook uses are kept: every cognito-idp structure, and for IAM/STS the
operations and nested types named in src/aws/iam.rs, src/aws/sts.rs and src/aws/logs.rs.

Run it after bumping an SDK:  python3 tools/gen-member-docs.py
(`--check` writes nothing and fails when the file is not current; see tools/generated.py).
"""
import html
import json
import os
import re

from generated import ROOT, crate_sources, finish

OUT = os.path.join(ROOT, "src", "aws", "member_docs.rs")
CRATES = ["aws-sdk-cognitoidentityprovider", "aws-sdk-iam", "aws-sdk-sts", "aws-sdk-cloudwatchlogs"]


def squash(s):
    return s.replace("_", "").lower().removeprefix("r#")


MEMBER_RE = re.compile(r"Schema::new_member\(\s*::aws_smithy_schema::ShapeId::from_parts\([^)]*\),"
                       r"\s*::aws_smithy_schema::ShapeType::\w+,\s*\"([^\"]+)\"")
STRUCT_RE = re.compile(r"^pub struct (\w+) \{\n(.*?)^\}", re.S | re.M)
FIELD_RE = re.compile(r"((?:    ///.*\n)+)(?:    #\[[^\]]*\]\n)*    pub ((?:r#)?\w+): ")


def first_sentence(doc_lines):
    text = " ".join(line.strip().removeprefix("///").strip() for line in doc_lines.splitlines())
    paragraph = re.split(r"</p>", text)[0]
    plain = html.unescape(re.sub(r"<[^>]+>", "", paragraph))
    plain = re.sub(r"\s+", " ", plain).strip()
    if not plain:
        return ""
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z(])", plain)[0]
    if len(sentence) > 240:
        sentence = sentence[:237].rstrip() + "..."
    return sentence


def docs_of(path, known_names):
    """(struct name, {api member: first sentence}) for each documented struct in a file.

    A member's API name comes from the file's schema when the SDK has one (cognito-idp),
    else from the names the hand-written bridge quotes (IAM, STS)."""
    text = open(path).read()
    api_names = MEMBER_RE.findall(text) or known_names
    by_squash = {squash(a): a for a in api_names}
    for m in STRUCT_RE.finditer(text):
        name, body = m.group(1), m.group(2)
        if name.endswith("Builder"):
            continue
        members = {}
        for f in FIELD_RE.finditer(body):
            api = by_squash.get(squash(f.group(2)))
            doc = first_sentence(f.group(1))
            if api and doc:
                members[api] = doc
        if members:
            yield name, members


def wanted(bridge_file):
    """The SDK structs a hand-written bridge file uses: for every capitalised name it quotes
    (API operation names, nested shape names), the struct of that name and the operation's
    `<Name>Input` / `<Name>Output`."""
    names = set(re.findall(r'"([A-Z]\w+)"', open(bridge_file).read()))
    return names | {f"{n}Input" for n in names} | {f"{n}Output" for n in names}


def rust_str(text):
    """A Rust string literal (json.dumps escapes non-ASCII as \\uXXXX, which Rust spells
    differently)."""
    return json.dumps(text, ensure_ascii=False)


def main():
    sources = crate_sources(set(CRATES))
    rows = {}
    for crate, (src, _version) in sorted(sources.items()):
        files = []
        for base, _dirs, names in os.walk(src):
            if base.endswith("/types") or "/operation/" in base:
                files += [os.path.join(base, n) for n in names if n.startswith("_") and n.endswith(".rs")]
        keep, names = None, []
        bridge = {"aws-sdk-iam": "iam.rs", "aws-sdk-sts": "sts.rs",
                  "aws-sdk-cloudwatchlogs": "logs.rs"}.get(crate)
        if bridge:
            path = os.path.join(ROOT, "src", "aws", bridge)
            keep = wanted(path)
            names = sorted(set(re.findall(r'"([A-Za-z]\w+)"', open(path).read())))
        for path in sorted(files):
            for owner, members in docs_of(path, names):
                if keep is not None and owner not in keep:
                    continue
                for member, doc in members.items():
                    # Lower case: the SDK spells AdminSetUserMfaPreferenceInput, the API
                    # AdminSetUserMFAPreference.
                    rows[(owner.lower(), member)] = doc
    out = ["//! One line of the SDK's own documentation per request and response member.",
           "",
           "/// (owner, member, first sentence of its documentation), sorted by owner then member.",
           "/// The owner is the SDK struct in lower case: a nested type, or an operation's",
           "/// `<api>input` / `<api>output`.",
           "pub static MEMBER_DOCS: &[(&str, &str, &str)] = &["]
    for (owner, member), doc in sorted(rows.items()):
        out.append(f"    ({rust_str(owner)}, {rust_str(member)}, {rust_str(doc)}),")
    out.append("];")
    versions = {crate: version for crate, (_src, version) in sources.items()}
    finish(OUT, "tools/gen-member-docs.py", versions, "\n".join(out) + "\n")


if __name__ == "__main__":
    main()
