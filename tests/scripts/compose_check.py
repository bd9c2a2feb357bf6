#!/usr/bin/env python3
"""Static checks of docker/compose.yaml, docker/Dockerfile and docker/entrypoint.sh, for machines
without a Docker engine or podman-compose (CI here):

- the database password is required (`${POSTGRES_PASSWORD:?...}`, never a default), reaches libpq
  as PGPASSWORD apart from a DATABASE_URL that holds no password, and interpolating the file
  without it fails while any password (with @ : / # ? % and spaces) arrives unchanged;
- every service runs read-only, with every capability dropped and no-new-privileges; the
  database as a non-root user with tmpfs for its socket and /tmp;
- images pinned to an exact version (or a digest): the services' and the Dockerfile's FROM lines;
- the Dockerfile's OCI labels (org.opencontainers.image.*) and entrypoint;
- the entrypoint reads VAR_FILE secrets, refuses VAR and VAR_FILE together, runs parleyd by
  default and `parley ...` when asked (run here with stand-ins for the two programs);
- the README's Deploy section shows one-shot `parley migrate` and `parley load` with the image.

    python3 tests/scripts/compose_check.py        (from anywhere; needs python3-yaml)
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE = os.path.join(TOP, "docker", "compose.yaml")
DOCKERFILE = os.path.join(TOP, "docker", "Dockerfile")
ENTRYPOINT = os.path.join(TOP, "docker", "entrypoint.sh")
PINNED = re.compile(r"^[\w./-]+(:\d+(\.\d+)+(-[\w.]+)?)?(@sha256:[0-9a-f]{64})?$")
TRICKY_PASSWORD = "p@ss:w/rd#1 ?%25 end"


class InterpolationError(Exception):
    pass


def interpolate(text, environment):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$."""
    pattern = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        value = environment.get(name)
        missing = value is None or (operator is not None and operator.startswith(":") and value == "")
        if operator in (":?", "?") and missing:
            raise InterpolationError(f"{name}: {argument}")
        if operator in (":-", "-") and missing:
            return argument
        return value or ""
    return pattern.sub(replace, text)


def load(environment):
    """The file as Compose sees it: parsed as YAML, then every string interpolated."""
    def walk(node):
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        if isinstance(node, str):
            return interpolate(node, environment)
        return node
    with open(COMPOSE, encoding="utf-8") as f:
        return walk(yaml.safe_load(f))


class Compose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(COMPOSE, encoding="utf-8") as f:
            cls.text = f.read()
        cls.raw = yaml.safe_load(cls.text)
        cls.services = cls.raw["services"]

    def test_password_required(self):
        uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", self.text)
        self.assertTrue(uses, "the compose file uses POSTGRES_PASSWORD")
        for use in uses:
            self.assertTrue(use.startswith(":?"), f"${{POSTGRES_PASSWORD{use}}} must be :? (required)")
        with self.assertRaises(InterpolationError):
            load({})
        with self.assertRaises(InterpolationError):
            load({"POSTGRES_PASSWORD": ""})

    def test_password_reaches_libpq_unchanged(self):
        config = load({"POSTGRES_PASSWORD": TRICKY_PASSWORD})
        self.assertEqual(config["services"]["db"]["environment"]["POSTGRES_PASSWORD"], TRICKY_PASSWORD)
        for name, service in config["services"].items():
            environment = service.get("environment", {})
            if "DATABASE_URL" not in environment:
                continue
            with self.subTest(service=name):
                url = environment["DATABASE_URL"]
                self.assertNotRegex(url, r"^postgres(ql)?://[^/@]*:[^/@]*@", "no password in the URL")
                self.assertEqual(environment.get("PGPASSWORD"), TRICKY_PASSWORD)

    def test_hardened(self):
        for name, service in self.services.items():
            with self.subTest(service=name):
                self.assertIs(service.get("read_only"), True, "read_only: true")
                self.assertEqual(service.get("cap_drop"), ["ALL"], "cap_drop: [ALL]")
                self.assertIn("no-new-privileges:true", service.get("security_opt", []))
                self.assertFalse(service.get("privileged", False))
                self.assertNotIn("cap_add", service, "no capability added back")
        db = self.services["db"]
        self.assertRegex(str(db.get("user", "")), r"^[1-9]\d*(:\d+)?$", "PostgreSQL as a non-root user")
        self.assertTrue({"/var/run/postgresql", "/tmp"} <= set(db.get("tmpfs", [])))
        self.assertTrue(any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"]))

    def test_images_pinned(self):
        for name, service in self.services.items():
            with self.subTest(service=name):
                image = service.get("image")
                self.assertIsNotNone(image)
                if "build" in service or image.split(":")[0] == "parley":
                    continue  # built here
                self.assertNotRegex(image, r":(latest|\d+|\d+-\w+)$", "an exact version, not a moving tag")
                self.assertRegex(image, PINNED)
                self.assertRegex(image, r":\d+\.\d+|@sha256:")

    def test_no_host_exposure_of_the_database(self):
        self.assertNotIn("ports", self.services["db"])
        for port in self.services["parleyd"].get("ports", []):
            self.assertTrue(str(port).startswith("127.0.0.1:"), f"{port}: loopback only by default")


class Dockerfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOCKERFILE, encoding="utf-8") as f:
            cls.text = f.read()

    def test_base_images_pinned(self):
        bases = re.findall(r"^FROM\s+(\S+)", self.text, re.M)
        self.assertTrue(bases)
        for base in bases:
            with self.subTest(base=base):
                self.assertRegex(base, r":\d+\.\d+|@sha256:", "an exact Debian point release or digest")

    def test_oci_labels(self):
        labels = set(re.findall(r"(org\.opencontainers\.image\.[a-z.]+)=", self.text))
        for label in ("title", "description", "version", "revision", "created"):
            self.assertIn(f"org.opencontainers.image.{label}", labels)

    def test_entrypoint(self):
        self.assertIn("COPY docker/entrypoint.sh /usr/local/bin/parley-entrypoint", self.text)
        self.assertRegex(self.text, r'ENTRYPOINT \["/usr/local/bin/parley-entrypoint"\]')
        self.assertRegex(self.text, r'CMD \["parleyd"\]')
        self.assertRegex(self.text, re.compile(r"^USER 10001:10001$", re.M))


class Entrypoint(unittest.TestCase):
    """The entrypoint with stand-ins for parleyd and parley that print what they were given."""

    def setUp(self):
        self.work = tempfile.TemporaryDirectory(prefix="parley-entrypoint.")
        self.addCleanup(self.work.cleanup)
        for program in ("parleyd", "parley"):
            path = os.path.join(self.work.name, program)
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\necho "{program} $*"\n'
                        'echo "PGPASSWORD=${PGPASSWORD-unset} DATABASE_URL=${DATABASE_URL-unset}"\n'
                        'echo "PGPASSWORD_FILE=${PGPASSWORD_FILE-unset}"\n')
            os.chmod(path, 0o755)

    def run_entrypoint(self, *args, **environment):
        env = {"PATH": f"{self.work.name}:/usr/bin:/bin"}
        env.update(environment)
        return subprocess.run(["sh", ENTRYPOINT, *args], env=env, capture_output=True, text=True)

    def secret(self, content):
        path = os.path.join(self.work.name, "secret")
        with open(path, "w") as f:
            f.write(content)
        return path

    def test_executable(self):
        self.assertTrue(os.access(ENTRYPOINT, os.X_OK), "docker/entrypoint.sh is executable")

    def test_parleyd_by_default_and_with_options(self):
        out = self.run_entrypoint()
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.splitlines()[0], "parleyd ")
        out = self.run_entrypoint("--healthcheck")
        self.assertEqual(out.stdout.splitlines()[0], "parleyd --healthcheck")

    def test_parley_one_shot(self):
        out = self.run_entrypoint("parley", "migrate")
        self.assertEqual(out.stdout.splitlines()[0], "parley migrate")
        out = self.run_entrypoint("parley", "load", "/articles")
        self.assertEqual(out.stdout.splitlines()[0], "parley load /articles")

    def test_password_file(self):
        out = self.run_entrypoint("parley", "migrate", PGPASSWORD_FILE=self.secret(TRICKY_PASSWORD + "\n"))
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[1], f"PGPASSWORD={TRICKY_PASSWORD} DATABASE_URL=unset")
        self.assertEqual(lines[2], "PGPASSWORD_FILE=unset", "the _FILE variable is not passed on")

    def test_url_file(self):
        url = "postgresql://parley:s3cret@db:5432/parley"
        out = self.run_entrypoint(DATABASE_URL_FILE=self.secret(url))
        self.assertEqual(out.stdout.splitlines()[1], f"PGPASSWORD=unset DATABASE_URL={url}")

    def test_both_refused(self):
        out = self.run_entrypoint(PGPASSWORD="x", PGPASSWORD_FILE=self.secret("y"))
        self.assertEqual(out.returncode, 64)
        self.assertIn("both PGPASSWORD and PGPASSWORD_FILE", out.stderr)
        self.assertEqual(out.stdout, "")

    def test_unreadable_file_refused(self):
        out = self.run_entrypoint(PGPASSWORD_FILE=os.path.join(self.work.name, "absent"))
        self.assertEqual(out.returncode, 66)
        self.assertEqual(out.stdout, "")


class Readme(unittest.TestCase):
    def test_one_shot_commands(self):
        with open(os.path.join(TOP, "README.md"), encoding="utf-8") as f:
            text = f.read()
        deploy = text[text.index("## Deploy"):]
        deploy = deploy[:deploy.index("\n## ", 1)]
        self.assertRegex(deploy, r"docker compose -f docker/compose\.yaml run --rm parleyd parley migrate")
        self.assertRegex(deploy, r"docker compose -f docker/compose\.yaml run --rm .*parleyd parley load /articles")
        self.assertRegex(deploy, r"docker run --rm (?:[^\n]|\\\n)*parley:0\.1\.0 parley migrate")
        self.assertIn("export POSTGRES_PASSWORD=", deploy)


if __name__ == "__main__":
    unittest.main(verbosity=1)
