"""Prints Twilio's X-Twilio-Signature for a form POST (HMAC-SHA1, base64).

Usage: TWILIO_AUTH_TOKEN=... python twilio_signature.py URL key=value ...
Twilio signs the full URL followed by each POST parameter's name and value,
sorted by name.
"""

import base64
import hashlib
import hmac
import os
import sys

url, *pairs = sys.argv[1:]
data = url + "".join(k + v for k, v in sorted(p.split("=", 1) for p in pairs))
digest = hmac.new(os.environ["TWILIO_AUTH_TOKEN"].encode(), data.encode(), hashlib.sha1).digest()
print(base64.b64encode(digest).decode())
