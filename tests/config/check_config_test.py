"""`certwatch check-config` on every config/testdata/invalid-*.yaml: exit code 2 and exactly the
message stated in the file's first line ("# want: ..."); the bundled example and a file using
every key pass with exit code 0; `certwatch config-reference` matches config/REFERENCE.md."""

import glob
import os
import subprocess
import unittest

import certwatch_testlib as lib

TESTDATA = os.path.join(lib.SOURCE_DIR, "config", "testdata")


def run(args, cwd=None):
    return subprocess.run([lib.BIN] + args, cwd=cwd, capture_output=True, text=True, timeout=60)


class CheckConfigTest(unittest.TestCase):
    def test_every_invalid_file_gives_its_exact_error(self):
        files = sorted(glob.glob(os.path.join(TESTDATA, "invalid-*.yaml")))
        self.assertGreaterEqual(len(files), 30)
        for path in files:
            name = os.path.basename(path)
            with open(path, encoding="utf-8") as f:
                first = f.readline().rstrip("\n")
            self.assertTrue(first.startswith("# want: "), name)
            want = first[len("# want: "):]
            with self.subTest(file=name):
                r = run(["check-config", name], cwd=TESTDATA)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stderr, want + "\n")
                self.assertEqual(r.stdout, "")

    def test_absolute_path_is_named_in_the_error(self):
        path = os.path.join(TESTDATA, "invalid-bool-yes.yaml")
        r = run(["check-config", path])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, path + ":3:12: kubernetes.enabled: want a boolean (true or "
                         "false), got string \"yes\"\n")

    def test_example_and_full_configs_pass(self):
        for path in (os.path.join(lib.SOURCE_DIR, "config", "example.yaml"),
                     os.path.join(TESTDATA, "valid-full.yaml")):
            with self.subTest(file=path):
                r = run(["check-config", path])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, path + ": ok\n")
                self.assertEqual(r.stderr, "")

    def test_interval_only_config_lowers_the_default_timeouts(self):
        # Prometheus's scrape_timeout rule: a defaulted timeout above a shorter interval is
        # lowered to it (and said so), only a timeout the file sets is an error.
        r = run(["check-config", "valid-interval-only.yaml"], cwd=TESTDATA)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "valid-interval-only.yaml: ok\n"
                         "  tls_probes.timeout: 1s (its default 10s exceeds tls_probes.interval)\n"
                         "  dns_probes.timeout: 2s (its default 5s exceeds dns_probes.interval)\n")

    def test_missing_file(self):
        r = run(["check-config", "no-such-config.yaml"], cwd=TESTDATA)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "no-such-config.yaml: cannot read: No such file or directory\n")

    def test_usage_error_exits_2(self):
        r = run(["check-config"])
        self.assertEqual(r.returncode, 2)

    def test_config_reference_matches_committed_file(self):
        r = run(["config-reference"])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(lib.SOURCE_DIR, "config", "REFERENCE.md"), encoding="utf-8") as f:
            self.assertEqual(r.stdout, f.read())
        # Hidden from the help text: a maintainer's command.
        h = run(["--help"])
        self.assertNotIn("config-reference", h.stdout)
        self.assertIn("check-config", h.stdout)


if __name__ == "__main__":
    unittest.main()
