"""One package per paper: the economy, its programs, its constructions, its result types.

Papers import the core, the solver layer, the builders and the theory; never the application.
"""
