"""The application layer: instance files, the reproduce registry, sweeps, benchmarks and the CLI.

`import optmarkets` loads none of it (`om.sweep` and `om.grid` load `app.sweep` on first use)."""
