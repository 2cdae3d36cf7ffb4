# The gevent entry point of the tutorial's bonus (psycopg2/patched.py): patch the standard
# library first, as patched.py does. That is not enough for psycopg2: its queries run inside
# libpq, C code that calls the OS's socket functions directly, so a query blocks the whole
# worker (its hub and every other greenlet) until it returns. With PSYCOGREEN=1 (watchload
# --psycogreen), psycogreen's patch_psycopg() installs a wait callback that puts psycopg2 in
# asynchronous mode and waits on the socket through gevent: queries then yield to the hub.
import os
import sys

from gevent import monkey
monkey.patch_all()  # we need to patch very early

if os.environ.get('PSYCOGREEN') == '1':
    from psycogreen.gevent import patch_psycopg
    patch_psycopg()
    print('patched_db: psycogreen.gevent.patch_psycopg() applied', file=sys.stderr)

from app_db import app  # noqa: E402,F401  re-export for `gunicorn patched_db:app` / `uwsgi --module patched_db:app`
