# The tutorial's Flask app (iximiuz.com/en/posts/flask-gevent-tutorial, flask_app/app.py):
# its only route calls a slow upstream with the request's ?delay and answers
# "Hi there! " + the upstream's text. The upstream is watchload's slow API on 127.0.0.1 at a
# random port, so its URL comes from UPSTREAM_URL (the tutorial's PORT_API + a Docker host
# name). Every model in watchload's registry that is a Python server runs this same file:
# only the server around it changes.
import os

import requests
from flask import Flask, request

api_url = os.environ['UPSTREAM_URL']  # e.g. http://127.0.0.1:40123/

app = Flask(__name__)


@app.route('/')
def index():
    delay = float(request.args.get('delay') or 1)
    resp = requests.get(f'{api_url}?delay={delay}')
    return 'Hi there! ' + resp.text
