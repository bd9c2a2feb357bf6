#!/usr/bin/env python3
"""The README's quick start, as a new user runs it: scripts/run.sh in a copy of the repository
(its own .var), the README's quick-start block and then its API examples in a new shell, stop,
start again, run them again.

    python3 tests/scripts/readme_quickstart.py --parleyd BUILD/parleyd --parley BUILD/parley

The block is read from README.md between <!-- quickstart:begin --> and <!-- quickstart:end -->, so
the README stays the one source, and so are the ```sh blocks between <!-- examples:begin --> and
<!-- examples:end --> (the API with curl, section by section); only their ports are replaced by free ones (8080 and 55432 appear
once each, or the check fails). The copy's build/ holds links to the given programs and run.sh
gets PARLEY_SKIP_BUILD=1, so nothing is compiled here. Asserted: every command of the block
succeeds (curl with --fail-with-body: no 4xx such as a 409 on the second start), the banner's
commands are the README's, the first run stops on SIGINT to its process group (Ctrl-C in a
terminal) and the second on SIGTERM, each exits 0 with the cluster it started stopped and
.var/dev-key gone, and both runs' keys are revoked. Exits 77 (skipped) without curl or PostgreSQL.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END = "<!-- quickstart:begin -->", "<!-- quickstart:end -->"
EXAMPLES_BEGIN, EXAMPLES_END = "<!-- examples:begin -->", "<!-- examples:end -->"
SOCKET_DIR = "/tmp/parley-pg"
STARTED = time.monotonic()


def note(message):
    print(f"readme_quickstart: [{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


def fail(message, log=None):
    note(f"FAIL: {message}")
    if log and os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            lines = [line for line in f if not line.startswith('{"t')]
        sys.stdout.write("".join(lines[-40:]))
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quickstart_block(readme):
    text = open(readme, encoding="utf-8").read()
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        fail(f"README.md must hold {BEGIN} and {END} once each")
    part = text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip()
    match = re.fullmatch(r"```sh\n(.*)\n```", part, re.S)
    if not match:
        fail("the quick-start markers must hold exactly one ```sh block")
    return match.group(1)


def example_blocks(readme):
    """The ```sh blocks of the API examples, in order, as one script."""
    text = open(readme, encoding="utf-8").read()
    if text.count(EXAMPLES_BEGIN) != 1 or text.count(EXAMPLES_END) != 1:
        fail(f"README.md must hold {EXAMPLES_BEGIN} and {EXAMPLES_END} once each")
    part = text[text.index(EXAMPLES_BEGIN):text.index(EXAMPLES_END)]
    blocks = re.findall(r"^```sh\n(.*?)^```$", part, re.S | re.M)
    if len(blocks) < 4:
        fail(f"the API examples hold {len(blocks)} sh blocks, expected the sections' blocks")
    return "\n".join(blocks)


def commands(block):
    """The block's commands, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    result = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            result.append(re.sub(r"\s+", " ", line))
    return result


def copy_repository(destination):
    def ignore(directory, names):
        skip = {n for n in names if n in (".git", ".var", "node_modules", "browser-artifacts")}
        if os.path.samefile(directory, SOURCE):
            skip |= {n for n in names if n.startswith("build")}
        return skip
    shutil.copytree(SOURCE, destination, symlinks=True, ignore=ignore)


def clean_environment(extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DATABASE_READ_URL", "API", "KEY", "PORT", "PGCLUSTER_DIR")
           and not k.startswith("PG")}
    env.update(extra)
    return env


def wait_for_banner(process, log, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if "Stop with Ctrl-C." in text:
            return text
        if process.poll() is not None:
            fail(f"scripts/run.sh exited with {process.returncode} before serving", log)
        time.sleep(0.2)
    fail(f"no banner within {timeout} s", log)


def banner_commands(banner):
    part = banner[banner.index("In another shell"):banner.index("More in README.md")]
    return [re.sub(r"\s+", " ", line.strip()) for line in part.splitlines()[1:] if line.strip()]


def run_round(number, copy, env, block, readme_commands, stop_signal):
    log = os.path.join(copy, f"run{number}.log")
    with open(log, "w") as out:
        def child_setup():
            # A terminal's Ctrl-C reaches a shell whose SIGINT is not ignored.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.setsid()
        process = subprocess.Popen(["scripts/run.sh"], cwd=copy, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   preexec_fn=child_setup)
    try:
        banner = wait_for_banner(process, log)
        note(f"run {number}: run.sh serving")
        if number == 1 and "started by this run" not in banner:
            fail("the banner does not say the cluster was started by this run", log)
        shown = banner_commands(banner)
        key = open(os.path.join(copy, ".var/dev-key")).read().strip()
        for command in shown:
            expected = command.replace(f"export KEY={key}", "export KEY=$(cat .var/dev-key)")
            if expected not in readme_commands:
                fail(f"the banner's command is not in the README's quick start: {command}", log)
        url = re.search(r"^Database:\s+(\S+)", banner, re.M).group(1)
        if f"export DATABASE_URL='{url}'" not in readme_commands:
            fail(f"the banner's database URL {url} is not the README's", log)
        names = re.findall(r"key '(dev-[^']+)' \(scope write\) created", banner)
        if len(names) != 1:
            fail("no development key in run.sh's output", log)

        # A new shell: nothing of this process's environment but the basics.
        shell_env = clean_environment({})
        for name in ("PORT", "PARLEY_PG_PORT", "PARLEY_SKIP_BUILD", "PGCLUSTER_FAST"):
            shell_env.pop(name, None)
        script = ("set -euo pipefail\n"
                  'curl() { command curl --fail-with-body --max-time 30 "$@"; }\n'
                  "set -x\n" + block + "\n")
        shell = subprocess.run(["bash", "-c", script], cwd=copy, env=shell_env,
                               capture_output=True, text=True, timeout=120)
        if shell.returncode != 0:
            print(shell.stdout[-3000:])
            print(shell.stderr[-3000:])
            fail(f"run {number}: the quick start failed with exit status {shell.returncode}", log)
        note(f"run {number}: the quick start's {len(readme_commands)} commands and the API examples succeeded")
    finally:
        if process.poll() is None:
            if stop_signal == signal.SIGINT:
                os.killpg(process.pid, signal.SIGINT)
            else:
                process.send_signal(stop_signal)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            fail(f"run {number}: run.sh did not stop within 60 s of {stop_signal.name}", log)
    if process.returncode != 0:
        fail(f"run {number}: run.sh exited {process.returncode} after {stop_signal.name}", log)
    status = subprocess.run(["scripts/pgcluster.sh", "status", ".var/pg"], cwd=copy,
                            capture_output=True, text=True)
    if status.returncode != 3:
        fail(f"run {number}: the cluster still runs after run.sh stopped: {status.stdout}", log)
    if os.path.exists(os.path.join(copy, ".var/dev-key")):
        fail(f"run {number}: .var/dev-key is still there", log)
    note(f"run {number}: stopped by {stop_signal.name}: exit 0, cluster stopped")
    return names[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parleyd", required=True)
    parser.add_argument("--parley", required=True)
    args = parser.parse_args()
    if shutil.which("curl") is None or not os.path.exists("/usr/lib/postgresql/15/bin/pg_ctl") \
            and shutil.which("pg_config") is None:
        note("skipped: needs curl and PostgreSQL 15")
        sys.exit(77)

    http_port, pg_port = free_port(), free_port()
    readme_block = quickstart_block(os.path.join(SOURCE, "README.md"))
    for old, count in (("localhost:8080", 1), ("port=55432", 1)):
        if readme_block.count(old) != count:
            fail(f"the quick start should name {old} once (found {readme_block.count(old)})")
    block = readme_block.replace("localhost:8080", f"localhost:{http_port}") \
                        .replace("port=55432", f"port={pg_port}")
    readme_commands = commands(block)
    examples = example_blocks(os.path.join(SOURCE, "README.md"))
    block += "\n" + examples.replace("localhost:8080", f"localhost:{http_port}")

    work = tempfile.mkdtemp(prefix="parley-rq.", dir="/tmp")
    copy = os.path.join(work, "parley")
    try:
        copy_repository(copy)
        os.makedirs(os.path.join(copy, "build"))
        for name, target in (("parleyd", args.parleyd), ("parley", args.parley)):
            os.symlink(os.path.abspath(target), os.path.join(copy, "build", name))
        env = clean_environment({"PORT": str(http_port), "PARLEY_PG_PORT": str(pg_port),
                                 "PARLEY_SKIP_BUILD": "1", "PGCLUSTER_FAST": "1"})
        note(f"copy in {copy}; HTTP port {http_port}, PostgreSQL port {pg_port}")
        names = [run_round(1, copy, env, block, readme_commands, signal.SIGINT),
                 run_round(2, copy, env, block, readme_commands, signal.SIGTERM)]

        # Both runs' keys are revoked: look with the cluster up again.
        cluster_env = dict(env, PGCLUSTER_SOCKET_DIR=SOCKET_DIR)
        url = subprocess.run(["scripts/pgcluster.sh", "start", ".var/pg", str(pg_port)], cwd=copy,
                             env=cluster_env, capture_output=True, text=True, check=True).stdout.strip()
        listing = subprocess.run(["build/parley", "key", "list"], cwd=copy, capture_output=True,
                                 text=True, env=dict(env, DATABASE_URL=url)).stdout
        rows = {line.split()[0]: line.split() for line in listing.splitlines()[1:] if line.strip()}
        for name in names:
            if name not in rows or rows[name][-1] == "-":
                fail(f"the key {name} of a finished run is not revoked:\n{listing}")
        note(f"both runs' keys revoked ({', '.join(names)})")
        note(f"passed in {time.monotonic() - STARTED:.1f} s")
    finally:
        subprocess.run(["scripts/pgcluster.sh", "stop", ".var/pg"], cwd=copy,
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
