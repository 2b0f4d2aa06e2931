"""The README stays true: its CLI reference matches --help, and CI runs its test command."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README)


def test_cli_reference_matches_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", str(ROOT / "docs" / "cli.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, (
        "docs/cli.md is out of date; run: cog -r docs/cli.md\n" + result.stdout + result.stderr
    )


def test_readme_starts_with_the_two_commands() -> None:
    run_demo, run_tests = readme_commands()[:2]
    assert run_demo.endswith("qmarchive demo")
    assert run_tests == "scripts/test.sh"
    assert README.index(run_tests) < README.index("## ")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_test_script_installs_what_the_tests_need_and_runs_pytest() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    [packages] = re.findall(r"^packages=\((.+)\)$", script, re.MULTILINE)
    assert set(packages.split()) == {"fonts-dejavu-core", "tesseract-ocr", "tesseract-ocr-deu", "chromium"}
    assert "python3 -m venv .venv\n" in script
    assert "\n.venv/bin/pip install --quiet --config-settings editable_mode=compat -e '.[test]'\n" in script
    assert script.rstrip().endswith(
        '.venv/bin/ruff check .\n.venv/bin/ruff format --check .\n.venv/bin/mypy\nexec .venv/bin/python -m pytest "$@"'
    )


def test_test_script_names_the_packages_it_cannot_install(tmp_path) -> None:
    """Without root, sudo or apt-get the script stops before pytest and says what to install."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "grep", "id"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test.sh")],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir)},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert (
        "missing and apt-get is not available: fonts-dejavu-core tesseract-ocr tesseract-ocr-deu chromium"
        in result.stderr
    )


def test_the_wheel_holds_every_module_and_data_file(tmp_path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("qmarchive-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = {name for name in archive.namelist() if name.startswith("qmarchive/")}
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "qmarchive").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert on_disk <= packaged


def test_readme_is_short_and_its_links_resolve() -> None:
    assert len(README.encode("utf-8")) < 12 * 1024, "README.md is for the first screens; the guide is in docs/"
    links = re.findall(r"\]\(((?!https?:)[^)#]+)\)", README)
    assert "docs/cli.md" in links
    for link in links:
        assert (ROOT / link).is_file(), link
