from qmarchive.cli import cli

if __name__ == "__main__":  # worker processes import this module too
    cli(prog_name="qmarchive")
