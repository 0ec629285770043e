#!/usr/bin/env python3
"""Generate src/aws/cognito_ops.rs from the aws-sdk-cognitoidentityprovider sources.

The SDK's schemas name every member but not the shape a nested member targets, and
its type registry is private. The builder structs, however, spell each member's Rust
type in schema order, so this script reads them and writes one static table:

* a `Shape` per input/output/nested structure: member API names, their types
  (string, integer, enum with its valid values, nested shape, list, map, ...),
  whether they are required and whether the SDK treats them as sensitive;
* an `Operation` per API operation: CLI-style name, input/output shapes,
  pagination (token and item members) and the glue that sends the encoded request.

Run it after bumping the SDK:  python3 tools/gen-cognito-bridge.py
It locates the crate through `cargo metadata`, so it reads the version in Cargo.lock;
`--check` writes nothing and fails when the file is not current (see tools/generated.py).
"""
import json
import os
import re

from generated import ROOT, crate_sources, finish

CRATE = "aws-sdk-cognitoidentityprovider"
OUT = os.path.join(ROOT, "src", "aws", "cognito_ops.rs")


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return s.lower()


def squash(s):
    return s.replace("_", "").lower()


MEMBER_RE = re.compile(
    r"static (\w+): ::aws_smithy_schema::Schema<'static> =\s*::aws_smithy_schema::Schema::new_member\(\s*"
    r"::aws_smithy_schema::ShapeId::from_parts\(\s*\"([^\"]+)\",[^)]*\),\s*"
    r"::aws_smithy_schema::ShapeType::(\w+),\s*\"([^\"]+)\",\s*(\d+),?\s*\)")


def parse_struct_file(path, type_name):
    """Return (api_name, [(api_member, rust_field, rust_type, required, sensitive)])."""
    text = open(path).read()
    members = {m.group(1): m.group(4) for m in MEMBER_RE.finditer(text)}
    schema_name = type_name.upper() + "_SCHEMA"
    m = re.search(r"static " + schema_name + r": ::aws_smithy_schema::Schema<'static> =\s*"
                  r"::aws_smithy_schema::Schema::new_struct\(.*?&\[(.*?)\]", text, re.S)
    if not m:
        raise SystemExit(f"no schema {schema_name} in {path}")
    order = re.findall(r"&(\w+)", m.group(1))
    api_names = [members[o] for o in order]
    orig = re.search(r"static " + schema_name + r"[^;]*?with_original_name\(\"(\w+)\"\)", text, re.S)
    b = re.search(r"pub struct " + type_name + r"Builder \{(.*?)\n\}", text, re.S)
    body = b.group(1) if b else ""
    fields = re.findall(r"pub\(crate\) ((?:r#)?\w+): ::std::option::Option<(.*)>,$", body, re.M)
    fields = [f for f in fields if not f[0].startswith("_")]
    if len(fields) != len(api_names):
        raise SystemExit(f"{path}: {len(fields)} builder fields vs {len(api_names)} members")
    sensitive = set(re.findall(r'formatter\.field\("(\w+)", &"\*\*\* Sensitive Data Redacted \*\*\*"\)', text))
    out = []
    for api, (field, ty) in zip(api_names, fields):
        plain = field.removeprefix("r#")
        if squash(api) != squash(plain):
            raise SystemExit(f"{path}: member {api} does not match field {field}")
        impl_at = text.find("impl " + type_name + "Builder {")
        setter = re.search(r"pub fn " + re.escape(field) + r"\(.*?\n", text[impl_at:])
        doc_block = text[impl_at:impl_at + setter.start()] if setter else ""
        required = bool(setter) and doc_block.rstrip().endswith("/// This field is required.")
        out.append((api, field, ty.strip(), required, plain in sensitive))
    return (orig.group(1) if orig else type_name), out


class Gen:
    def __init__(self, src):
        self.src = src
        self.shapes = {}      # rust type name -> (static ident, api name, members)
        self.pending = []

    def type_file(self, name):
        return f"{self.src}/types/_{snake(name)}.rs"

    def is_enum(self, name):
        text = open(self.type_file(name)).read()
        return re.search(r"pub enum " + name + r"\b", text) is not None

    def ty(self, rust):
        rust = rust.replace("::std::", "std::")
        prim = {
            "std::string::String": "Ty::String", "bool": "Ty::Boolean", "i32": "Ty::Integer",
            "i64": "Ty::Long", "f64": "Ty::Double", "f32": "Ty::Double",
            "::aws_smithy_types::DateTime": "Ty::Timestamp", "::aws_smithy_types::Blob": "Ty::Blob",
            "::aws_smithy_types::Document": "Ty::Document",
        }
        if rust in prim:
            return prim[rust]
        m = re.fullmatch(r"std::vec::Vec<(.*)>", rust)
        if m:
            return f"Ty::List(&{self.ty(m.group(1))})"
        m = re.fullmatch(r"std::collections::HashMap<std::string::String, (.*)>", rust)
        if m:
            return f"Ty::Map(&{self.ty(m.group(1))})"
        m = re.fullmatch(r"crate::types::(\w+)", rust)
        if m:
            name = m.group(1)
            if self.is_enum(name):
                return f"Ty::Enum(sdk::types::{name}::values)"
            return f"Ty::Struct(&{self.struct_shape(name)})"
        raise SystemExit(f"unsupported type {rust}")

    def struct_shape(self, name, path=None):
        ident = "S_" + snake(name).upper()
        if name not in self.shapes:
            self.shapes[name] = None
            api, members = parse_struct_file(path or self.type_file(name), name)
            self.shapes[name] = (ident, api, [(a, self.ty(t), r, s, f) for a, f, t, r, s in members])
        return ident


def main():
    src, version = crate_sources({CRATE})[CRATE]
    g = Gen(src)
    ops = []
    for mod in sorted(os.listdir(f"{src}/operation")):
        d = f"{src}/operation/{mod}"
        if not os.path.isdir(d):
            continue
        files = os.listdir(d)
        inp = next(f for f in files if f.endswith("_input.rs"))
        outp = next(f for f in files if f.endswith("_output.rs"))
        text = open(f"{d}/builders.rs").read()
        api = re.search(r"constructing a request to `(\w+)`", text).group(1)
        in_ty = re.search(r"pub struct (\w+Input)\b", open(f"{d}/{inp}").read()).group(1)
        out_ty = re.search(r"pub struct (\w+Output)\b", open(f"{d}/{outp}").read()).group(1)
        in_ident = g.struct_shape(in_ty, f"{d}/{inp}")
        out_ident = g.struct_shape(out_ty, f"{d}/{outp}")
        docm = re.search(r"/// Fluent builder constructing a request to `\w+`\.\n///\n/// <p>(.*?)</p>", text, re.S)
        doc = re.sub(r"<[^>]+>", "", docm.group(1)) if docm else api
        doc = re.sub(r"\s+", " ", doc).strip()
        doc = re.split(r"(?<=\.) ", doc)[0]
        pag = "None"
        if "paginator.rs" in files:
            ptext = open(f"{d}/paginator.rs").read()
            tok_in = re.search(r"input\.(\w+) = new_token\.cloned\(\)", ptext).group(1)
            tok_out = re.search(r"reflens_" + mod + r"_output_output_(\w+)\(resp\)", ptext).group(1)
            items = re.search(r"(?<!ref)lens_" + mod + r"_output_output_(\w+)", open(f"{src}/lens.rs").read())
            limit = re.search(r"self\.builder\.(\w+) = ::std::option::Option::Some\(limit\)", ptext)
            in_members = {f: a for a, _, r, s, f in g.shapes[in_ty][2]}
            out_members = {f: a for a, _, r, s, f in g.shapes[out_ty][2]}
            pag = ("Some(&Pagination { input_token: %s, output_token: %s, items: %s, limit: %s })" % (
                json.dumps(in_members[tok_in]), json.dumps(out_members[tok_out]),
                json.dumps(out_members[items.group(1)]) if items else "None",
                json.dumps(in_members[limit.group(1)]) if limit else "None")).replace(
                "items: \"", "items: Some(\"").replace("\", limit", "\"), limit")
            if limit:
                pag = pag.replace("limit: \"", "limit: Some(\"").replace("\" })", "\") })")
            pag = pag.replace(" })", ", more: None })")
        fields = [f for _, _, _, _, f in g.shapes[in_ty][2]]
        ops.append((mod, api, in_ident, out_ident, doc, pag, in_ty, out_ty, fields))

    w = []
    w.append("//! The cognito-idp operation table: every operation's shapes, pagination and send glue.\n")
    w.append("#![allow(clippy::all)]\n")
    w.append("use super::shape::{Operation, Pagination, Shape, Ty};")
    w.append("use crate::shape;")
    w.append("use aws_sdk_cognitoidentityprovider as sdk;")
    w.append("")
    w.append("/// `send!(fn, operation, \"Api\")`: the glue of one operation: send the exchange's encoded")
    w.append("/// request body through the client's operation (see `super::exchange`).")
    w.append("macro_rules! send {")
    w.append("    ($fn:ident, $op:ident, $api:literal) => {")
    w.append("        fn $fn<'a>(clients: &'a super::clients::Clients, exchange: &'a super::exchange::Exchange) -> super::shape::OpFuture<'a> {")
    w.append("            Box::pin(async move { crate::send_raw!(sdk, clients.cognito().await, $op, \"cognito-idp\", $api, exchange) })")
    w.append("        }")
    w.append("    };")
    w.append("}\n")
    for name, (ident, api, members) in sorted(g.shapes.items(), key=lambda kv: kv[1][0]):
        fields = "".join(f"\n    {json.dumps(a)}: {ty}{', required' if r else ''};" for a, ty, r, _, _ in members)
        w.append(f"static {ident}: Shape = shape!({json.dumps(api)} {{{fields}\n}});")
    w.append("")
    w.append(f"/// The {len(ops)} cognito-idp operations, sorted by name.")
    w.append("pub static OPERATIONS: &[Operation] = &[")
    for mod, api, i, o, doc, pag, _, _, _ in ops:
        w.append(f"    Operation {{ service: \"cognito-idp\", namespace: \"cognito\", name: {json.dumps(mod)}, api: {json.dumps(api)}, "
                 f"doc: {json.dumps(doc)}, input: &{i}, output: &{o}, pagination: {pag}, send: send_{mod} }},")
    w.append("];\n")
    for mod, api, i, o, doc, pag, in_ty, out_ty, fields in ops:
        w.append(f"send!(send_{mod}, {mod}, {json.dumps(api)});")
    w.append("")
    finish(OUT, "tools/gen-cognito-bridge.py", {CRATE: version}, "\n".join(w))


if __name__ == "__main__":
    main()
