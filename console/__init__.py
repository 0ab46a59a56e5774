"""The Textual console: the morning queue. Reads the store; never imports the runner's internals."""
