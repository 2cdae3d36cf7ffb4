# The tutorial's gevent.pywsgi server (flask_app/pywsgi.py): one process, one hub, a
# greenlet per request. Usage: pywsgi.py HOST PORT (UPSTREAM_URL in the environment).
from gevent import monkey
monkey.patch_all()

import sys  # noqa: E402

from gevent.pywsgi import WSGIServer  # noqa: E402

from app import app  # noqa: E402

host, port = sys.argv[1], int(sys.argv[2])
http_server = WSGIServer((host, port), app)
try:
    http_server.serve_forever()
except KeyboardInterrupt:
    # SIGINT is how watchload stops it: leave quietly, without a traceback in the server's tail.
    pass
