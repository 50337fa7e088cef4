"""The `summarize` command and its subcommands."""
