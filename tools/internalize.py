#!/usr/bin/env python3
"""Makes engine types internal unless the module, the CLI or PowerShell itself needs them public.

Run from the repository root after merging branches that add or split engine types:

    python3 tools/internalize.py            # flip, build, re-public what the compiler demands, report counts
    python3 tools/internalize.py --count    # only count the public top-level types of the engine
    python3 tools/internalize.py --fix-only # flip nothing: only re-public the internal types the build demands

How it decides (the compiler is the judge, the script only proposes):
 1. Every top-level `public` type declared in src/EncryptionTools.Engine is a candidate.
 2. Kept public without asking: types that PowerShell reaches by name at run time (their full name appears in
    the module's *.ps1xml, the manifest, tests/*.ps1, docs/*.md, examples/ or README.md: formatted output types,
    [Engine.Type]::Member in scripts), and static classes whose extension methods the module or CLI calls
    (an inaccessible extension method is reported without its class's name), and ALWAYS_PUBLIC (types scripts in
    other processes load by name).
 3. The other candidates become `internal` (all parts of a partial type alike), then the engine, the module, the
    CLI and the test projects are built. Each error of inconsistent accessibility (CS0050-CS0061: a public member
    exposing an internal type) or inaccessibility (CS0122) names the types that must stay public: they go back to
    `public`, and the build runs again until it succeeds.
 4. Tests see internals through InternalsVisibleTo in the engine's project file; the module and the CLI never do.
The result is plain edits of `public` to `internal` on type declarations: review them with `git diff`.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINE = os.path.join(ROOT, "src", "EncryptionTools.Engine")
CONSUMERS = [os.path.join(ROOT, "src", "EncryptionTools"), os.path.join(ROOT, "src", "enctools")]
# Builds that must succeed; together they compile the engine, the module, the CLI, the test hosts and the tests.
BUILDS = [
    ["dotnet", "build", "src/enctools/enctools.csproj", "-c", "Release", "-nologo", "-clp:NoSummary"],
    ["dotnet", "build", "src/EncryptionTools/EncryptionTools.csproj", "-c", "Release", "-nologo", "-clp:NoSummary"],
    ["dotnet", "build", "tests/EncryptionTools.Tests/EncryptionTools.Tests.csproj", "-c", "Release", "-nologo", "-clp:NoSummary"],
    ["dotnet", "build", "tests/EncryptionTools.PowerShell.Tests/EncryptionTools.PowerShell.Tests.csproj", "-c", "Release", "-nologo", "-clp:NoSummary"],
]
# Used by name from outside any project the compiler sees: AuditLogProcessTests appends from F# scripts in other processes.
ALWAYS_PUBLIC = {"EncryptionTools.Engine.Audit.AuditLog", "EncryptionTools.Engine.Audit.AuditEntry"}
ACCESSIBILITY_ERRORS = {"CS0050", "CS0051", "CS0052", "CS0053", "CS0054", "CS0055", "CS0056", "CS0057", "CS0058",
                        "CS0059", "CS0060", "CS0061", "CS0122", "CS9338"}

DECL = re.compile(r"^(public|internal)(\s+(?:(?:sealed|static|abstract|readonly|partial|ref|unsafe)\s+)*"
                  r"(?:record\s+struct|record\s+class|record|class|struct|interface|enum|delegate\s+[\w<>\[\],?. ]+?))\s+([A-Za-z_]\w*)",
                  re.M)
NAMESPACE = re.compile(r"^namespace\s+([\w.]+)\s*;", re.M)


def engine_files():
    for folder, dirs, files in os.walk(ENGINE):
        dirs[:] = [d for d in dirs if d not in ("bin", "obj")]
        for f in files:
            if f.endswith(".cs"):
                yield os.path.join(folder, f)


def declarations():
    """{full name: [(file, access)]} of every top-level type (file-scoped namespaces: top level is column 0)."""
    found = {}
    for path in engine_files():
        text = open(path, encoding="utf-8").read()
        ns = NAMESPACE.search(text)
        if not ns:
            continue
        for m in DECL.finditer(text):
            found.setdefault(ns.group(1) + "." + m.group(3), []).append((path, m.group(1)))
    return found


def public_types(decls):
    return sorted(n for n, parts in decls.items() if any(a == "public" for _, a in parts))


def read_tree(paths, exts):
    out = []
    for base in paths:
        if os.path.isfile(base):
            out.append(open(base, encoding="utf-8", errors="replace").read())
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if d not in ("bin", "obj", "node_modules", ".git")]
            for f in files:
                if f.endswith(exts):
                    out.append(open(os.path.join(folder, f), encoding="utf-8", errors="replace").read())
    return "\n".join(out)


def kept_by_surface(names):
    """Types PowerShell names at run time, and extension-method classes the module or CLI calls."""
    surface = read_tree([os.path.join(ROOT, "src", "EncryptionTools"), os.path.join(ROOT, "EncryptionTools.psd1"),
                         os.path.join(ROOT, "tests"), os.path.join(ROOT, "docs"), os.path.join(ROOT, "examples"),
                         os.path.join(ROOT, "README.md")], (".ps1xml", ".psd1", ".ps1", ".psm1", ".md"))
    consumers = read_tree(CONSUMERS, (".cs",))
    keep = set()
    for name in names:
        if re.search(re.escape(name) + r"\b", surface):
            keep.add(name)
    for path in engine_files():
        text = open(path, encoding="utf-8").read()
        ns = NAMESPACE.search(text)
        for m in re.finditer(r"^public\s+static\s+(?:partial\s+)?class\s+(\w+)", text, re.M):
            methods = re.findall(r"static\s+[\w<>\[\],?. ]+\s+(\w+)\s*(?:<[^>]*>)?\(\s*this\s", text)
            if ns and any(re.search(r"\." + re.escape(meth) + r"\s*[(<]", consumers) for meth in methods):
                keep.add(ns.group(1) + "." + m.group(1))
    return keep


def set_access(decls, name, access):
    short = name.rsplit(".", 1)[1]
    for path, _ in decls[name]:
        text = open(path, encoding="utf-8").read()
        pattern = re.compile(r"^(public|internal)(\s+(?:(?:sealed|static|abstract|readonly|partial|ref|unsafe)\s+)*"
                             r"(?:record\s+struct|record\s+class|record|class|struct|interface|enum|delegate\s+[\w<>\[\],?. ]+?))\s+"
                             + re.escape(short) + r"\b", re.M)
        new = pattern.sub(lambda m: access + m.group(2) + " " + short, text)
        if new != text:
            open(path, "w", encoding="utf-8").write(new)


def build():
    """Runs the builds; returns the distinct error lines (empty when all succeed)."""
    errors = []
    for cmd in BUILDS:
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        lines = sorted({l.strip() for l in result.stdout.splitlines() if ": error " in l})
        if result.returncode != 0:
            errors.extend(lines or [f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}"])
            break  # later builds depend on this one
    return errors


def demanded(errors, flipped):
    """Flipped types named by accessibility errors."""
    back = set()
    for line in errors:
        code = re.search(r"error (CS\d+)", line)
        if not code or code.group(1) not in ACCESSIBILITY_ERRORS:
            continue
        # The first quoted item is the type that is too hidden ("type 'X' is less accessible than ...",
        # "'X' is inaccessible ..."); the compiler names it as written in the source, often without its namespace.
        quoted = re.findall(r"'([^']+)'", line.split(": error ", 1)[1])
        if not quoted:
            continue
        for token in re.findall(r"[A-Za-z_]\w*", quoted[0]):
            back |= {n for n in flipped if n.endswith("." + token)}
    return back


def main():
    decls = declarations()
    before = public_types(decls)
    print(f"public top-level engine types before: {len(before)}")
    if "--count" in sys.argv:
        return 0
    if "--fix-only" in sys.argv:
        flipped = set(decls) - set(before)
    else:
        keep = kept_by_surface(before) | (ALWAYS_PUBLIC & set(before))
        flipped = set(before) - keep
        for name in sorted(flipped):
            set_access(decls, name, "internal")
        print(f"kept public for PowerShell and extension calls: {len(keep)}; flipped to internal: {len(flipped)}")
    rounds = 0
    while True:
        rounds += 1
        errors = build()
        if not errors:
            break
        back = demanded(errors, flipped)
        if not back:
            print("The build fails for a reason this script does not handle:", *errors[:40], sep="\n  ")
            return 1
        print(f"round {rounds}: the compiler needs {len(back)} back to public: {', '.join(sorted(b.rsplit('.', 1)[1] for b in back))}")
        for name in back:
            set_access(decls, name, "public")
        flipped -= back
    after = public_types(declarations())
    print(f"public top-level engine types after: {len(after)} (internal now: {len(before) - len(after)}), {rounds} build round(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
