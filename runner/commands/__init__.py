"""One module per area of the `overnight` command; each has `register(subparsers)`."""
