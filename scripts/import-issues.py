#!/usr/bin/env python3
"""Adds the issues of a catalogue file to a running parleyd through its API.

  scripts/import-issues.py [--url URL] --key KEY [FILE]

FILE (default data/catalogues/negotiations.json) holds {"issues": [{"slug",
"parent", "name", "description", "keywords"}]}. Parents are created before
their children; an issue whose slug exists already (409) is left as it is, so
the import can be run again. Exits 0 when every issue exists afterwards, 1
with the problem's detail otherwise. Needs a write key (parley key create).
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILE = os.path.join(HERE, "..", "data", "catalogues", "negotiations.json")


def ordered(issues):
    """Parents first: an issue after the one it names as parent."""
    by_slug = {issue["slug"]: issue for issue in issues}
    done, out = set(), []

    def visit(issue):
        if issue["slug"] in done:
            return
        parent = issue.get("parent")
        if parent in by_slug:
            visit(by_slug[parent])
        done.add(issue["slug"])
        out.append(issue)

    for issue in issues:
        visit(issue)
    return out


def post(url, key, issue):
    body = json.dumps({k: issue[k] for k in ("slug", "parent", "name", "description", "keywords")
                       if k in issue}).encode("utf-8")
    request = urllib.request.Request(
        url.rstrip("/") + "/issues", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read().decode("utf-8")).get("detail")
        except ValueError:
            detail = None
        return error.code, detail


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:8080")
    parser.add_argument("--key", required=True)
    parser.add_argument("file", nargs="?", default=DEFAULT_FILE)
    args = parser.parse_args()
    with open(args.file, encoding="utf-8") as f:
        issues = json.load(f)["issues"]
    failed = 0
    for issue in ordered(issues):
        status, detail = post(args.url, args.key, issue)
        if status == 201:
            print(f"created {issue['slug']}")
        elif status == 409:
            print(f"exists  {issue['slug']}")
        else:
            failed += 1
            print(f"{args.file}: issue {issue['slug']}: {status} {detail or ''}".rstrip(),
                  file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
