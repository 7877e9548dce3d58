"""Fire N concurrent HTTPS GETs at URL, trusting CA; print a JSON count of statuses."""

from __future__ import annotations

import json
import ssl
import sys
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

url, ca, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context(cafile=ca)


def get(_: int) -> int:
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as answer:  # noqa: S310 (test URL)
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


with ThreadPoolExecutor(max_workers=n) as pool:
    print(json.dumps(Counter(str(s) for s in pool.map(get, range(n)))))
