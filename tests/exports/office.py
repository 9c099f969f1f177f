"""Render a generated .docx to PDF with LibreOffice, as a reader's office suite would, for tests to read."""

import shutil
import subprocess
from pathlib import Path

import pytest


def to_pdf(docx: bytes, workdir: Path, name="document") -> Path:
    """The PDF LibreOffice makes of `docx`. Fails (never skips) without LibreOffice: CI installs it (.ci/run)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: the document tests render .docx to PDF with it. "
                    "Install it (Debian: apt-get install libreoffice-writer-nogui fonts-noto-cjk), as .ci/run does.")
    source = workdir / f"{name}.docx"
    source.write_bytes(docx)
    profile = workdir / "lo-profile"  # a private profile: parallel runs do not fight over one
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(workdir), str(source)],
        capture_output=True, text=True, timeout=180,
    )
    pdf = workdir / f"{name}.pdf"
    if not pdf.exists():
        pytest.fail(f"LibreOffice did not convert {source.name}: {result.stdout}\n{result.stderr}")
    return pdf
