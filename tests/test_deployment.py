"""Production configuration and the docker-compose stack, checked without Docker."""

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "knowledge_exchange.settings.production",
    "SECRET_KEY": "a-long-random-production-like-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "knowledge-exchange.example",
}


def _manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    # The test run's own DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright) is not production's.
    dropped = {*PRODUCTION_ENVIRONMENT, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    inherited = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_ROOT,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_the_deployment_checks():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", environment=PRODUCTION_ENVIRONMENT
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in PRODUCTION_ENVIRONMENT.items() if k != "SECRET_KEY"}

    result = _manage("check", environment=environment)

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_collects_static_files_with_hashed_names(tmp_path):
    result = _manage(
        "collectstatic",
        "--noinput",
        "--verbosity",
        "0",
        environment={**PRODUCTION_ENVIRONMENT, "DJANGO_STATIC_ROOT": str(tmp_path)},
    )

    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css"))
    assert list(tmp_path.glob("css/site.*.css.gz"))


def _compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def test_compose_file_matches_the_compose_schema():
    check_jsonschema = shutil.which("check-jsonschema", path=os.path.dirname(sys.executable))
    result = subprocess.run(
        [check_jsonschema, "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_services_refer_only_to_services_and_volumes_it_defines():
    compose = _compose()
    services = compose["services"]

    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on undefined {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], f"{name} uses undefined volume {source}"


def test_compose_runs_the_whole_stack():
    services = _compose()["services"]

    assert set(services) == {"postgres", "redis", "mailpit", "web", "worker", "beat"}
    assert "migrate" in services["web"]["command"]
    assert "collectstatic" in services["web"]["command"]
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "knowledge_exchange", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "knowledge_exchange", "beat"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert environment["EMAIL_URL"] == "smtp://mailpit:1025"


@pytest.mark.parametrize("path", ["Dockerfile", "requirements/base.txt", "manage.py"])
def test_compose_build_context_has_what_the_image_needs(path):
    assert (PROJECT_ROOT / path).exists()
