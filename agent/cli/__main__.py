"""`python -m agent.cli ...`: the same as the `agent` console script."""

from agent.cli import app

app()
