"""The command line's parts: flags to settings (:mod:`~embedlab.cli.options`), what each
subcommand does (:mod:`~embedlab.cli.commands`) and the progress bar on stderr
(:mod:`~embedlab.cli.progress`). ``python -m embedlab`` (:mod:`embedlab.__main__`) parses the
arguments and turns a user error into one ``error:`` line and exit status 2.
"""
