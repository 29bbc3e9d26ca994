"""The command line: global flags, and each sub-command imports only what it needs."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

from lineage_stream.cli import main

HEAVY = ("neo4j", "prometheus_client", "lineage_stream.app", "lineage_stream_dev.infra", "lineage_stream_dev.bench",
         "lineage_stream_dev.reliability", "lineage_stream.worker")


def _imported_after(argv: list[str]) -> set[str]:
    code = ("import sys\nfrom lineage_stream.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print('\\n'.join(sys.modules))" % (argv,))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["produce", "--help"], ["dlq", "list", "--help"],
                                  ["config", "docs"]])
def test_light_commands_import_no_worker_or_tooling_modules(argv):
    loaded = _imported_after(argv)
    assert not {m for m in loaded for heavy in HEAVY if m == heavy or m.startswith(heavy + ".")}


def test_tooling_is_imported_only_for_its_own_command():
    assert "lineage_stream_dev.infra.manager" in _imported_after(["infra", "--help"])
    assert "lineage_stream_dev.bench.__main__" in _imported_after(["bench", "--help"])


def test_the_development_tooling_adds_its_commands_through_entry_points(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "bench " in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"lineage-stream {version('lineage-stream')}"


def test_config_show_applies_flags_over_environment_and_masks_secrets(capsys, monkeypatch, tmp_path):
    config = tmp_path / "s.toml"
    config.write_text('[neo4j]\npassword = "file-secret-123"\nuser = "from-file"\n', encoding="utf-8")
    monkeypatch.setenv("LINEAGE_NEO4J_USER", "from-env")
    assert main(["--config", str(config), "--log-level", "warning", "config", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["neo4j"]["user"] == "from-env"
    assert shown["log_level"] == "WARNING"
    assert "file-secret-123" not in json.dumps(shown) and shown["neo4j"]["password"] == "**********"


def test_bad_settings_stop_with_a_clear_message(capsys, monkeypatch):
    monkeypatch.setenv("LINEAGE_BATCH_SIZE", "lots")
    assert main(["config", "show"]) == 2
    assert "ConfigError: invalid settings: batch_size" in capsys.readouterr().err
