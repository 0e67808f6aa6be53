from __future__ import annotations

import os
import subprocess
from importlib.resources import files
from pathlib import Path

from django.conf import settings

# The package's Python wrapper exits 0 even on errors, so the real Compose v2 binary is called.
COMPOSE = Path(str(files("compose"))) / "docker-compose"


def compose_config(project_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE), "config", "-q"],
        cwd=project_dir,
        env={**os.environ, "SECRET_KEY": "compose-validation"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_docker_compose_file_is_valid() -> None:
    result = compose_config(Path(settings.BASE_DIR))

    assert result.returncode == 0, result.stderr


def test_compose_validation_rejects_a_broken_file(tmp_path: Path) -> None:
    original = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    (tmp_path / "docker-compose.yml").write_text(
        original.replace("condition: service_healthy", "condition: when_it_feels_like_it", 1)
    )

    result = compose_config(tmp_path)

    assert result.returncode != 0


def test_compose_runs_every_part_of_the_stack_with_healthchecks() -> None:
    text = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()

    for service in ("postgres:", "redis:", "migrate:", "web:", "worker:", "beat:"):
        assert f"\n  {service}" in text
    assert text.count("healthcheck:") >= 4
