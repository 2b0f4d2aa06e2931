"""Withdrawal: `qmarchive withdraw` and `reinstate` through the CLI, what they change in the database, the
search index, the archive's log, status, verify and the hand-over package, and the 410 notices of a live
server."""

from __future__ import annotations

import csv
import getpass
import json
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import BODIES, cli_args, ihek_spec
from pdfmaker import make_pdf, running_pages

from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.search import german_terms
from harness import child_server

REASON = "Enthält personenbezogene Daten (Antrag vom 01.12.2026)"


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, *args))


def query(paths: Paths, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(paths.database) as conn:
        return conn.execute(sql, params).fetchall()


def log_lines(paths: Paths) -> list[dict]:
    log = paths.archive / "provenance.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def withdraw(paths: Paths, document_id: str = "ihek-2012", reason: str = REASON):
    result = run(paths, "withdraw", document_id, "--reason", reason)
    assert result.exit_code == 0, result.output
    return result


def test_withdraw_removes_the_document_from_everything_that_publishes_it_and_keeps_a_record(
    copy: Paths, tmp_path: Path
) -> None:
    sha256 = query(copy, "select sha256 from documents where id = 'ihek-2012'")[0][0]
    result = withdraw(copy)
    at = query(copy, "select withdrawn_at from withdrawals")[0][0]
    assert result.stdout.splitlines() == [
        f"Withdrew ihek-2012 (IHEK 2012, 2 pages, SHA-256 {sha256}) on {at} by {getpass.getuser()}: {REASON}",
        f"Its citation URLs now answer 410 Gone; the act is recorded in {copy.archive / 'provenance.jsonl'}. "
        "Undo: qmarchive reinstate ihek-2012",
        "Search index updated: 0 pages indexed, 2 removed, 4 in all — "
        + result.stdout.splitlines()[2].rsplit("— ", 1)[1],
    ]
    assert query(copy, "select id from documents") == [("ihek-2019-2021",)]
    for table, column in (("pages", "document_id"), ("sections", "document_id"), ("provenance", "document_id")):
        assert query(copy, f"select count(*) from {table} where {column} = 'ihek-2012'") == [(0,)]
    assert query(copy, "select count(*) from page_topics where page_id like 'ihek-2012/%'") == [(0,)]
    for fts in ("pages_fts", "pages_trigram"):
        hits = query(
            copy, f"select p.document_id from {fts} f join pages p on p.rowid = f.rowid where {fts} match 'Einleitung'"
        )
        assert {row[0] for row in hits} == {"ihek-2019-2021"}
    assert query(
        copy, "select document_id, title, file, sha256, page_count, withdrawn_by, reason from withdrawals"
    ) == [("ihek-2012", "IHEK 2012", "pdf/ihek-2012.pdf", sha256, 2, getpass.getuser(), REASON)]
    act = log_lines(copy)[-1]
    assert {key: act[key] for key in ("document_id", "outcome", "by", "reason", "sha256", "finished_at")} == {
        "document_id": "ihek-2012",
        "outcome": "withdrawn",
        "by": getpass.getuser(),
        "reason": REASON,
        "sha256": sha256,
        "finished_at": at,
    }
    assert (copy.archive / "pdf" / "ihek-2012.pdf").is_file()  # the archive keeps the file
    cited = run(copy, "cite", "ihek-2012/1")
    assert cited.exit_code == 1 and cited.stderr == (
        f"Error: document 'ihek-2012' was withdrawn from the archive on {at[:10]} ({REASON}; SHA-256 {sha256}); "
        "its permalinks answer 410 Gone\n"
    )

    hits = json.loads(run(copy, "search", "Bewohnerschaft", "--json").stdout)
    assert {hit["document_id"] for hit in hits} == {"ihek-2019-2021"}
    assert json.loads(run(copy, "search", "dokument:ihek-2012", "--json", "--engine", "whoosh").stdout) == []
    assert (
        "unknown dokument 'ihek-2012'" in run(copy, "search", "dokument:ihek-2012", "--json").stderr
    )  # german: no such document
    assert run(copy, "export", "--table", "documents", "-o", str(tmp_path / "d.csv")).exit_code == 0
    with (tmp_path / "d.csv").open(encoding="utf-8") as f:
        assert [row["id"] for row in csv.DictReader(f)] == ["ihek-2019-2021"]

    status = json.loads(run(copy, "status", "--json").stdout)
    assert [(w["document_id"], w["reason"], w["sha256"]) for w in status["withdrawn"]] == [
        ("ihek-2012", REASON, sha256)
    ]
    index = status["search_index"]
    assert (index["pages"], index["indexed_pages"], index["in_step"]) == (6, 4, True)  # marker of the build: 6
    text = run(copy, "status").stdout
    assert (
        f"Withdrawn:      1\n  ihek-2012: withdrawn {at} by {getpass.getuser()}: {REASON} (SHA-256 {sha256}); "
        "undo: qmarchive reinstate ihek-2012\n"
    ) in text
    assert "Search index:   4 pages indexed, 4 in the database, in step; built " in text
    verified = run(copy, "verify")
    assert verified.exit_code == 0, verified.output
    assert "; 1 withdrawn document(s) not checked" in verified.stdout
    assert "ihek-2012" not in verified.stdout.replace("1 withdrawn document(s) not checked", "")


def test_ingest_skips_a_withdrawn_document_while_its_catalog_row_is_there(copy: Paths) -> None:
    withdraw(copy)
    result = run(copy, "ingest")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("0 ingested (0 pages), 1 unchanged, 0 failed, 1 missing, 1 withdrawn (skipped) — ")
    assert (
        f"Skipped: {copy.archive / 'pdf' / 'ihek-2012.pdf'}: document ihek-2012 was withdrawn on "
        f"{query(copy, 'select withdrawn_at from withdrawals')[0][0][:10]} by {getpass.getuser()} ({REASON}); "
        "not ingested again. To publish it again: 'qmarchive reinstate ihek-2012'; to keep it out for good, "
        "remove its catalog row"
    ) in result.stderr
    assert query(copy, "select id from documents") == [("ihek-2019-2021",)]
    assert query(copy, "select withdrawn from ingest_runs order by id desc limit 1") == [(1,)]
    explicit = run(copy, "ingest", str(copy.archive / "pdf" / "ihek-2012.pdf"))
    assert "1 withdrawn (skipped)" in explicit.stdout and query(copy, "select count(*) from documents") == [(1,)]


def test_a_database_rebuilt_from_the_archive_withdraws_it_again(copy: Paths) -> None:
    withdraw(copy)
    shutil.rmtree(copy.index)
    result = run(copy, "ingest")
    assert result.exit_code == 0, result.output
    assert "1 ingested (4 pages), 0 unchanged, 0 failed, 1 missing, 1 withdrawn (skipped)" in result.stdout
    assert query(copy, "select id from documents") == [("ihek-2019-2021",)]
    assert query(copy, "select document_id, title, reason, withdrawn_by from withdrawals") == [
        ("ihek-2012", "IHEK 2012", REASON, getpass.getuser())
    ]


def test_reinstate_publishes_it_again_and_the_log_keeps_both_acts(copy: Paths) -> None:
    pages = query(copy, "select id, text_sha256 from pages where document_id = 'ihek-2012' order by id")
    withdraw(copy)
    result = run(copy, "reinstate", "ihek-2012", "--reason", "Daten geschwärzt")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Reinstated ihek-2012 (withdrawn on {log_lines(copy)[-2]['finished_at'][:10]}); "
        f"reading {copy.archive / 'pdf' / 'ihek-2012.pdf'} again."
    )
    assert lines[1].startswith("1 ingested (2 pages), 0 unchanged, 0 failed, 0 missing — ")
    assert lines[2].startswith("Search index updated: 2 pages indexed, 0 removed, 6 in all")
    assert query(copy, "select id, text_sha256 from pages where document_id = 'ihek-2012' order by id") == pages
    assert query(copy, "select count(*) from withdrawals") == [(0,)]
    assert [(r["outcome"], r["reason"]) for r in log_lines(copy)[-2:]] == [
        ("withdrawn", REASON),
        ("reinstated", "Daten geschwärzt"),
    ]
    assert query(copy, "select outcome, message from provenance where document_id = 'ihek-2012' order by id") == [
        ("withdrawn", f"withdrawn by {getpass.getuser()}: {REASON}"),
        ("reinstated", f"reinstated by {getpass.getuser()}: Daten geschwärzt"),
    ]
    status = json.loads(run(copy, "status", "--json").stdout)
    assert status["withdrawn"] == [] and status["search_index"]["in_step"] is True
    assert status["search_index"]["indexed_pages"] == 6
    assert run(copy, "verify").exit_code == 0
    assert result.stderr == ""


def test_reinstating_with_another_file_says_so(copy: Paths) -> None:
    withdraw(copy)
    old = query(copy, "select sha256 from withdrawals")[0][0]
    pdf = copy.archive / "pdf" / "ihek-2012.pdf"
    make_pdf(pdf, ihek_spec(pages=running_pages(BODIES[1:3]), title="IHEK 2012 (geschwärzt)"))
    result = run(copy, "reinstate", "ihek-2012")
    assert result.exit_code == 0, result.output
    new = query(copy, "select sha256 from documents where id = 'ihek-2012'")[0][0]
    assert new != old
    assert result.stderr == (
        f"Warning: {pdf} now has SHA-256 {new}, not the {old} it had when it was withdrawn; "
        "the file as it is now is published.\n"
    )


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (
            None,
            ["withdraw", "nix", "--reason", "x"],
            "Error: no document 'nix' in the database {db}; 'qmarchive status' lists the documents",
        ),
        (
            "withdraw",
            ["withdraw", "ihek-2012", "--reason", "noch einmal"],
            "Error: document ihek-2012 was already withdrawn on {day} ({reason})",
        ),
        (
            None,
            ["withdraw", "ihek-2012", "--reason", "  "],
            "Error: give the reason for the withdrawal (--reason); it is shown with the notice",
        ),
        (
            None,
            ["reinstate", "ihek-2012"],
            "Error: document ihek-2012 is not withdrawn; 'qmarchive status' lists the withdrawn documents",
        ),
        (
            "withdraw+delete",
            ["reinstate", "ihek-2012"],
            "Error: {pdf}: not in the archive; put the file back (it had SHA-256 {sha}",
        ),
        (
            "withdraw+uncatalogue",
            ["reinstate", "ihek-2012"],
            "Error: document ihek-2012 has no row in {catalog}: restore its catalog row (file pdf/ihek-2012.pdf)",
        ),
    ],
)
def test_withdraw_and_reinstate_refuse_cleanly(copy: Paths, setup: str | None, args: list[str], message: str) -> None:
    sha = query(copy, "select sha256 from documents where id = 'ihek-2012'")[0][0]
    if setup:
        withdraw(copy)
    if setup == "withdraw+delete":
        (copy.archive / "pdf" / "ihek-2012.pdf").unlink()
    if setup == "withdraw+uncatalogue":
        lines = copy.catalog.read_text(encoding="utf-8").splitlines(keepends=True)
        copy.catalog.write_text("".join(line for line in lines if not line.startswith("ihek-2012,")), encoding="utf-8")
    before = query(copy, "select (select count(*) from documents), (select count(*) from withdrawals)")
    lines = len(log_lines(copy))
    result = run(copy, *args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    day = query(copy, "select withdrawn_at from withdrawals")[0][0][:10] if setup else ""
    assert (
        message.format(
            db=copy.database,
            day=day,
            reason=REASON,
            pdf=copy.archive / "pdf" / "ihek-2012.pdf",
            sha=sha,
            catalog=copy.catalog,
        )
        in result.stderr
    )
    assert query(copy, "select (select count(*) from documents), (select count(*) from withdrawals)") == before
    assert len(log_lines(copy)) == lines  # nothing recorded


def test_a_catalog_row_that_disappears_is_named_by_ingest_status_and_verify(copy: Paths) -> None:
    lines = copy.catalog.read_text(encoding="utf-8").splitlines(keepends=True)
    copy.catalog.write_text("".join(line for line in lines if not line.startswith("ihek-2012,")), encoding="utf-8")
    advice = (
        "document ihek-2012 is in the database but no longer in the catalog: withdraw it "
        "('qmarchive withdraw ihek-2012 --reason …') or restore its catalog row"
    )
    ingested = run(copy, "ingest")
    assert ingested.exit_code == 0 and f"Warning: {advice}.\n" in ingested.stderr
    status = run(copy, "status")
    assert f"Not in catalog: 1\n  {advice}\n" in status.stdout
    assert json.loads(run(copy, "status", "--json").stdout)["uncatalogued"] == [
        {"id": "ihek-2012", "title": "IHEK 2012", "file": "pdf/ihek-2012.pdf", "advice": advice}
    ]
    verified = run(copy, "verify", "--json")
    assert verified.exit_code == 1
    findings = [
        f for check in json.loads(verified.stdout)["checks"] for f in check["findings"] if f["severity"] == "failed"
    ]
    assert findings == [
        {
            "subject": str(copy.catalog),
            "severity": "failed",
            "code": "not-in-catalog",
            "document_id": "ihek-2012",
            "message": advice,
        }
    ]
    withdraw(copy)  # what the advice says: then everything passes
    assert run(copy, "verify").exit_code == 0
    assert "Not in catalog" not in run(copy, "status").stdout


def test_the_hand_over_package_leaves_a_withdrawn_document_out(copy: Paths, tmp_path: Path) -> None:
    withdraw(copy)
    bag = tmp_path / "bag"
    result = run(copy, "package", str(bag), "--contact-name", "A", "--contact-email", "a@example.org", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (bag / "data" / "pdf").iterdir()) == ["ihek-2019-2021.pdf"]
    assert sorted(p.name for p in (bag / "data" / "metadata").iterdir()) == ["ihek-2019-2021.xml"]
    with sqlite3.connect(bag / "data" / "qmarchive.db") as conn:
        assert conn.execute("select id from documents").fetchall() == [("ihek-2019-2021",)]
        assert conn.execute("select count(*) from pages where document_id = 'ihek-2012'").fetchone() == (0,)
        assert conn.execute("select document_id, reason from withdrawals").fetchall() == [("ihek-2012", REASON)]
    assert "withdrawn" in {
        json.loads(line)["outcome"] for line in (bag / "data" / "provenance.jsonl").read_text().splitlines()
    }


@pytest.mark.slow
def test_citation_urls_of_a_withdrawn_document_answer_410_gone_over_http(copy: Paths) -> None:
    withdraw(copy)
    sha256, day = query(copy, "select sha256, withdrawn_at from withdrawals")[0]
    german_day = f"{day[8:10]}.{day[5:7]}.{day[:4]}"
    notice = f"wurde am {german_day} aus dem Archiv zurückgezogen. Grund: {REASON}. SHA-256 der Datei: {sha256}."
    with child_server(copy.archive, copy.index) as base, httpx.Client(base_url=base) as client:
        for path, first in [
            ("/-/zitat/ihek-2012/2", "Seite 2 des Dokuments"),
            ("/-/zitat/ihek-2012", "Das Dokument"),
            ("/-/pdf/ihek-2012", "Das Dokument"),
            ("/qmarchive/documents/ihek-2012", "Das Dokument"),
            ("/qmarchive/pages/ihek-2012~2F2", "Seite 2 des Dokuments"),
        ]:
            response = client.get(path)
            assert response.status_code == 410, path
            assert response.headers["content-type"] == "text/html; charset=utf-8"
            assert f"{first} „IHEK 2012“ (ihek-2012) {notice}" in response.text, path
            assert "<h1>Zurückgezogen: IHEK 2012</h1>" in response.text
        for path, page in [
            ("/qmarchive/documents/ihek-2012.json", None),
            ("/qmarchive/pages/ihek-2012~2F1.json", 1),
            ("/-/zitat/ihek-2012/1.json", 1),
        ]:
            response = client.get(path)
            assert response.status_code == 410, path
            assert response.json()["zurueckgezogen"] == {
                "dokument": "ihek-2012",
                "seite": page,
                "titel": "IHEK 2012",
                "zurueckgezogen_am": day,
                "grund": REASON,
                "sha256": sha256,
            }
        assert client.get("/qmarchive/pages/ihek-2012%2F2", follow_redirects=True).status_code == 410
        assert client.get("/qmarchive/pages/ihek-2012~2F3").status_code == 404  # it had two pages
        assert client.get("/-/zitat/ihek-2012/3").status_code == 404
        assert client.get("/qmarchive/pages/nix~2F1").status_code == 404
        assert client.get("/-/pdf/ihek-2019-2021").status_code == 200
        assert client.get("/qmarchive/pages/ihek-2019-2021~2F2").status_code == 200
        found = client.get("/-/suche.json", params={"q": "Einleitung"}).json()
        assert found["total"] == 1 and {hit["document_id"] for hit in found["hits"]} == {"ihek-2019-2021"}
        facets = client.get("/qmarchive/pages.json", params={"_facet": "document_id"}).json()["facet_results"]
        assert [v["value"] for v in facets["document_id"]["results"]] == ["ihek-2019-2021"]
        record = client.get("/qmarchive/withdrawals/ihek-2012.json", params={"_shape": "objects"}).json()["rows"][0]
        assert (record["reason"], record["sha256"]) == (REASON, sha256)


def test_status_reads_the_index_as_it_is_now_and_says_whether_it_is_in_step(copy: Paths) -> None:
    make_pdf(copy.archive / "pdf" / "ihek-2010.pdf", ihek_spec(pages=running_pages(BODIES[:3]), title="IHEK 2010"))
    assert run(copy, "ingest", "--no-index").exit_code == 0
    index = json.loads(run(copy, "status", "--json").stdout)["search_index"]
    assert {
        key: index[key] for key in ("pages", "indexed_pages", "database_pages", "in_step", "missing", "stale", "extra")
    } == {
        "pages": 6,
        "indexed_pages": 6,
        "database_pages": 9,
        "in_step": False,
        "missing": 3,
        "stale": 0,
        "extra": 0,
    }
    assert index["missing_pages"] == ["ihek-2010/1", "ihek-2010/2", "ihek-2010/3"]
    text = run(copy, "status").stdout
    assert (
        "Search index:   6 pages indexed, 9 in the database, out of step (3 missing): run 'qmarchive index'; built "
        in text
    )
    # The German engine's terms are written with the pages, so they are in step without 'qmarchive index'.
    assert "German terms:   9 of 9 pages analysed (the default engine), current version\n" in text
    assert run(copy, "index").exit_code == 0
    index = json.loads(run(copy, "status", "--json").stdout)["search_index"]
    assert (index["pages"], index["indexed_pages"], index["in_step"]) == (6, 9, True)
    with sqlite3.connect(copy.database) as conn:
        conn.execute("DELETE FROM pages_german WHERE rowid = (SELECT rowid FROM pages WHERE id = 'ihek-2010/1')")
    terms = json.loads(run(copy, "status", "--json").stdout)["german_terms"]
    listed = terms.pop("best_pages")
    assert (listed["fresh"], listed["lists"]) == (1, 0)  # no word is on enough pages of so small an archive
    assert terms == {
        "pages": 8,
        "version": german_terms.version(),
        "rebuild_reason": "1 pages without terms",
    }
    assert (
        "German terms:   8 of 9 pages analysed (the default engine), needs 'qmarchive index' (1 pages without terms)"
        in run(copy, "status").stdout
    )


def test_the_withdrawn_text_is_not_left_in_the_database_file(copy: Paths) -> None:
    secret = "Geheimhaltungsvermerkxq"
    bodies = [["Einleitung", f"Der {secret} steht nur in diesem Dokument.", "Weitere Angaben folgen."]]
    make_pdf(
        copy.archive / "pdf" / "ihek-2010.pdf", ihek_spec(pages=running_pages(bodies), outline=[], title="IHEK 2010")
    )
    assert run(copy, "ingest").exit_code == 0
    data = copy.database.read_bytes()
    assert (secret.encode() in data, secret.lower().encode() in data) == (True, True)  # page text and FTS5 term
    withdraw(copy, "ihek-2010")
    data = copy.database.read_bytes()
    assert (secret.encode() in data, secret.lower().encode() in data) == (False, False)
    assert run(copy, "verify").exit_code == 0


def test_verify_names_a_withdrawal_the_database_has_not_applied(copy: Paths, tmp_path: Path) -> None:
    before = tmp_path / "before.db"
    shutil.copy(copy.database, before)
    withdraw(copy)
    shutil.copy(before, copy.database)  # e.g. a database restored from a backup made before the withdrawal
    result = run(copy, "verify", "--json")
    assert result.exit_code == 1
    findings = [
        f for check in json.loads(result.stdout)["checks"] for f in check["findings"] if f["severity"] == "failed"
    ]
    assert [(f["subject"], f["code"], f["document_id"]) for f in findings][0] == (
        str(copy.archive / "provenance.jsonl"),
        "withdrawal-not-applied",
        "ihek-2012",
    )
    assert [f["code"] for f in findings][1:] == ["index-missing"]  # the index already left it out
    assert findings[0]["message"].endswith(
        "but the database does not show it withdrawn; run 'qmarchive ingest' to apply the withdrawal"
    )
    assert run(copy, "ingest").exit_code == 0  # which applies it
    assert query(copy, "select document_id from withdrawals") == [("ihek-2012",)]
    assert run(copy, "verify").exit_code == 0
