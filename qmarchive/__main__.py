from qmarchive.cli import cli

cli(prog_name="qmarchive")
