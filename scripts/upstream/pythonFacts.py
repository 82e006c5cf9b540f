# Reads Python source with the standard library's `ast` (nothing is imported or run) for
# scripts/upstream-facts.mjs and prints facts as JSON: every field of a root dataclass flattened to dotted
# keys (annotation, default, init=False), descending into fields typed as another dataclass (EasyR1's
# OmegaConf structured config, TRL's HfArgumentParser dataclasses); the value of a literal assignment; the
# string constants and f-string templates of a file; the keys of a dict display assigned to a name.
# Input (stdin): {"sources": {name: text}, "roots": {key: class}, "literals": {key: [source, name]},
#                 "strings": {key: source}, "dictKeys": {key: [source, name]}}.
import ast, json, sys


def classes_of(sources):
    found = {}
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, node)
    return found


def default_of(call_or_value):
    """The default as JSON when it is a literal (or field(default=literal)); "<factory>" for default_factory."""
    v = call_or_value
    if isinstance(v, ast.Call) and getattr(v.func, "id", getattr(v.func, "attr", None)) == "field":
        kw = {k.arg: k.value for k in v.keywords}
        if "default" in kw:
            v = kw["default"]
        elif "default_factory" in kw:
            return "<factory>"
        else:
            return "<required>"
    try:
        return ast.literal_eval(v)
    except Exception:
        return ast.unparse(v)


def init_of(value):
    if isinstance(value, ast.Call) and getattr(value.func, "id", getattr(value.func, "attr", None)) == "field":
        for k in value.keywords:
            if k.arg == "init" and isinstance(k.value, ast.Constant):
                return bool(k.value.value)
    return True


def factory_class(value):
    if isinstance(value, ast.Call):
        for k in value.keywords:
            if k.arg == "default_factory" and isinstance(k.value, ast.Name):
                return k.value.id
    return None


def own_fields(cls):
    out = []
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            if name.startswith("_") or "ClassVar" in ast.unparse(stmt.annotation):
                continue
            out.append((name, stmt.annotation, stmt.value))
    return out


def all_fields(cls, classes):
    """Fields in dataclass order: bases first (as dataclasses do), a redeclared field keeps its first place."""
    order, seen = [], {}
    for base in cls.bases:
        b = classes.get(getattr(base, "id", getattr(base, "attr", None)))
        if b is not None:
            for f in all_fields(b, classes):
                if f[0] not in seen:
                    order.append(f[0])
                seen[f[0]] = f
    for f in own_fields(cls):
        if f[0] not in seen:
            order.append(f[0])
        seen[f[0]] = f
    return [seen[n] for n in order]


def flatten(cls, classes, prefix, out, stack=()):
    if cls.name in stack:
        raise SystemExit(f"recursive dataclass {cls.name}")
    for name, ann, value in all_fields(cls, classes):
        key = prefix + name
        ann_text = ast.unparse(ann)
        nested = classes.get(ann_text) or classes.get(factory_class(value) or "")
        if nested is not None and any(isinstance(d, (ast.Name, ast.Attribute, ast.Call)) and "dataclass" in ast.unparse(d) for d in nested.decorator_list):
            flatten(nested, classes, key + ".", out, stack + (cls.name,))
            continue
        out[key] = {"type": ann_text, "default": default_of(value) if value is not None else "<required>", "init": init_of(value)}


def template(node):
    """An f-string as its template text: f"val/{key}_reward" -> "val/{key}_reward"."""
    out = []
    for v in node.values:
        if isinstance(v, ast.Constant):
            out.append(str(v.value))
        else:
            spec = ":" + template(v.format_spec) if getattr(v, "format_spec", None) else ""
            out.append("{" + ast.unparse(v.value) + spec + "}")
    return "".join(out)


def strings_of(tree):
    found, inside = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append(template(node))
            inside.update(id(v) for v in node.values)
            for v in node.values:
                if getattr(v, "format_spec", None):
                    inside.update(id(x) for x in v.format_spec.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside:
            found.append(node.value)
    return sorted(set(found))


def assigned(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return node.value
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name and node.value is not None:
            return node.value
    raise SystemExit(f"no assignment to {name}")


def dict_keys(node):
    if not isinstance(node, ast.Dict):
        raise SystemExit(f"not a dict display: {ast.unparse(node)[:80]}")
    return [ast.literal_eval(k) if k is not None else "**" + ast.unparse(v) for k, v in zip(node.keys, node.values)]


def main():
    req = json.load(sys.stdin)
    sources = req["sources"]
    trees = {name: ast.parse(text, filename=name) for name, text in sources.items()}
    classes = classes_of(sources)
    result = {"dataclasses": {}, "literals": {}, "strings": {}, "dictKeys": {}}
    for key, root in req.get("roots", {}).items():
        if root not in classes:
            raise SystemExit(f"class {root} not found in {sorted(sources)}")
        fields = {}
        flatten(classes[root], classes, "", fields)
        result["dataclasses"][key] = fields
    for key, (source, name) in req.get("literals", {}).items():
        result["literals"][key] = ast.literal_eval(assigned(trees[source], name))
    for key, source in req.get("strings", {}).items():
        result["strings"][key] = strings_of(trees[source])
    for key, (source, name) in req.get("dictKeys", {}).items():
        result["dictKeys"][key] = dict_keys(assigned(trees[source], name))
    json.dump(result, sys.stdout, indent=1, default=str)


main()
