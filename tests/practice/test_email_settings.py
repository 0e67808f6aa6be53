"""EMAIL_URL as the README writes it: `filemail:///path` is the absolute folder /path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from practice.settings import email_config

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def test_a_filemail_url_with_three_slashes_names_an_absolute_folder() -> None:
    config = email_config("filemail:///var/mail/fulcrum")

    assert config["EMAIL_BACKEND"] == FILE_BACKEND
    assert config["EMAIL_FILE_PATH"] == "/var/mail/fulcrum"


def test_the_four_slash_form_names_the_same_absolute_folder() -> None:
    assert email_config("filemail:////var/mail/fulcrum")["EMAIL_FILE_PATH"] == "/var/mail/fulcrum"


def test_a_filemail_url_without_slashes_names_a_folder_relative_to_the_working_directory() -> None:
    assert email_config("filemail:var/mail")["EMAIL_FILE_PATH"] == "var/mail"


def test_an_escaped_space_in_a_filemail_path_is_read_as_a_space() -> None:
    assert email_config("filemail:///srv/sent%20mail")["EMAIL_FILE_PATH"] == "/srv/sent mail"


def test_a_filemail_url_with_a_host_is_refused_with_the_expected_form() -> None:
    # django-environ would silently drop the host: `filemail://var/mail` would mean `mail`.
    with pytest.raises(ImproperlyConfigured, match=r"filemail:///absolute/path"):
        email_config("filemail://var/mail")


def test_other_email_urls_are_read_as_before() -> None:
    config = email_config("smtp+tls://mailer:s3cret@smtp.example.org:587")

    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "smtp.example.org"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "mailer"
    assert config["EMAIL_HOST_PASSWORD"] == "s3cret"
    assert config["EMAIL_USE_TLS"] is True


def test_mail_sent_with_the_readme_filemail_example_lands_in_the_absolute_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "mail"
    elsewhere = tmp_path / "elsewhere"  # the working directory: a relative path would land here
    elsewhere.mkdir()

    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "sendtestemail",
         "someone@example.org"],
        cwd=elsewhere,
        env={**os.environ, "EMAIL_URL": f"filemail://{folder}"},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert str(folder).startswith("/")
    sent = list(folder.iterdir())
    assert len(sent) == 1
    assert "someone@example.org" in sent[0].read_text()
    assert list(elsewhere.iterdir()) == []
