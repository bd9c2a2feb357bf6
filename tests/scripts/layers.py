#!/usr/bin/env python3
"""Checks every #include of src/ and include/ against the layer table of
docs/CODEMAP.md (between <!-- layers:begin --> and <!-- layers:end -->):
a layer includes its own headers, its private headers beside its .c files,
and the interfaces of the layers its row names, nothing else."""
import pathlib
import re
import sys

top = pathlib.Path(__file__).resolve().parents[2]


def layer_table():
    text = (top / "docs" / "CODEMAP.md").read_text()
    block = text.split("<!-- layers:begin -->")[1].split("<!-- layers:end -->")[0]
    allowed = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        layer = cells[0].strip("`")
        allowed[layer] = {layer} | set(re.findall(r"`([a-z]+)`", cells[2]))
    return allowed


def files_of(allowed):
    """(layer, path) of every C source and header."""
    for layer in allowed:
        for root in (top / "src" / layer, top / "include" / layer):
            if root.is_dir():
                for path in sorted(root.rglob("*.[ch]")):
                    yield layer, path
        single = top / "src" / f"{layer}.c"
        if single.is_file():
            yield layer, single


def main():
    allowed = layer_table()
    if len(allowed) < 5:
        print("layers: no layer table found in docs/CODEMAP.md", file=sys.stderr)
        return 1
    covered = {path for _, path in files_of(allowed)}
    strays = sorted(p for p in (top / "src").rglob("*.[ch]") if p not in covered)
    findings = [f"{p.relative_to(top)}: in no layer of docs/CODEMAP.md" for p in strays]
    checked = 0
    for layer, path in files_of(allowed):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if match is None:
                continue
            checked += 1
            target = match.group(1)
            if "/" not in target:
                if not (path.parent / target).is_file():
                    findings.append(f"{path.relative_to(top)}:{number}: "
                                    f'"{target}" is not beside it')
                continue
            used = target.split("/")[0]
            if used not in allowed[layer]:
                findings.append(f"{path.relative_to(top)}:{number}: layer "
                                f"{layer} may not include {target}")
    for finding in findings:
        print(finding)
    print(f"layers: {checked} includes checked, {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
