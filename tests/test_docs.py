"""The README stays true: its CLI reference matches --help, and CI runs its test command."""

import re
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
        [sys.executable, "-m", "cogapp", "--check", "--diff", str(ROOT / "README.md")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, "README.md is out of date; run: cog -r README.md\n" + result.stdout + result.stderr


def test_readme_starts_with_the_two_commands() -> None:
    run_demo, run_tests = readme_commands()[:2]
    assert run_demo.endswith("qmarchive demo")
    assert run_tests.endswith("python -m pytest")
    assert README.index(run_tests) < README.index("## ")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_the_wheel_holds_every_module_and_data_file(tmp_path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
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
