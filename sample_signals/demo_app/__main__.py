"""`python -m demo_app [--port N]`: serve Teamboard on 127.0.0.1."""

from demo_app.app import main

main()
