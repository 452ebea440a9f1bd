"""The agent's workspace: the office dashboard, search, the case page, deadlines, evaluation
interviews and the non-compliance procedure."""
