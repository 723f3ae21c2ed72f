"""What the tests and the benchmarks share: the assistant's real servers on free ports
(`servers.Stack`), the repository's trained model (`model_run`), and staff signed in with their
second factor (`staff_login`)."""
