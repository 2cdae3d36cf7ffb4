# The tutorial's gevent entry point (flask_app/patched.py): patch the standard library
# before anything imports socket or threading, so that the app's blocking calls
# (requests -> socket) yield to gevent's hub instead of blocking the worker.
from gevent import monkey
monkey.patch_all()  # we need to patch very early

from app import app  # noqa: E402,F401  re-export for `gunicorn patched:app` / `uwsgi --module patched:app`
