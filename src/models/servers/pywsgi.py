# The tutorial's gevent.pywsgi server (flask_app/pywsgi.py): one process, one hub, a
# greenlet per request. Usage: pywsgi.py HOST PORT [MODULE] (UPSTREAM_URL in the
# environment); MODULE is where the app is imported from: app (the default), or patched_db
# for watchload --db postgres (which applies psycogreen when PSYCOGREEN=1).
from gevent import monkey
monkey.patch_all()

import importlib  # noqa: E402
import sys  # noqa: E402

from gevent.pywsgi import WSGIServer  # noqa: E402

host, port = sys.argv[1], int(sys.argv[2])
app = importlib.import_module(sys.argv[3] if len(sys.argv) > 3 else 'app').app
http_server = WSGIServer((host, port), app)
try:
    http_server.serve_forever()
except KeyboardInterrupt:
    # SIGINT is how watchload stops it: leave quietly, without a traceback in the server's tail.
    pass
