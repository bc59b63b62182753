"""OSWorld-format tasks: the task model, setup steps, getters, metrics and scoring."""
