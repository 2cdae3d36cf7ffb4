# The tutorial's bonus app (iximiuz.com/en/posts/flask-gevent-tutorial, psycopg2/app.py): the
# same route as app.py, but each request also waits on PostgreSQL. Half the delay goes to the
# slow upstream, half to `SELECT NOW(), pg_sleep(delay/2)` through psycopg2, whose C library
# (libpq) blocks in its own socket calls: gevent's monkey patching cannot reach them, only
# psycogreen can (see patched_db.py). watchload runs it with `--db postgres` on a PostgreSQL
# it starts itself; the connection string comes from DATABASE_URL (the tutorial's
# user/password/host "postgres" of its docker-compose file).
import os

import psycopg2
import requests
from flask import Flask, request

api_url = os.environ['UPSTREAM_URL']  # e.g. http://127.0.0.1:40123/
dsn = os.environ['DATABASE_URL']  # e.g. postgresql://postgres@127.0.0.1:40124/postgres

app = Flask(__name__)


@app.route('/')
def index():
    # A connection per request, as the tutorial's app does (closed here, not left to the GC).
    conn = psycopg2.connect(dsn)
    try:
        delay = float(request.args.get('delay') or 1)
        resp = requests.get(f'{api_url}?delay={delay/2}')

        cur = conn.cursor()
        cur.execute("SELECT NOW(), pg_sleep(%s)", (delay/2,))

        return 'Hi there! {} {}'.format(resp.text, cur.fetchall()[0])
    finally:
        conn.close()
